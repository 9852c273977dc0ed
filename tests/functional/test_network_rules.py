"""Several teams and obstetric hospitals, checked on scripted cases with hand-computed times.

The quiet network of ``tests.scripted`` gains a second obstetric hospital,
HOGH, with a team of its own (``two_teams``).  Fixed journeys (every hour):

    NHOG-CLH 15, NHOG-HHH 10, NHOG-NHTD 40 (the quiet network's),
    HOGH-CLH 8, HOGH-HHH 20, HOGH-NHTD 30, NHOG-HOGH 12.

An urgent case created at ``t`` is decided at ``t + 25`` (answer 5, call 20);
a team that is free leaves after its mobilisation (30) and is ready after
the journey and its set-up (25).  A team's expected arrival when it is free
is therefore 30 + journey: at CLH, NHOG 45 and HOGH 38; at HHH, NHOG 40 and
HOGH 50.
"""

from __future__ import annotations

import copy
import math
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from sim.model import clock
from sim.model.run import simulate
from sim.scenario.load import load_scenario, scenario_dict
from tests.builders import build, fixed
from tests.scripted import (
    ANAESTHESIA,
    CLOSURE,
    INCISION,
    MOBILISATION,
    NEONATAL_STABILISATION,
    RESTOCK,
    SETUP,
    TRAVEL,
    Log,
    quiet,
    run,
    script,
)

approx = pytest.approx
T0 = 600  # Monday 10:00
DECISION = T0 + 25
HOGH_TRAVEL = {"CLH": 8, "HHH": 20, "NHTD": 30, "NHOG": 12}
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def two_teams(data: dict[str, Any], **policies: Any) -> dict[str, Any]:
    """The quiet network plus HOGH: NHOG's staff, rooms and cots, one incubator, its own team."""
    data = copy.deepcopy(data)
    hogh = copy.deepcopy(data["hospitals"]["NHOG"])
    hogh["name"] = "Second obstetric hospital"
    hogh["equipment"]["transport_incubator"] = 1
    data["hospitals"]["HOGH"] = hogh
    for other, minutes in HOGH_TRAVEL.items():
        data["travel"]["routes"].append({"between": ["HOGH", other], "off_peak": fixed(minutes),
                                         "peak": fixed(minutes)})
    first = data.pop("team")
    first["id"] = "NHOG"
    data["teams"] = [first, {**copy.deepcopy(first), "id": "HOGH", "home": "HOGH"}]
    data["policies"].update(policies)
    return data


def chosen(log: Log, case: int) -> tuple[str, float, str]:
    """``(team, expected arrival, detail)`` of the case's ``team_chosen``."""
    (row,) = log.rows_of(case, "team_chosen")
    return row[4], row[5], row[6]


def estimates(detail: str) -> dict[str, tuple[float, str]]:
    """``team -> (expected minutes, state)`` from a ``team_chosen`` detail."""
    out = {}
    for part in detail.split(" | ")[0].split("; "):
        name, rest = part.split("=")
        minutes, state = rest.split(":")
        out[name] = (math.inf if minutes == "inf" else float(minutes), state)
    return out


# Dispatch policies ---------------------------------------------------------------------------------------------


def test_nearest_available_sends_the_team_expected_soonest():
    data = two_teams(quiet(), team_dispatch="nearest_available")
    script(data, (T0, "CLH", "cat1"), (T0 + 2 * clock.MIN_PER_DAY, "HHH", "cat1"))
    log = run(data)
    clh, hhh = log.cases()
    team, expected, detail = chosen(log, clh)
    assert (team, expected) == ("HOGH", approx(MOBILISATION + 8))  # 38 < NHOG's 45
    assert estimates(detail) == {"NHOG": (approx(45.0), "free"), "HOGH": (approx(38.0), "free")}
    assert log.at(clh, "team_on_site") == approx(DECISION + MOBILISATION + 8)  # 663
    assert [r[3] for r in log.rows_of(clh, "team_assembled")] == ["HOGH"]
    team, expected, _ = chosen(log, hhh)
    assert (team, expected) == ("NHOG", approx(MOBILISATION + TRAVEL["HHH"]))  # 40 < HOGH's 50


def test_nearest_available_passes_over_a_busy_team():
    # HOGH has one incubator: its team is out with it from 625 when the second CLH case is decided at 635.
    data = two_teams(quiet(), team_dispatch="nearest_available")
    script(data, (T0, "CLH", "cat1"), (T0 + 10, "CLH", "cat1"))
    log = run(data)
    first, second = log.cases()
    assert chosen(log, first)[0] == "HOGH"
    team, expected, detail = chosen(log, second)
    assert team == "NHOG"
    assert expected == approx(45.0)
    assert estimates(detail)["HOGH"] == (math.inf, "busy")
    assert log.at(second, "team_on_site") == approx(DECISION + 10 + MOBILISATION + TRAVEL["CLH"])  # 680


