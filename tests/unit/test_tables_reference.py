"""The event-log tables are built faster than before and stay the same, frame for frame.

The reference is the previous implementation (:mod:`tests.reference.old_tables`: a filter of the
whole log per column, a sort per quantity and pool); the new one (one grouping of the case events,
integer pool codes, columns built straight from the rows) must give equal frames, values and types
included, on several scenarios, seeds and replications.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis import tables
from sim.model import simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS
from tests.reference import old_tables

RUNS = [("baseline.yaml", 1, 0, 120), ("baseline.yaml", 7, 3, 120), ("stress.yaml", 5, 0, 30),
        ("transfer-policy.yaml", 2, 1, 120), ("dedicated-team.yaml", 4, 0, 120), ("crash-host.yaml", 3, 2, 120)]


@pytest.fixture(scope="module", params=RUNS, ids=lambda r: f"{r[0]}-seed{r[1]}-rep{r[2]}")
def run(request):
    name, seed, rep, days = request.param
    scenario = load_scenario(SCENARIOS / name, [f"run.horizon_days={days}", "run.warmup_days=10"])
    return scenario, simulate(scenario, seed, rep).rows, rep


def test_events_frame_is_the_same(run):
    _, rows, rep = run
    pd.testing.assert_frame_equal(tables.events_frame(rows, rep), old_tables.events_frame(rows, rep), check_exact=True)


def test_cases_table_is_the_same(run):
    scenario, rows, rep = run
    events = old_tables.events_frame(rows, rep)
    targets = {u: v.target_min for u, v in scenario.urgency.items()}
    new, old = tables.cases_table(events, targets), old_tables.cases_table(events, targets)
    assert len(new) > 10
    pd.testing.assert_frame_equal(new, old, check_exact=True)


def test_resources_table_is_the_same(run):
    scenario, rows, rep = run
    events = old_tables.events_frame(rows, rep)
    horizon, warmup = scenario.run.horizon_days * 1440.0, scenario.run.warmup_days * 1440.0
    pd.testing.assert_frame_equal(tables.resources_table(events, horizon, warmup),
                                  old_tables.resources_table(events, horizon, warmup), check_exact=True)


def test_several_replications_in_one_log_give_the_rows_of_each():
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=40"])
    events = pd.concat([tables.events_frame(simulate(scenario, 9, r).rows, r) for r in range(3)], ignore_index=True)
    targets = {u: v.target_min for u, v in scenario.urgency.items()}
    pd.testing.assert_frame_equal(tables.cases_table(events, targets), old_tables.cases_table(events, targets),
                                  check_exact=True)
    pd.testing.assert_frame_equal(tables.resources_table(events, 40 * 1440.0, 1440.0),
                                  old_tables.resources_table(events, 40 * 1440.0, 1440.0), check_exact=True)


def test_a_log_cut_short_with_cases_half_done_gives_the_same_tables():
    """Cases still open, pools never used and events missing entirely (no delivery yet)."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=3"])
    rows = [r for r in simulate(scenario, 2, 0).rows if r[1] < 1440.0]
    events = tables.events_frame(rows, 0)
    targets = {u: v.target_min for u, v in scenario.urgency.items()}
    pd.testing.assert_frame_equal(tables.cases_table(events, targets), old_tables.cases_table(events, targets),
                                  check_exact=True)
    pd.testing.assert_frame_equal(tables.resources_table(events, 1440.0), old_tables.resources_table(events, 1440.0),
                                  check_exact=True)
