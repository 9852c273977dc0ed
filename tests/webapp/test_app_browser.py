"""``ihsim app`` in a real browser (headless Chromium, Debian's, as the report tests use).

The server is started as a planner starts it (``ihsim app --port P --no-browser``); the test edits levers,
saves and downloads the variant, checks that ``ihsim validate`` accepts the download, runs 2 short
replications and reads the key results table.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.browser import NEEDS_CHROMIUM, app_server, launch_chromium
from tests.conftest import ROOT, SCENARIOS

pytestmark = [
    pytest.mark.browser,
    pytest.mark.slow,
    NEEDS_CHROMIUM,
    pytest.mark.skipif(shutil.which("true") is None, reason="needs a POSIX system"),
]
pytest.importorskip("streamlit")


def ihsim(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=120, check=False)


@pytest.fixture(scope="module")
def app_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path, str]]:
    """``ihsim app`` serving a fresh results folder: ``(url, results folder, what it printed)``."""
    results = tmp_path_factory.mktemp("app") / "results"
    log = results.parent / "app.log"
    with app_server(results, log) as url:
        yield url, results, log.read_text()


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


def set_number(page, label: str, value: str) -> None:
    box = page.get_by_role("spinbutton", name=label).first
    box.fill(value)
    box.press("Enter")
    page.wait_for_timeout(300)


def test_app_says_it_is_local_and_serves_the_shipped_scenarios(app_url, browser):
    url, _, printed = app_url
    assert "http://127.0.0.1:" in printed
    assert "(local: only this computer can open it)" in printed
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(url)
    page.get_by_text("Base scenario").first.wait_for(timeout=60_000)
    page.get_by_role("tab", name="Compare").click()
    search = page.locator("[data-testid='stMultiSelect'] input").first
    shipped = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
    assert len(shipped) >= 10
    for name in shipped:  # the list scrolls: search for each
        search.fill(name)
        assert page.get_by_role("option", name=name, exact=True).count() == 1, name
    page.close()


def test_edit_save_download_validate_run_and_read_results(app_url, browser, tmp_path):
    url, results, _ = app_url
    page = browser.new_page(viewport={"width": 1400, "height": 1200}, accept_downloads=True)
    page.goto(url)
    page.get_by_text("Base scenario").first.wait_for(timeout=60_000)
    page.get_by_text("Rooms, beds, cots").first.click()
    set_number(page, "NICU cots at NHOG", "25")
    page.get_by_text("Run length").first.click()
    set_number(page, "horizon days", "20")
    changes = page.locator("[data-testid='stCode']").filter(has_text="run.horizon_days 365 -> 20")
    changes.first.wait_for(timeout=30_000)  # the plain-English diff against the base, both edits in it
    assert "NICU cots at NHOG 20 -> 25" in changes.first.inner_text()

    page.get_by_role("button", name="Save variant").click()
    with page.expect_download(timeout=30_000) as info:
        page.get_by_role("button", name="Download baseline-edited.yaml").click()
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)  # the variant extends baseline.yaml: saved beside it, as the page says
    download = folder / info.value.suggested_filename
    info.value.save_as(download)
    assert "extends: baseline.yaml" in download.read_text()
    checked = ihsim("validate", str(download))
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "ok:" in checked.stdout

    page.get_by_role("tab", name="Run").click()
    set_number(page, "Replications", "2")
    page.get_by_role("button", name="Run", exact=True).click()
    page.get_by_role("tab", name="Results").click()
    table = page.locator("table").filter(has_text="verdict")
    table.first.wait_for(timeout=240_000)
    assert table.first.locator("tbody tr").count() > 0
    assert "decision-to-delivery" in table.first.inner_text().lower()
    assert (results / "baseline-edited" / "manifest.json").is_file()
    assert (results / "baseline-edited" / "report.html").is_file()
    page.close()
