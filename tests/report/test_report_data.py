"""The report's waits and occupancy come from per-replication tables, and equal those of the whole log.

Each replication stores its waits and its occupancy by hour of day
(``waits.parquet``, ``occupancy.parquet``); the report pools them and never
reads the event log.  Pooling per-replication results must give what the
whole log gives at once: the waits row for row (attribution is per
replication anyway), the hourly means up to float rounding (a mean of means
weighted by the hours each averages), checked against the previous
whole-log implementation (:mod:`tests.reference.old_occupancy`).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from sim import store
from sim.analysis import attribution
from sim.report import html
from tests.reference.old_occupancy import occupancy_by_hour
from tests.report.conftest import run_cli


@pytest.fixture(scope="module")
def whole(results: Path) -> tuple[pd.DataFrame, pd.DataFrame, float, float]:
    run = store.read_json(results)["scenario"]["run"]
    start, end = 1440.0 * float(run.get("warmup_days", 0.0)), 1440.0 * float(run["horizon_days"])
    return store.read_table(results, "events"), store.read_table(results, "cases"), start, end


def test_the_stored_waits_are_those_of_the_whole_log(results, whole):
    events, cases, _, end = whole
    data = html.load(results)
    expected = attribution.case_waits(events, cases, end_min=end)
    assert len(expected) > 20
    pd.testing.assert_frame_equal(data.waits.reset_index(drop=True), expected, check_dtype=False)


def test_pooled_occupancy_equals_the_whole_log_computed_at_once(results, whole):
    events, _, start, end = whole
    data = html.load(results)
    expected = occupancy_by_hour(events, html.busiest_pools(data.resources), start, end)
    assert len(expected) == html.OCCUPANCY_POOLS * 24
    pd.testing.assert_frame_equal(data.occupancy, expected, check_dtype=False, rtol=1e-12)
    every = sorted({(str(h), str(r)) for h, r in zip(data.resources["hospital"], data.resources["resource"],
                                                      strict=True)})
    hourly = store.read_table(results, "occupancy")
    pd.testing.assert_frame_equal(html.occupancy.pooled_occupancy(hourly, every),
                                  occupancy_by_hour(events, every, start, end), check_dtype=False, rtol=1e-12)


def test_median_cases_are_whole_rows_of_the_cases_table(results, whole):
    _, cases, _, _ = whole
    data = html.load(results)
    expected = attribution.median_cases(cases, list(data.targets))
    assert len(expected) >= 1
    pd.testing.assert_frame_equal(data.picked, expected, check_dtype=False)  # bool, not object, read alone
    assert set(data.cases.columns) < set(cases.columns)  # the charted cases: only the columns the report uses


def test_the_report_is_built_without_the_event_log(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    (copy / "events.parquet").unlink()
    result = run_cli(["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").read_text(encoding="utf-8") == (results / "report.html").read_text(encoding="utf-8")


def test_a_folder_of_an_older_version_has_its_waits_and_occupancy_derived_again(results, tmp_path):
    copy = tmp_path / "old"
    shutil.copytree(results, copy)
    for name in ("waits", "occupancy"):
        (copy / f"{name}.parquet").unlink()
    old, new = html.load(copy), html.load(results)
    pd.testing.assert_frame_equal(old.waits, new.waits, check_dtype=False)
    pd.testing.assert_frame_equal(old.occupancy, new.occupancy, check_dtype=False)
    result = run_cli(["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert (copy / "report.html").read_text(encoding="utf-8") == (results / "report.html").read_text(encoding="utf-8")