def test_when_no_team_can_go_every_team_is_asked_and_the_first_to_come_free_goes():
    # One incubator per hospital.  Case 1 (CLH, 600) takes HOGH: delivery 688 + 14 = 702, newborn leaves
    # 732, admitted at HOGH 740, incubator restocked 830.  Case 2 (HHH, 605) takes NHOG: ready 695,
    # delivery 709, newborn at NHOG 749, incubator back 839.  Case 3 (CLH, decided 635) finds both out:
    # both are asked for; HOGH comes free first (830) and goes; the request to NHOG is withdrawn.
    data = two_teams(quiet(), team_dispatch="nearest_available")
    data["hospitals"]["NHOG"]["equipment"]["transport_incubator"] = 1
    script(data, (T0, "CLH", "cat1"), (T0 + 5, "HHH", "cat1"), (T0 + 10, "CLH", "cat1"))
    log = run(data)
    first, second, third = log.cases()
    assert [chosen(log, c)[0] for c in (first, second)] == ["HOGH", "NHOG"]
    assert log.at(first, "nicu_admission") == approx(740)
    assert log.at(second, "nicu_admission") == approx(749)
    (awaited,) = log.rows_of(third, "team_awaited")
    assert awaited[1] == approx(DECISION + 10)
    assert estimates(awaited[6]) == {"NHOG": (math.inf, "busy"), "HOGH": (math.inf, "busy")}
    assert log.at(third, "team_requested") == approx(DECISION + 10)
    team, expected, detail = chosen(log, third)
    assert team == "HOGH"
    assert detail.endswith("first to come free")
    assert expected == approx(MOBILISATION + 8)
    assert log.at(third, "team_chosen") == approx(740 + RESTOCK)  # 830
    assert [(r[1], r[3]) for r in log.rows_of(third, "withdraw", "transport_incubator")] == [(approx(830), "NHOG")]
    assert log.at(third, "team_on_site") == approx(830 + MOBILISATION + 8)  # 868


def test_home_first_follows_the_host_order_and_skips_a_busy_team():
    data = two_teams(quiet(), team_dispatch="home_first", team_order={"CLH": ["NHOG", "HOGH"]})
    data["hospitals"]["NHOG"]["equipment"]["transport_incubator"] = 1
    script(data, (T0, "CLH", "cat1"), (T0 + 10, "CLH", "cat1"))
    log = run(data)
    first, second = log.cases()
    assert chosen(log, first)[0] == "NHOG"  # first in order, though HOGH is nearer
    assert log.at(first, "team_on_site") == approx(DECISION + MOBILISATION + TRAVEL["CLH"])  # 670
    assert chosen(log, second)[0] == "HOGH"  # NHOG is out with its one incubator
    assert log.at(second, "team_on_site") == approx(DECISION + 10 + MOBILISATION + 8)  # 673


def test_balanced_sends_the_least_used_free_team():
    data = two_teams(quiet(horizon_days=6), team_dispatch="balanced")
    day = clock.MIN_PER_DAY
    script(data, (T0, "HHH", "cat1"), (T0 + day, "HHH", "cat1"), (T0 + 2 * day, "HHH", "cat1"))
    log = run(data)
    teams = [chosen(log, c)[0] for c in log.cases()]
    assert teams == ["NHOG", "HOGH", "NHOG"]  # tie -> team order; then the one sent less often
    assert log.at(log.cases()[1], "team_on_site") == approx(DECISION + day + MOBILISATION + 20)


# Pre-positioning -----------------------------------------------------------------------------------------------


def night_team(data: dict[str, Any]) -> dict[str, Any]:
    """The quiet network plus a dedicated team of the same roles, available and based at CLH 19:00-07:00."""
    data = copy.deepcopy(data)
    first = data.pop("team")
    night = {**copy.deepcopy(first), "id": "CLH-night", "dedicated": True,
             "available": [{"days": "all", "start": "19:00", "end": "07:00"}],
             "based_at": [{"at": "CLH", "days": "all", "start": "19:00", "end": "07:00"}]}
    data["teams"] = [first, night]
    return data


