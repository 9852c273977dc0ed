"""Any valid scenario keeps the invariants of DESIGN.md section 9.

Hypothesis perturbs the baseline with hand-written strategies (counts 0..5 for
rooms, beds, cots, ambulances, equipment and staff, on-call staff, demand
rates, durations as fixed, triangular or exponential, policies) and runs one
short replication.  The invariants, checked on the event log and the cases
table:

* every case created has exactly one row in the cases table, whose status is
  ``completed`` (closed) or ``in_progress`` (open at the horizon), and nothing
  else; nothing is lost or invented;
* no pool ever grants more units than it has on duty plus called in (checked at
  every grant: when a shift ends with people still busy, busy may exceed the
  new roster, but nobody new is granted until it is back below);
* event times never go backwards, and along each case the milestones that
  must follow one another do (:data:`ORDER`; some pairs in
  ``tables.MILESTONES`` are parallel branches, for example the team's travel
  and the mother's stabilisation, and are not ordered);
* DDI is delivery time minus decision time.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections import defaultdict
from typing import Any

import pandas as pd
import pytest
from hypothesis import HealthCheck, Phase, given, settings, target
from hypothesis import strategies as st

from sim.experiment.runner import replication_tables
from sim.model.eventlog import EVENTS
from sim.scenario import Scenario, load_scenario
from tests.builders import baseline_data, build
from tests.conftest import SCENARIOS

BASE = baseline_data()

_OUTREACH_CHAINS = [
    ["case_created", "consult_start", "first_decision", "team_requested", "team_assembled", "team_departed",
     "team_on_site", "team_ready", "team_returned"],
    ["first_decision", "stabilisation_start", "stabilisation_end", "theatre_entry"],
    ["first_decision", "theatre_entry", "incision", "delivery", "surgery_end", "team_returned"],
    ["first_decision", "decision", "delivery"],
    ["delivery", "neonatal_stabilised", "newborn_departed", "nicu_arrival", "nicu_admission"],
    ["surgery_end", "icu_admission", "icu_discharge"],
]
_TRANSFER_CHAINS = [
    ["case_created", "consult_start", "first_decision", "crew_requested", "crew_assembled", "crew_departed",
     "crew_on_site", "mother_packaged"],
    ["first_decision", "stabilisation_start", "stabilisation_end", "mother_packaged", "mother_departed",
     "mother_arrived", "handover_done", "theatre_entry", "incision", "delivery", "surgery_end", "icu_admission",
     "icu_discharge"],
    ["first_decision", "decision", "delivery"],
    ["delivery", "neonatal_stabilised", "nicu_admission"],
]
_HOME_CHAINS = [
    ["case_created", "first_decision", "decision", "theatre_entry", "incision", "delivery", "surgery_end"],
    ["delivery", "neonatal_stabilised", "nicu_admission"],
]
ORDER = {"outreach": _OUTREACH_CHAINS, "transfer": _TRANSFER_CHAINS, "home": _HOME_CHAINS}
"""Pathway -> chains of milestones that must be reached in this order (each one needs the one before).

``first_decision`` is the consultation's decision; ``decision`` is the latest one, which a
deterioration renews while the team may already be on its way, so only the first decision
precedes the team's and the stabilisation's milestones (a deterioration, hence a decision, may
come at any time before delivery, even in theatre).  The team is ready before theatre
unless the host's own staff started (crash rule); the transfer pathway has no team, but an
ambulance crew.
"""


# Strategies ----------------------------------------------------------------------------------------------

COUNTS = st.integers(0, 5)


def durations(scale: float) -> st.SearchStrategy[dict[str, Any]]:
    """A distribution of durations around ``scale`` minutes: fixed, triangular or exponential."""
    size = st.floats(0, 2 * scale, allow_nan=False, allow_infinity=False)
    fixed = size.map(lambda v: {"dist": "fixed", "value": v})
    exponential = st.floats(scale / 20 + 0.01, 2 * scale + 0.01).map(lambda m: {"dist": "exponential", "mean": m})
    triangular = st.lists(size, min_size=3, max_size=3).map(sorted).filter(lambda v: v[0] < v[2]).map(
        lambda v: {"dist": "triangular", "low": v[0], "mode": v[1], "high": v[2]})
    return st.one_of(fixed, triangular, exponential)


@st.composite
def hospitals(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Counts 0..5 of rooms, beds, cots, ambulances, equipment and staff; on-call staff with call-in delays."""
    for hospital in data["hospitals"].values():
        for key in ("operating_rooms", "icu_beds", "nicu_cots", "ambulances"):
            hospital[key] = draw(COUNTS)
        hospital["equipment"] = {item: draw(COUNTS) for item in hospital["equipment"]}
        for role in hospital["staff"].values():
            role.update(day=draw(COUNTS), night=draw(COUNTS), weekend=draw(COUNTS), on_call=draw(COUNTS))
            role["call_in"] = draw(durations(30)) if role["on_call"] else None


