"""Regenerate docs/images/app.png: the ``ihsim app`` page with one lever edited and its plain-English diff.

Usage (from the repository root, with the test extras installed and Debian's chromium)::

    python scripts/app_screenshot.py [--out docs/images/app.png]

It starts ``ihsim app --no-browser`` on a free port with a temporary results folder, opens the page in
headless Chromium, opens the staff group, raises the night anaesthetists at NHOG from 2 to 3, and saves
a screenshot of the page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.browser import ARGS, CHROMIUM, app_server  # noqa: E402


def shoot(url: str, out: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(url)
        page.get_by_text("Base scenario").first.wait_for(timeout=60_000)
        page.get_by_text("Staff by role and shift").first.click()
        box = page.get_by_role("spinbutton", name="anaesthetists on night shift at NHOG").first
        box.fill("3")
        box.press("Enter")
        page.locator("[data-testid='stCode']").filter(has_text="-> 3").first.wait_for(timeout=30_000)
        page.mouse.move(0, 0)
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "images" / "app.png")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, app_server(Path(tmp) / "results", Path(tmp) / "app.log") as url:
        shoot(url, args.out)
    print(f"screenshot: {args.out}")


if __name__ == "__main__":
    main()
