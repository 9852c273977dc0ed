"""report.html in a real browser (headless Chromium): images load, tables render, nothing runs.

Debian's ``chromium`` (installed by ``.ci/run`` when missing) is driven by
Python playwright with ``executable_path``, so no browser download is needed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import NEEDS_CHROMIUM, launch_chromium
from tests.report.conftest import HOSTILE_NAME

pytestmark = [pytest.mark.browser, NEEDS_CHROMIUM]


@pytest.fixture(scope="module")
def browser():
    yield from launch_chromium()


def open_page(browser, path: Path, dialogs: list[str]):
    page = browser.new_page(viewport={"width": 1200, "height": 1600})
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(path.resolve().as_uri())
    page.wait_for_load_state("load")
    return page


def check_images_and_table(page, table_id: str) -> int:
    """Every <img> decoded (natural width > 0); the table exists and has rows. Returns the image count."""
    widths = page.evaluate("Array.from(document.images, i => i.complete ? i.naturalWidth : 0)")
    assert widths, "no images"
    assert all(w > 0 for w in widths), widths
    assert page.locator(f"#{table_id}").count() == 1
    assert page.locator(f"#{table_id} tbody tr").count() > 0
    return len(widths)


def test_report_opens_in_chromium_with_every_image_and_the_kpi_table(browser, results, tmp_path):
    dialogs: list[str] = []
    page = open_page(browser, results / "report.html", dialogs)
    assert check_images_and_table(page, "kpi-table") >= 5
    assert page.locator("h1").inner_text() == f"ihsim report: {HOSTILE_NAME}"
    assert dialogs == []  # the scenario's <script> and onerror never ran
    shot = tmp_path / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``ihsim compare`` of the baseline and a second incubator: 2 replications of 20 days."""
    from tests.conftest import SCENARIOS
    from tests.report.conftest import run_cli

    out = tmp_path_factory.mktemp("compare") / "cmp"
    result = run_cli(["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "second-incubator.yaml"),
                      "-n", "2", "--seed", "3", "--out", str(out), "--set", "run.horizon_days=20",
                      "--set", "demand.outreach.rate_per_day=0.5"])
    assert result.exit_code == 0, result.output
    return out


def test_comparison_report_opens_in_chromium_with_every_image_and_the_differences_table(browser, comparison,
                                                                                        tmp_path):
    dialogs: list[str] = []
    page = open_page(browser, comparison / "comparison.html", dialogs)
    assert check_images_and_table(page, "differences-table") >= 2  # the forest and the distribution plots
    assert dialogs == []
    shot = tmp_path / "comparison.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000
    page.close()
