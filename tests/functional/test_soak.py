"""Soak: ten simulated years at doubled demand finish with bounded model state and every
invariant intact (the page's numbers: ``docs/validation.md`` section (e))."""

from __future__ import annotations

from collections import defaultdict

import pytest

from sim.analysis.tables import cases_table, events_frame
from sim.validation import soak
from tests.property.test_invariants import (
    check_cases_accounted_for,
    check_ddi,
    check_pools_within_capacity,
    check_times,
)

YEARS = 10


@pytest.fixture(scope="module")
def long_run():
    sc = soak.scenario("double-demand.yaml", [f"run.horizon_days={365 * YEARS}"])
    rows, yearly = soak.run_years(sc, seed=1, years=YEARS)
    events = events_frame(rows, 0)
    del rows
    cases = cases_table(events, {name: u.target_min for name, u in sc.urgency.items()})
    return sc, yearly, events, cases


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_ten_years_at_double_demand_keep_every_invariant(long_run):
    sc, _, events, cases = long_run
    assert soak.invariants(sc, events, cases)["holds"].all()
    on_call = defaultdict(int, {(h, r): role.on_call for h, hosp in sc.hospitals.items()
                                for r, role in hosp.staff.items()})
    check_cases_accounted_for(events, cases)  # the property tests' own checks, written independently
    check_pools_within_capacity(events, on_call)
    check_times(events, cases, sc.run.horizon_days * 1440)
    check_ddi(events, cases)
    assert (cases["case_created_min"] > (YEARS - 1) * 365 * 1440).any(), "cases still arrive in the last year"


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_model_state_stays_bounded_over_ten_years(long_run):
    """Scheduled events do not grow; apart from the overloaded NICU (offered load above 1 at
    doubled demand), fewer requests wait at any year's end than a day's home emergencies."""
    sc, yearly, _, _ = long_run
    first_half, second_half = yearly.iloc[:YEARS // 2], yearly.iloc[YEARS // 2:]
    assert second_half["scheduled now"].max() <= 2 * first_half["scheduled now"].max()
    assert soak.nicu_load() >= 1, "the NICU queue may grow only because the NICU is overloaded"
    other_waiting = yearly["requests waiting"] - yearly["of which for a NICU cot"]
    assert other_waiting.max() < sc.demand.home_streams[0].rate_per_day
    rows = yearly["event rows"].iloc[-1] - yearly["event rows"].iloc[0]
    grown = (yearly["resident MB"].iloc[-1] - yearly["resident MB"].iloc[0]) * 1e6
    assert grown / rows < 1000, "memory per event row: the log is seven fields a row; more means a leak"


def test_soak_invariants_catch_a_broken_log():
    """The vectorised checks can fail: a release without a grant and a grant beyond capacity."""
    sc = soak.scenario("double-demand.yaml", ["run.horizon_days=3"])
    rows, _ = soak.run_years(sc, seed=2, years=1)
    events = events_frame([r for r in rows if r[1] < 3 * 1440], 0)
    cases = cases_table(events, {name: u.target_min for name, u in sc.urgency.items()})
    assert soak.invariants(sc, events, cases)["holds"].all()
    for event, invariant in (("acquire", "no grant beyond on-duty plus called-in units"),
                             ("release", "no case gives back more than it holds")):
        broken = events.copy()
        broken.loc[events.index[events["event"] == event][0], "value"] = 1000.0  # far more than any pool holds
        checks = soak.invariants(sc, broken, cases).set_index("invariant")["holds"]
        assert not checks[invariant], invariant