def test_a_night_case_at_the_base_is_reached_in_the_set_up_time_alone():
    data = night_team(quiet())
    created = 1200  # Monday 20:00
    script(data, (created, "CLH", "cat1"), (T0 + clock.MIN_PER_DAY, "CLH", "cat1"))
    log = run(data)
    night, day = log.cases()
    decision = created + 25  # 1225
    team, expected, detail = chosen(log, night)
    assert (team, expected) == ("CLH-night", approx(0.0))
    assert estimates(detail)["NHOG"] == (approx(45.0), "free")
    for event in ("team_requested", "team_assembled", "team_departed", "team_on_site"):
        assert log.at(night, event) == approx(decision), event
    assert log.at(night, "team_ready") == approx(decision + SETUP)  # 1250: set-up alone
    delivery = decision + SETUP + ANAESTHESIA["cat1"] + INCISION  # 1264
    assert log.at(night, "delivery") == approx(delivery)
    assert log.at(night, "team_returned") == approx(delivery + CLOSURE)  # back at its base, no journey
    assert [r[3] for r in log.rows_of(night, "team_returned")] == ["CLH"]
    admitted = delivery + NEONATAL_STABILISATION + TRAVEL["CLH"]  # 1309 at NHOG's NICU
    assert log.at(night, "nicu_admission") == approx(admitted)
    back = admitted + TRAVEL["CLH"]  # the neonatal staff drive back to CLH: 1324
    assert log.at(night, "neonatal_crew_returned") == approx(back)
    assert [r[1] for r in log.rows_of(night, "release", "transport_incubator")] == approx([back + RESTOCK])
    # its people, kit and ambulance are its own: NHOG is asked only for the newborn's cot
    assert {(r[3], r[4]) for r in log.rows_of(night, "request") if r[3] == "NHOG"} == {("NHOG", "nicu_cot")}
    # by day the night team is not there: NHOG's team goes (its estimate waits for 19:00)
    team, _, detail = chosen(log, day)
    assert team == "NHOG"
    assert estimates(detail)["CLH-night"] == (approx(clock.MIN_PER_DAY + 1140 - (T0 + clock.MIN_PER_DAY + 25)),
                                              "later")


# NICU choice, divert and transfer across the network ----------------------------------------------------------


def full_nhog_nicu(data: dict[str, Any]) -> dict[str, Any]:
    """One cot at NHOG, to be taken by a first baby (a case at T0 at HHH, served by NHOG under home_first,
    whose NICU is also the nearest to HHH)."""
    data["hospitals"]["NHOG"]["nicu_cots"] = 1
    data["policies"].update(team_dispatch="home_first")
    return data


def test_nearest_nicu_with_a_cot_takes_the_newborn_when_the_home_unit_is_full():
    data = full_nhog_nicu(two_teams(quiet(), nicu_choice="nearest_with_cot"))
    script(data, (T0, "HHH", "cat1"), (1200, "HHH", "cat1"))
    log = run(data)
    first, second = log.cases()
    assert [r[3] for r in log.rows_of(first, "nicu_admission")] == ["NHOG"]  # the nearest to HHH, with a cot
    delivery = 1225 + MOBILISATION + TRAVEL["HHH"] + SETUP + ANAESTHESIA["cat1"] + INCISION  # 1304
    departed = delivery + NEONATAL_STABILISATION  # 1334
    assert log.at(second, "newborn_departed") == approx(departed)
    assert [r[6] for r in log.rows_of(second, "newborn_departed")] == ["HOGH"]  # NHOG full
    admitted = departed + HOGH_TRAVEL["HHH"]  # 1354
    assert [(r[1], r[3]) for r in log.rows_of(second, "nicu_admission")] == [(approx(admitted), "HOGH")]
    back = admitted + HOGH_TRAVEL["NHOG"]  # NHOG's neonatal staff drive home: 1366
    assert log.at(second, "neonatal_crew_returned") == approx(back)
    assert [r[1] for r in log.rows_of(second, "release", "neonatal_nurse")] == approx([back])


def test_a_full_home_nicu_diverts_to_the_other_obstetric_hospital_by_its_route():
    data = full_nhog_nicu(two_teams(quiet(), nicu_choice="team_home", nicu_full="divert", divert_to="HOGH"))
    script(data, (T0, "HHH", "cat1"), (1200, "HHH", "cat1"))
    log = run(data)
    _, second = log.cases()
    delivery = 1225 + MOBILISATION + TRAVEL["HHH"] + SETUP + ANAESTHESIA["cat1"] + INCISION  # 1304
    arrival = delivery + NEONATAL_STABILISATION + TRAVEL["HHH"]  # 1344 at NHOG, full
    limit = arrival + 120  # 1464: diverted
    admitted = limit + HOGH_TRAVEL["NHOG"]  # 1476 at HOGH
    assert log.times(second, "nicu_arrival") == approx([arrival, admitted])
    assert [(r[1], r[3], r[6]) for r in log.rows_of(second, "nicu_admission")] == [
        (approx(admitted), "HOGH", "diverted")]
    assert log.at(second, "neonatal_crew_returned") == approx(admitted + HOGH_TRAVEL["NHOG"])  # 1488