@st.composite
def clinical(draw: st.DrawFn, data: dict[str, Any]) -> None:
    """Every clinical, team and travel duration redrawn around the baseline's scale."""
    c, team = data["clinical"], data["team"]
    for key, scale in (("consultation", 20), ("incision_to_delivery", 4), ("closure", 38),
                       ("neonatal_stabilisation", 30), ("postop_icu", 600), ("nicu_stay", 2000)):
        c[key] = draw(durations(scale))
    for table, scale in (("stabilisation", 180), ("anaesthesia", 20)):
        c[table] = {u: draw(durations(scale)) for u in c[table]}
    c["minimum_resuscitation"] = {u: draw(durations(20)) for u in c["minimum_resuscitation"]}
    c["deterioration_rate_per_hour"] = {u: draw(st.floats(0, 0.5)) for u in ("planned", "cat2")}
    c["transit_deterioration_factor"] = draw(st.floats(0, 5))
    for key, scale in (("mobilisation", 30), ("setup_on_site", 30), ("restock", 90)):
        team[key] = draw(durations(scale))
    for route in data["travel"]["routes"]:
        route["off_peak"], route["peak"] = draw(durations(20)), draw(durations(40))
    for key in ("packaging", "crew_mobilisation", "handover"):
        data["transfer"][key] = draw(durations(30))
    home = data["demand"]["home_emergency"]
    home["decision_to_theatre"] = {u: draw(durations(30)) for u in home["decision_to_theatre"]}


@st.composite
def scenarios(draw: st.DrawFn) -> Scenario:
    """A valid scenario: the baseline with counts, rates, durations and policies redrawn; 2-6 days."""
    data = copy.deepcopy(BASE)
    data["run"]["horizon_days"] = draw(st.floats(2, 6))
    draw(hospitals(data))
    draw(clinical(data))
    demand = data["demand"]
    demand["outreach"]["rate_per_day"] = draw(st.floats(0.5, 6))  # zero demand: tests/functional
    demand["home_emergency"]["rate_per_day"] = draw(st.floats(0.5, 12))
    policies = data["policies"]
    policies["pathway"] = {u: draw(st.sampled_from(["outreach", "transfer"])) for u in data["urgency"]}
    policies["nicu_full"] = draw(st.sampled_from(["wait", "surge", "divert"]))
    policies["nicu_wait_limit_min"] = draw(st.floats(0, 600))
    policies["divert_to"] = draw(st.sampled_from(["CLH", "HHH"])) if policies["nicu_full"] == "divert" else None
    policies["dispatch"] = draw(st.sampled_from(["priority", "fifo"]))
    policies["planned_urgency"] = draw(st.sampled_from(["planned", None]))
    return build(data)


# Invariants ----------------------------------------------------------------------------------------------


def check_cases_accounted_for(events: pd.DataFrame, cases: pd.DataFrame) -> None:
    created = events.loc[events["event"] == "case_created", "case_id"]
    closed = events.loc[events["event"] == "case_closed", "case_id"]
    assert created.is_unique
    assert closed.is_unique
    assert set(closed) <= set(created)
    assert cases["case_id"].is_unique
    assert set(cases["case_id"]) == set(created), "a case was lost or invented"
    assert set(cases["status"]) <= {"completed", "in_progress"}
    completed = set(cases.loc[cases["status"] == "completed", "case_id"])
    assert completed == set(closed)
    assert set(events.loc[events["case_id"] >= 0, "case_id"]) <= set(created)


def check_pools_within_capacity(events: pd.DataFrame, on_call: dict[tuple[str, str], int]) -> None:
    """Replay the log: every grant leaves busy <= on duty + called in + overtime; nobody gives back what they lack."""
    busy: dict[tuple[str, str], float] = defaultdict(float)
    duty: dict[tuple[str, str], float] = defaultdict(float)
    called: dict[tuple[str, str], float] = defaultdict(float)
    overtime: dict[tuple[str, str], float] = defaultdict(float)
    held: dict[tuple[int, str, str], float] = defaultdict(float)
    rows = events[events["event"].isin(["capacity", "acquire", "release", "call_in_arrival", "call_in_home",
                                        "overtime_start", "overtime_end"])]
    for case, event, hospital, pool, value in rows[["case_id", "event", "hospital", "resource", "value"]].itertuples(
            index=False):
        key = (hospital, pool)
        if event == "capacity":
            duty[key] = value
        elif event == "call_in_arrival":
            called[key] += 1
            assert called[key] <= on_call[key], f"more called in than on call at {key}"
        elif event == "call_in_home":
            called[key] -= 1
            assert busy[key] <= duty[key] + called[key] + overtime[key], f"a busy called-in person went home at {key}"
        elif event in ("overtime_start", "overtime_end"):
            overtime[key] += value if event == "overtime_start" else -value
            assert overtime[key] >= 0, f"overtime below zero at {key}"
        elif event == "acquire":
            busy[key] += value
            held[(case, hospital, pool)] += value
            assert busy[key] <= duty[key] + called[key] + overtime[key], f"over capacity at {key}: {busy[key]}"
        else:
            busy[key] -= value
            held[(case, hospital, pool)] -= value
            assert held[(case, hospital, pool)] >= 0, f"case {case} released more {pool} than it held"


