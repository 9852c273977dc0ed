"""The clinical rules and the roster rule hold over whole runs of the shipped scenarios.

The scripted tests (test_clinical_rules.py) check each rule on hand-computed
cases; these check that no case of a real run breaks them:

- no booked (planned, never deteriorated) caesarean starts outside the
  planned-operating windows, and no stabilisation outlasts its cap;
- a category-1 outreach mother enters theatre as soon as the team is ready
  (90th percentile of theatre entry minus team ready at most 30 min);
- every pool's utilisation is at most 1 in the baseline and every variant,
  now that busy staff at a handover are counted as overtime.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from sim.experiment.runner import replication_tables
from sim.model import clock
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

VARIANTS = sorted(p.name for p in SCENARIOS.glob("*.yaml") if p.name != "stress.yaml")


@functools.cache
def cases(name: str, days: int, replications: int, *overrides: str) -> pd.DataFrame:
    scenario = load_scenario(SCENARIOS / name, [f"run.horizon_days={days}", *overrides])
    frames = [replication_tables(scenario, scenario.run.seed, rep)[0]["cases"] for rep in range(replications)]
    return pd.concat(frames, ignore_index=True)


def in_windows(t: float, windows: list[tuple[str, int, int]]) -> bool:
    return clock.earliest_in_windows(t, windows) == t


@pytest.mark.slow
def test_a_booked_caesarean_starts_in_a_window_or_by_the_cap_and_no_stabilisation_outlasts_it():
    """Never before her slot; outside the windows only when no window opened before her clinical cap
    (then at the cap) or when the team came after her slot (then as soon as it was ready beside her)."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    windows = [(w.days, clock.clock_to_min(w.start), clock.clock_to_min(w.end))
               for w in scenario.policies.planned_windows]
    cap = scenario.clinical.stabilisation_cap_min
    c = cases("baseline.yaml", 365, 4, "demand.outreach.rate_per_day=0.1")
    booked = c[(c["urgency_initial"] == "planned") & c["deteriorated_min"].isna() & c["theatre_entry_min"].notna()]
    assert len(booked) > 40
    start, slot = booked["theatre_entry_min"], booked["booked_slot_min"]
    assert (start >= slot - 1e-9).all()
    outside = booked[[not in_windows(t, windows) for t in start]]
    at_cap = (outside["booked_slot_min"] - outside["decision_min"] - cap).abs() < 1e-6
    late = outside["theatre_entry_min"] > outside["booked_slot_min"] + 1e-9
    assert (at_cap | late).all()
    on_slot = booked[(start - slot).abs() < 1e-6]
    assert (on_slot["theatre_entry_min"] - on_slot["decision_min"] <= cap + 1e-6).all()
    stabilisation = (c["stabilisation_end_min"] - c["stabilisation_start_min"]).dropna()
    assert stabilisation.max() <= cap + 1e-9


@pytest.mark.slow
def test_a_category_1_outreach_mother_goes_to_theatre_when_the_team_is_ready():
    c = cases("baseline.yaml", 365, 4, "demand.outreach.rate_per_day=0.1")
    cat1 = c[(c["case_type"] == "outreach") & (c["urgency_initial"] == "cat1") & (c["pathway"] == "outreach")
             & c["theatre_entry_min"].notna()]
    assert len(cat1) > 15
    assert np.percentile(cat1["theatre_entry_min"] - cat1["team_ready_min"], 90) <= 30


@pytest.mark.slow
@pytest.mark.parametrize("name", VARIANTS)
def test_utilisation_never_exceeds_one_in_any_shipped_scenario(name):
    scenario = load_scenario(SCENARIOS / name, ["run.horizon_days=60"])
    resources = replication_tables(scenario, scenario.run.seed, 0)[0]["resources"]
    used = resources["utilisation"].dropna()
    assert len(used) > 0
    assert (used <= 1 + 1e-9).all(), resources.loc[used.index[used > 1]]