@pytest.mark.parametrize(("rule", "rooms", "expected"), [("nearest", 5, "HOGH"), ("free_theatre", 0, "NHOG"),
                                                           ("free_theatre", 5, "HOGH")])
def test_a_transfer_goes_to_the_obstetric_hospital_the_rule_names(rule, rooms, expected):
    data = two_teams(quiet(), transfer_to=rule)
    data["policies"]["pathway"] = {u: "transfer" for u in data["policies"]["pathway"]}
    data["hospitals"]["HOGH"]["operating_rooms"] = rooms
    script(data, (T0, "CLH", "cat1"))
    log = run(data)
    (case,) = log.cases()
    assert [r[3] for r in log.rows_of(case, "crew_requested")] == [expected]
    assert [r[3] for r in log.rows_of(case, "mother_arrived")] == [expected]
    if rooms:
        assert [r[3] for r in log.rows_of(case, "theatre_entry")] == [expected]


# The shipped variants ------------------------------------------------------------------------------------------


def test_second_hospital_variant_sends_both_teams_and_each_choice_is_the_nearest_free_one():
    sc = load_scenario(SCENARIOS / "second-hospital.yaml",
                       ["run.horizon_days=180", "demand.outreach.rate_per_day=0.25"])
    rows = simulate(sc, 7, 0).rows
    ev = pd.DataFrame(rows, columns=["case_id", "time_min", "event", "hospital", "resource", "value", "detail"])
    assembled = set(ev.loc[ev["event"] == "team_assembled", "hospital"])
    assert assembled == {"NHOG", "HOGH"}
    routes = {(a, b): r for r in sc.travel.routes for a, b in (r.between, r.between[::-1])}
    peaks = [(clock.clock_to_min(a), clock.clock_to_min(b)) for a, b in sc.travel.peaks]
    hosts = ev[ev["event"] == "case_created"].set_index("case_id")["hospital"]
    choices = ev[ev["event"] == "team_chosen"]
    booked = set(ev.loc[ev["event"] == "surgery_scheduled", "case_id"])
    worse = ev[ev["event"] == "deteriorated"].groupby("case_id")["time_min"].min()
    assert len(choices) >= 20
    tolerance = 0.051  # the detail shows estimates to 0.1 min
    for row in choices.itertuples():
        if row.detail.endswith("first to come free"):
            # no team could go at the decision: every team was asked and the first granted went
            # (test_when_no_team_can_go_every_team_is_asked_and_the_first_to_come_free_goes): it names that one
            assert (ev["case_id"].eq(row.case_id) & ev["event"].eq("team_awaited")).any()
            continue
        found = estimates(row.detail)
        # independently: a free team's expected arrival is its mean mobilisation plus the mean journey
        # (peak or off-peak by the clock when it leaves)
        for team in sc.teams:
            minutes, state = found[team.name]
            if state != "free":
                continue
            leave = row.time_min + team.mobilisation.mean()
            route = routes[(team.home, hosts[row.case_id])]
            journey = (route.peak if clock.in_windows(leave, peaks) else route.off_peak).mean()
            assert minutes == approx(team.mobilisation.mean() + journey, abs=0.05)
        free = [m for m, state in found.values() if state in ("free", "call-in")]
        if row.case_id in booked and row.time_min < worse.get(row.case_id, math.inf):
            # a booked case only has to make its slot: a team on duty goes before one that must call in
            free = [m for m, state in found.values() if state == "free"] or free
        if free:
            assert row.value <= min(free) + tolerance


def test_every_team_form_validates_and_round_trips():
    one = load_scenario(SCENARIOS / "baseline.yaml")
    assert [t.name for t in one.teams] == ["NHOG"]
    data = scenario_dict(one)
    assert "team" in data
    assert "teams" not in data
    two = load_scenario(SCENARIOS / "second-hospital.yaml")
    assert [t.name for t in two.teams] == ["NHOG", "HOGH"]
    again = build(scenario_dict(two))
    assert again == two
    with pytest.raises(ValueError, match="either team"):
        build({**data, "teams": [data["team"]]})