def check_times(events: pd.DataFrame, cases: pd.DataFrame, horizon_min: float) -> None:
    times = events["time_min"].to_numpy()
    assert (times[1:] >= times[:-1]).all(), "the log goes back in time"
    assert times.max(initial=0.0) < horizon_min
    for row in cases.itertuples(index=False):
        chains = ORDER[row.pathway] if isinstance(row.pathway, str) else [["case_created", "consult_start"]]
        t = {m: getattr(row, f"{m}_min") for chain in chains for m in chain}
        for chain in chains:
            for before, after in itertools.pairwise(chain):
                if not math.isnan(t[after]):
                    assert not math.isnan(t[before]), f"case {row.case_id}: {after} without {before}"
                    assert t[before] <= t[after], f"case {row.case_id}: {before} after {after}"
        outreach = isinstance(row.pathway, str) and row.pathway == "outreach"
        if outreach and not row.host_started and not math.isnan(row.theatre_entry_min):
            assert row.team_ready_min <= row.theatre_entry_min, f"case {row.case_id}: theatre before the team"
        if row.host_started:
            assert row.crash_call_min <= row.crash_start_min <= row.theatre_entry_min, f"case {row.case_id}: crash"
        if not math.isnan(row.deteriorated_min):  # any time from referral to delivery
            assert row.case_created_min <= row.deteriorated_min
            assert row.deteriorated_min <= row.delivery_min or math.isnan(row.delivery_min)
            # a new decision to deliver, or the consultation's own if she deteriorated during the call
            assert row.decision_min == max(row.deteriorated_min, row.first_decision_min), "a deterioration decides"
        else:
            assert row.decision_min == row.first_decision_min or math.isnan(row.decision_min)
        if row.status == "completed":
            reached = [v for v in t.values() if not math.isnan(v)]
            assert max(reached) <= row.case_closed_min


def check_ddi(events: pd.DataFrame, cases: pd.DataFrame) -> None:
    last = events.groupby(["case_id", "event"])["time_min"].last()  # the latest decision to deliver
    for row in cases[cases["delivery_min"].notna()].itertuples(index=False):
        ddi = last[(row.case_id, "delivery")] - last[(row.case_id, "decision")]
        assert row.decision_to_delivery_min == ddi
    delivered = cases["delivery_min"].notna()
    assert (cases.loc[delivered, "within_target"] == (cases.loc[delivered, "decision_to_delivery_min"]
                                                      <= cases.loc[delivered, "target_min"])).all()


def check_invariants(scenario: Scenario, seed: int = 3) -> pd.DataFrame:
    tables, _ = replication_tables(scenario, seed, 0)
    events, cases = tables["events"], tables["cases"]
    assert set(events["event"]) <= set(EVENTS)
    on_call = {(h, role): r.on_call for h, hosp in scenario.hospitals.items() for role, r in hosp.staff.items()}
    check_cases_accounted_for(events, cases)
    check_pools_within_capacity(events, defaultdict(int, on_call))
    check_times(events, cases, scenario.run.horizon_days * 1440)
    check_ddi(events, cases)
    return cases


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          phases=[Phase.explicit, Phase.generate, Phase.target],  # no shrinking: each example is a simulation run
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(scenarios(), st.integers(0, 2**32 - 1))
def test_random_valid_scenarios_keep_the_invariants(scenario, seed):
    cases = check_invariants(scenario, seed)
    target(float((cases["status"] == "completed").sum()), label="completed cases")  # steer to busy examples


@pytest.mark.parametrize("name", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_shipped_scenarios_keep_the_invariants(name):
    scenario = load_scenario(SCENARIOS / name, ["run.horizon_days=10", "demand.outreach.rate_per_day=1"])
    cases = check_invariants(scenario)
    assert (cases["status"] == "completed").any()
