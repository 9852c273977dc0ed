"""The clinical rules of DESIGN.md section 2, checked on scripted cases with hand-computed times.

Every scenario is the quiet network of ``tests.scripted`` (round fixed
durations, no background demand, plenty of everything, travel the same at
every hour) with one or two scripted cases and the change the rule needs.
Expected times are written as arithmetic on the fixed durations, so a
failure names the rule that broke, not just a number that moved.

Common timeline of an urgent case created at ``t`` at CLH (travel 15):
consult_start = t + 5; decision = t + 25; team_requested = decision;
team_departed = decision + 30; team_on_site = + 15; team_ready = + 25.
"""

from __future__ import annotations

import copy
import math

import pytest

from sim.analysis import tables
from sim.model import clock
from sim.model.rng import keyed_uniform
from sim.model.run import simulate
from tests.builders import baseline_data, build, fixed
from tests.scripted import (
    ANAESTHESIA,
    CLOSURE,
    CONSULT_ANSWER,
    CONSULTATION,
    CREW_MOBILISATION,
    DAY,
    HANDOVER,
    INCISION,
    MIN_RESUS,
    MOBILISATION,
    NEONATAL_STABILISATION,
    PACKAGING,
    RESTOCK,
    SEED,
    SETUP,
    STABILISATION,
    TRAVEL,
    Log,
    exp_draw,
    quiet,
    route,
    run,
    script,
    scripted_uniform,
)

approx = pytest.approx
T0 = 600  # Monday 10:00: the referral of the first scripted case
DECISION = T0 + CONSULT_ANSWER + CONSULTATION  # 625
TEAM_READY = DECISION + MOBILISATION + TRAVEL["CLH"] + SETUP  # 695


def in_planned_window(t: float) -> bool:
    """Inside the quiet network's (baseline) planned window: weekdays 08:00-16:00."""
    return clock.weekday(t) < 5 and 8 * 60 <= clock.minute_of_day(t) < 16 * 60


# 1. Urgent category-1 outreach ------------------------------------------------------------------------------------


@pytest.mark.parametrize("min_resus", [MIN_RESUS["cat1"], 120])
def test_cat1_goes_to_theatre_when_both_team_and_mother_are_ready(min_resus):
    data = quiet()
    data["clinical"]["minimum_resuscitation"]["cat1"] = fixed(min_resus)
    script(data, (T0, "CLH", "cat1"))
    log = run(data)
    (case,) = log.cases()
    decision = T0 + CONSULT_ANSWER + CONSULTATION  # 625
    team_ready = decision + MOBILISATION + TRAVEL["CLH"] + SETUP  # 625 + 30 + 15 + 25 = 695
    mother_ready = decision + min_resus  # 635 (team waited on) or 745 (mother waited on)
    theatre = max(team_ready, mother_ready)
    assert log.at(case, "decision") == approx(decision)
    assert log.at(case, "team_ready") == approx(team_ready)
    assert log.at(case, "stabilisation_end") == approx(mother_ready)
    assert log.at(case, "theatre_entry") == approx(theatre)
    assert log.at(case, "incision") == approx(theatre + ANAESTHESIA["cat1"])
    assert log.at(case, "delivery") == approx(theatre + ANAESTHESIA["cat1"] + INCISION)
    assert log.at(case, "surgery_end") == approx(theatre + ANAESTHESIA["cat1"] + INCISION + CLOSURE)


def test_kit_and_incubator_are_restocked_in_times_of_their_own_draws():
    # Restocking uniform(60, 180): 60 + 120 u.  The kit's u is the case's "restock" uniform; the
    # incubator's is keyed by the case, ("restock", "scripted", 0, "incubator").  Kit: back at NHOG
    # at surgery end 749 + 15 = 764; incubator: freed at the NICU admission, 709 + 30 + 15 = 754.
    data = quiet()
    data["team"]["restock"] = {"dist": "uniform", "low": 60, "high": 180}
    script(data, (T0, "CLH", "cat1"))
    log = run(data)
    (case,) = log.cases()
    u_kit = scripted_uniform("restock")
    u_incubator = keyed_uniform(SEED, 0, ("restock", "scripted", 0, "incubator"))
    assert abs(u_kit - u_incubator) > 0.01  # two different numbers, so the times differ
    returned = TEAM_READY + ANAESTHESIA["cat1"] + INCISION + CLOSURE + TRAVEL["CLH"]  # 764
    admitted = TEAM_READY + ANAESTHESIA["cat1"] + INCISION + NEONATAL_STABILISATION + TRAVEL["CLH"]  # 754
    restocked = {r[4]: r[1] for r in log.rows_of(case, "equipment_restocked")}
    assert restocked == {"outreach_kit": approx(returned + 60 + 120 * u_kit),
                         "transport_incubator": approx(admitted + 60 + 120 * u_incubator)}


# 2-3. Deterioration -----------------------------------------------------------------------------------------------


def deteriorating_cat2(rate_per_hour: float, min_resus_cat2: float, travel: float) -> tuple[Log, int, float]:
    """A cat2 case at T0 whose hazard is ``rate_per_hour``; returns the log, the case and its
    hand-computed deterioration time: the unit-exponential -ln(1 - u) of its own uniform
    ('deterioration_at', from the 'scripted_cases' stream) reached at a constant hazard
    rate/60 per minute from referral."""
    data = quiet()
    data["clinical"]["deterioration_rate_per_hour"] = {"cat2": rate_per_hour}
    data["clinical"]["minimum_resuscitation"]["cat2"] = fixed(min_resus_cat2)
    route(data, "CLH", travel)
    script(data, (T0, "CLH", "cat2"))
    log = run(data)
    (case,) = log.cases()
    return log, case, T0 + exp_draw(0) / (rate_per_hour / 60)


def rate_for(minutes_after_referral: float) -> float:
    """The constant hazard (per hour) at which the first scripted case deteriorates that long
    after referral: her unit-exponential draw -ln(1 - u) divided by the time."""
    return exp_draw(0) / minutes_after_referral * 60


def test_deterioration_with_the_team_on_site_sends_her_to_theatre_at_once():
    # the hazard is set so that she deteriorates 137.6 min after referral (at 737.6),
    # after the team is ready (695) and long before her cat2 minimum resuscitation ends (625 + 1000).
    log, case, t_det = deteriorating_cat2(rate_for(137.6), 1000, TRAVEL["CLH"])
    assert TEAM_READY < t_det < DECISION + 1000  # the scenario tests what it means to
    assert log.at(case, "team_ready") == approx(TEAM_READY)
    assert log.at(case, "deteriorated") == approx(t_det)
    assert log.times(case, "urgency") == approx([T0, t_det])
    assert log.times(case, "decision") == approx([DECISION, t_det])  # the new, urgent decision
    assert log.at(case, "stabilisation_end") == approx(t_det)
    assert log.at(case, "theatre_entry") == approx(t_det)  # team and room ready: at once
    assert log.at(case, "incision") == approx(t_det + ANAESTHESIA["cat1"])  # now category 1
    assert log.at(case, "delivery") == approx(t_det + ANAESTHESIA["cat1"] + INCISION)


def test_deterioration_before_the_team_arrives_waits_for_the_team_only():
    # travel 300: team_ready = 625 + 30 + 300 + 25 = 980; she deteriorates at 737.6 and is ready then
    # (her cat1 minimum resuscitation, 10 from the decision, is long over); theatre at team_ready.
    log, case, t_det = deteriorating_cat2(rate_for(137.6), 2000, 300)
    team_ready = DECISION + MOBILISATION + 300 + SETUP
    assert DECISION + MIN_RESUS["cat1"] < t_det < team_ready
    assert log.at(case, "deteriorated") == approx(t_det)
    assert log.at(case, "stabilisation_end") == approx(t_det)
    assert log.at(case, "team_ready") == approx(team_ready)
    assert log.at(case, "theatre_entry") == approx(team_ready)
    assert log.at(case, "delivery") == approx(team_ready + ANAESTHESIA["cat1"] + INCISION)


@pytest.mark.parametrize("after_referral", [598.2, 344.0])
def test_a_booked_mother_who_deteriorates_goes_as_soon_as_the_team_can(after_referral):
    # Decision Tuesday 03:00 (1620), stabilisation 600: slot 13:00 (2220), team requested 11:00 (2100),
    # ready 12:10 (2170).  She deteriorates at 1595 + 598.2 = 2193.2, with the team on site and
    # before her slot: theatre then; or at 1595 + 344 = 1939.0, before dispatch: the team is
    # requested at once and theatre is at its readiness, 1939.0 + 70.
    rate = rate_for(after_referral)
    data = quiet()
    data["clinical"]["deterioration_rate_per_hour"] = {"planned": rate}
    created = DAY + 3 * 60 - CONSULT_ANSWER - CONSULTATION
    script(data, (created, "CLH", "planned"))
    log = run(data)
    (case,) = log.cases()
    t_det = created + exp_draw(0) / (rate / 60)
    slot, requested = DAY + 13 * 60, DAY + 11 * 60
    dispatch = min(requested, t_det)  # at the dispatch time, or at once on deterioration
    team_ready = dispatch + MOBILISATION + TRAVEL["CLH"] + SETUP
    assert DAY + 3 * 60 < t_det < slot
    assert log.rows_of(case, "surgery_scheduled")[0][5] == approx(slot)
    assert log.at(case, "deteriorated") == approx(t_det)
    assert log.at(case, "team_requested") == approx(dispatch)
    assert log.at(case, "team_ready") == approx(team_ready)
    assert log.at(case, "theatre_entry") == approx(max(team_ready, t_det))
    assert log.at(case, "incision") == approx(max(team_ready, t_det) + ANAESTHESIA["cat1"])


# 4. Crash policy: the host starts ---------------------------------------------------------------------------------


def test_host_starts_a_cat1_caesarean_when_the_team_cannot_be_ready_within_the_delay():
    data = quiet()
    route(data, "CLH", 300)
    data["hospitals"]["CLH"]["staff"]["general_surgeon"] = {"day": 1, "night": 1, "weekend": 1}
    data["policies"]["crash"] = {"policy": "host_starts", "urgency": "cat1", "hosts": ["CLH"],
                                 "delay": fixed(30), "host_team": {"general_surgeon": 1}}
    script(data, (T0, "CLH", "cat1"))
    log = run(data)
    (case,) = log.cases()
    team_ready = DECISION + MOBILISATION + 300 + SETUP  # 980: far beyond decision + delay
    crash = DECISION + 30  # 655 (she is ready at 635)
    delivery = crash + ANAESTHESIA["cat1"] + INCISION  # 669
    assert log.at(case, "crash_call") == approx(crash)
    assert log.at(case, "crash_start") == approx(crash)
    assert log.at(case, "theatre_entry") == approx(crash)
    host_team = log.rows_of(case, "acquire", "general_surgeon")
    assert [(r[1], r[3]) for r in host_team] == [(approx(crash), "CLH")]
    assert log.at(case, "delivery") == approx(delivery)
    assert log.at(case, "neonatal_stabilised") == approx(delivery + NEONATAL_STABILISATION)  # 699
    assert log.at(case, "team_ready") == approx(team_ready)
    assert log.at(case, "newborn_departed") == approx(team_ready)  # only with the team (980 > 699)
    assert log.at(case, "nicu_arrival") == approx(team_ready + 300)


# 5. Planned booking -----------------------------------------------------------------------------------------------


def planned_case(decision: float, stabilisation: float, horizon_days: float, travel: float = TRAVEL["CLH"],
                 cap: float | None = None) -> tuple[Log, int]:
    data = quiet(horizon_days)
    data["clinical"]["stabilisation"]["planned"] = fixed(stabilisation)
    if cap is not None:
        data["clinical"]["stabilisation_cap_min"] = cap
    route(data, "CLH", travel)
    script(data, (decision - CONSULT_ANSWER - CONSULTATION, "CLH", "planned"))
    log = run(data)
    (case,) = log.cases()
    return log, case


def check_booked(log: Log, case: int, decision: float, slot: float, stabilised: float, theatre: float) -> None:
    lead = 120  # policies.planned_dispatch_lead_min
    assert log.at(case, "decision") == approx(decision)
    assert log.rows_of(case, "surgery_scheduled")[0][5] == approx(slot)
    assert log.at(case, "stabilisation_end") == approx(stabilised)
    assert log.at(case, "team_requested") == approx(slot - lead)
    assert log.at(case, "theatre_entry") == approx(theatre)
    assert in_planned_window(log.at(case, "theatre_entry"))
    assert log.at(case, "incision") == approx(theatre + ANAESTHESIA["planned"])


def test_planned_booking_on_friday_afternoon_goes_to_monday_morning_when_the_cap_allows():
    # Friday 15:00 (day 4); lead 120 > stabilisation 60, so earliest Friday 17:00, after the
    # window: Monday 08:00 (day 7), 65 h after the decision, within a cap of 5000 min (83 h).
    # Team requested 06:00, ready 06:00 + 30 + 15 + 25 = 07:10.
    decision = 4 * DAY + 15 * 60
    slot = 7 * DAY + 8 * 60
    log, case = planned_case(decision, 60, horizon_days=8, cap=5000)
    assert log.at(case, "team_ready") == approx(slot - 120 + MOBILISATION + TRAVEL["CLH"] + SETUP)
    check_booked(log, case, decision, slot, stabilised=decision + 60, theatre=slot)


def test_a_booking_that_would_pass_the_clinical_cap_is_made_at_the_cap_outside_the_windows():
    # Friday 15:00, stabilisation 60: the first window after Friday 17:00 is Monday 08:00, 65 h
    # after the decision, past the 48-h cap (A11: delivered within 48 h).  She is booked at the cap,
    # Sunday 15:00; the team is requested at 13:00, ready at 13:00 + 30 + 15 + 25 = 14:10, and she
    # goes to theatre at 15:00 on Sunday.
    decision = 4 * DAY + 15 * 60
    slot = decision + 2880  # Sunday 15:00
    log, case = planned_case(decision, 60, horizon_days=8, cap=2880)
    assert clock.weekday(slot) == 6
    assert not in_planned_window(slot)
    assert [r[5] for r in log.rows_of(case, "surgery_scheduled")] == approx([slot])
    assert log.at(case, "team_requested") == approx(slot - 120)
    assert log.at(case, "team_ready") == approx(slot - 120 + MOBILISATION + TRAVEL["CLH"] + SETUP)
    assert log.at(case, "theatre_entry") == approx(slot)
    assert log.at(case, "theatre_entry") - decision <= 2880


def test_a_late_team_beside_a_ready_mother_operates_after_the_window_closes():
    # Friday 12:35 referral at NHTD, decision 13:00; stabilisation 120 = lead: slot Friday 15:00, team
    # requested at 13:00.  Mobilisation uniform(0, 160) has mean 80: expected ready 13:00 + 80 + 40 + 25
    # = 15:25, inside the window, so nobody is stood down.  This case's draw is 160 u (u from the
    # seed), so the team is ready at 13:00 + 160 u + 65, after the 16:00 close: she is ready beside
    # it and goes to theatre then, not on Monday.
    data = quiet(horizon_days=9)
    data["clinical"]["stabilisation"]["planned"] = fixed(120)
    data["team"]["mobilisation"] = {"dist": "uniform", "low": 0, "high": 160}
    script(data, (4 * DAY + 12 * 60 + 35, "NHTD", "planned"))
    log = run(data)
    (case,) = log.cases()
    decision = 4 * DAY + 13 * 60
    ready = decision + 160 * scripted_uniform("mobilisation") + TRAVEL["NHTD"] + SETUP
    assert clock.minute_of_day(ready) > 16 * 60  # the seed's draw makes the team late
    assert [r[5] for r in log.rows_of(case, "surgery_scheduled")] == approx([decision + 120])
    assert log.at(case, "team_ready") == approx(ready)
    assert log.at(case, "theatre_entry") == approx(ready)


def test_planned_booking_at_night_waits_for_stabilisation_in_the_day_window():
    # Tuesday 03:00; stabilisation 600 > lead 120: earliest Tuesday 13:00, inside the window.
    decision = DAY + 3 * 60
    slot = DAY + 13 * 60
    log, case = planned_case(decision, 600, horizon_days=3)
    assert log.at(case, "team_ready") == approx(slot - 120 + MOBILISATION + TRAVEL["CLH"] + SETUP)  # 12:10
    check_booked(log, case, decision, slot, stabilised=decision + 600, theatre=slot)


def test_a_team_that_would_miss_the_window_is_stood_down_not_sent_to_wait_overnight():
    # Tuesday 13:00, stabilisation 60: slot Tuesday 15:00, team requested 13:00.  With travel 200 it is
    # expected ready at 13:00 + 30 + 200 + 25 = 17:15, after the 16:00 close: stood down at 13:00 and
    # re-booked into Wednesday 08:00.  Requested again at 06:00 (lead 120), it is ready at
    # 06:00 + 255 = 10:15, inside the window, and she goes to theatre then.
    decision = DAY + 13 * 60
    slot = decision + 120
    log, case = planned_case(decision, 60, horizon_days=4, travel=200)
    rebooked = 2 * DAY + 8 * 60
    assert [r[5] for r in log.rows_of(case, "surgery_scheduled")] == approx([slot, rebooked])
    assert log.times(case, "team_requested") == approx([decision, rebooked - 120])
    assert log.at(case, "team_stood_down") == approx(decision)
    ready = rebooked - 120 + MOBILISATION + 200 + SETUP  # Wednesday 10:15
    assert log.at(case, "team_ready") == approx(ready)
    assert log.at(case, "theatre_entry") == approx(ready)
    assert in_planned_window(ready)


def test_a_booked_transfer_is_booked_for_when_she_can_be_at_the_obstetric_hospital():
    # Tuesday 13:00, stabilisation 60, journey 200: she can be handed over at the obstetric hospital
    # 60 + 30 + 200 + 20 = 310 min after the decision at the earliest, 18:10, after the window: she is
    # booked into Wednesday 08:00 at once (within the 48-h cap), and nobody is sent and stood down.
    # The crew is asked for at 08:00 - 120 - 250 = 01:50, leaves at 02:10, is at CLH at 05:30; she is
    # packaged by 06:00, arrives 09:20 and is handed over at 09:40, after her slot: theatre at once.
    decision = DAY + 13 * 60
    data = quiet(horizon_days=4)
    data["clinical"]["stabilisation"]["planned"] = fixed(60)
    data["policies"]["pathway"]["planned"] = "transfer"
    route(data, "CLH", 200)
    script(data, (decision - CONSULT_ANSWER - CONSULTATION, "CLH", "planned"))
    log = run(data)
    (case,) = log.cases()
    slot = 2 * DAY + 8 * 60
    assert [r[5] for r in log.rows_of(case, "surgery_scheduled")] == approx([slot])
    assert log.times(case, "crew_stood_down") == []
    requested = slot - 120 - (PACKAGING + 200 + HANDOVER)  # Wednesday 01:50
    assert log.times(case, "crew_requested") == approx([requested])
    handed = requested + CREW_MOBILISATION + 200 + PACKAGING + 200 + HANDOVER  # Wednesday 09:40
    assert log.at(case, "handover_done") == approx(handed)
    assert log.at(case, "theatre_entry") == approx(handed)
    assert in_planned_window(handed)


def test_a_booked_transfer_is_not_left_overnight_at_the_obstetric_hospital():
    # Monday 05:00 referral at CLH, decision 05:25; stabilisation 600, journey 15: the earliest
    # handover is 05:25 + 600 + 30 + 15 + 20 = 16:30, after the window, so she is booked into Tuesday
    # 08:00 and stays in the host's ICU overnight.  The crew is asked for at 08:00 - 120 - 65 = 04:55,
    # reaches CLH at 05:30; she is packaged by 06:00 and handed over at 06:35, and goes to theatre at
    # her 08:00 slot: 85 min at the obstetric hospital, not a night.
    data = quiet(horizon_days=3)
    data["policies"]["pathway"]["planned"] = "transfer"
    script(data, (5 * 60, "CLH", "planned"))
    log = run(data)
    (case,) = log.cases()
    journey = PACKAGING + TRAVEL["CLH"] + HANDOVER
    assert 5 * 60 + 25 + STABILISATION + journey == 16 * 60 + 30
    slot = DAY + 8 * 60
    assert [r[5] for r in log.rows_of(case, "surgery_scheduled")] == approx([slot])
    requested = slot - 120 - journey
    assert log.times(case, "crew_requested") == approx([requested])
    handed = requested + CREW_MOBILISATION + TRAVEL["CLH"] + journey
    assert log.at(case, "handover_done") == approx(handed)
    assert log.at(case, "theatre_entry") == approx(slot)
    assert slot - handed == 85


def test_stabilisation_is_capped_and_so_is_the_slot():
    # Tuesday 03:00, stabilisation 5000 capped at 2880: ready Thursday 03:00, which is also her latest
    # slot (delivered within 48 h, A11): booked then, outside the window, not at 08:00.  Team requested
    # at 01:00 (lead 120), ready 02:10; theatre at 03:00.
    decision = DAY + 3 * 60
    log, case = planned_case(decision, 5000, horizon_days=5, cap=2880)
    slot = decision + 2880
    assert [r[5] for r in log.rows_of(case, "surgery_scheduled")] == approx([slot])
    assert log.at(case, "stabilisation_end") == approx(slot)
    assert log.at(case, "team_requested") == approx(slot - 120)
    assert log.at(case, "theatre_entry") == approx(slot)
    assert not in_planned_window(slot)


# 6. Transfer ------------------------------------------------------------------------------------------------------


def transfer_case(travel: float, rate_per_hour: float = 0.0, factor: float = 1.0) -> tuple[Log, int]:
    data = quiet()
    data["policies"]["pathway"]["cat2"] = "transfer"
    route(data, "CLH", travel)
    if rate_per_hour:
        data["clinical"]["deterioration_rate_per_hour"] = {"cat2": rate_per_hour}
    data["clinical"]["transit_deterioration_factor"] = factor
    script(data, (T0, "CLH", "cat2"))
    log = run(data)
    (case,) = log.cases()
    return log, case


def test_transfer_timeline():
    log, case = transfer_case(TRAVEL["CLH"])
    crew_on_site = DECISION + CREW_MOBILISATION + TRAVEL["CLH"]  # 625 + 20 + 15 = 660
    ready = DECISION + MIN_RESUS["cat2"]  # 655: the crew comes after she is ready
    departed = max(crew_on_site, ready) + PACKAGING  # 690
    arrived = departed + TRAVEL["CLH"]  # 705
    handover = arrived + HANDOVER  # 725
    assert log.at(case, "decision") == approx(DECISION)
    assert log.at(case, "crew_requested") == approx(DECISION)
    assert log.at(case, "crew_on_site") == approx(crew_on_site)
    assert log.at(case, "mother_departed") == approx(departed)
    assert log.at(case, "mother_arrived") == approx(arrived)
    assert log.at(case, "handover_done") == approx(handover)
    assert log.at(case, "theatre_entry") == approx(handover)
    assert log.rows_of(case, "theatre_entry")[0][3] == "NHOG"
    assert log.at(case, "delivery") == approx(handover + ANAESTHESIA["cat2"] + INCISION)
    assert not log.times(case, "deteriorated")


def test_transfer_deterioration_happens_in_transit_at_the_raised_hazard():
    # Travel 60: crew on site 625 + 20 + 60 = 705 (after she is ready, 655); she leaves at 735 and
    # arrives at 795.  The hazard at the host accumulates half her draw -ln(1-u) by 735; at 50 times
    # that in the ambulance she reaches it 135/50 = 2.7 min into the journey.
    factor = 50
    rate = exp_draw(0) / 2 / ((DECISION + CREW_MOBILISATION + 60 + PACKAGING - T0) / 60)  # half her draw by 735
    log, case = transfer_case(60, rate, factor)
    departed = DECISION + CREW_MOBILISATION + 60 + PACKAGING  # 735
    arrived = departed + 60  # 795
    handover = arrived + HANDOVER  # 815
    e = exp_draw(0)
    before = rate / 60 * (departed - T0)
    t_det = departed + (e - before) / (rate * factor / 60)
    assert before < e < before + rate * factor / 60 * (arrived - departed)  # in transit by construction
    assert log.at(case, "mother_departed") == approx(departed)
    assert log.at(case, "mother_arrived") == approx(arrived)
    (row,) = log.rows_of(case, "deteriorated")
    assert (row[1], row[5], row[6]) == (approx(t_det), 1.0, "cat1")
    assert log.at(case, "handover_done") == approx(handover)
    assert log.at(case, "theatre_entry") == approx(handover)
    assert log.at(case, "incision") == approx(handover + ANAESTHESIA["cat1"])


@pytest.mark.parametrize(("at", "where", "in_transit"), [(700, "CLH", 0.0), (765, "CLH", 1.0), (805, "NHOG", 0.0)])
def test_a_transferred_mother_deteriorates_where_she_is(at, where, in_transit):
    # Travel 60, no transit factor: she leaves CLH at 735, arrives at NHOG at 795, handover until 815.
    # A constant hazard that reaches her draw at ``at``: before she leaves (700, at the host), on the
    # road (765, named by the host she left, as mother_departed) or after arrival (805, at NHOG).
    log, case = transfer_case(60, rate_for(at - T0))
    assert log.at(case, "mother_departed") == approx(DECISION + CREW_MOBILISATION + 60 + PACKAGING)  # 735
    assert log.at(case, "mother_arrived") == approx(DECISION + CREW_MOBILISATION + 60 + PACKAGING + 60)  # 795
    (row,) = log.rows_of(case, "deteriorated")
    assert (row[1], row[3], row[5], row[6]) == (approx(at), where, in_transit, "cat1")
    # her new urgency and decision are recorded where she is too
    assert [(r[3], r[6]) for r in log.rows_of(case, "urgency") if r[1] == approx(at)] == [(where, "cat1")]
    assert [(r[3], r[6]) for r in log.rows_of(case, "decision") if r[1] == approx(at)] == [(where, "transfer")]


# 7. NICU full: wait, then surge or divert -------------------------------------------------------------------------


@pytest.mark.parametrize("rule", ["surge", "divert"])
def test_nicu_full_waits_then_surges_or_diverts_holding_incubator_and_staff(rule):
    # One cot at NHOG, taken at 754 by the first baby (stay 10080).  Second case at 1200:
    # delivery 1200 + 25 + 70 + 10 + 4 = 1309; stabilised 1339; NICU arrival 1339 + 15 = 1354;
    # waits 120 -> 1474; surge: admitted there; divert: HHH (travel 10) at 1484.
    data = quiet()
    data["hospitals"]["NHOG"]["nicu_cots"] = 1
    data["policies"]["nicu_full"] = rule
    data["policies"]["nicu_wait_limit_min"] = 120
    if rule == "divert":
        data["hospitals"]["HHH"]["nicu"] = True
        data["policies"]["divert_to"] = "HHH"
    script(data, (T0, "CLH", "cat1"), (1200, "CLH", "cat1"))
    log = run(data)
    first, second = log.cases()
    assert log.at(first, "nicu_admission") == approx(TEAM_READY + ANAESTHESIA["cat1"] + INCISION
                                                     + NEONATAL_STABILISATION + TRAVEL["CLH"])  # 754
    arrival = 1200 + 25 + 70 + ANAESTHESIA["cat1"] + INCISION + NEONATAL_STABILISATION + TRAVEL["CLH"]  # 1354
    limit = arrival + 120
    assert log.times(second, "nicu_arrival")[0] == approx(arrival)
    (admission,) = log.rows_of(second, "nicu_admission")
    if rule == "surge":
        admitted = limit
        assert (admission[1], admission[3], admission[6]) == (approx(admitted), "NHOG", "surge")
        assert not log.times(second, "newborn_diverted")
    else:
        admitted = limit + TRAVEL["HHH"]
        (diverted,) = log.rows_of(second, "newborn_diverted")
        assert (diverted[1], diverted[6]) == (approx(limit), "HHH")
        assert log.times(second, "nicu_arrival") == approx([arrival, admitted])
        assert (admission[1], admission[3], admission[6]) == (approx(admitted), "HHH", "diverted")
    # The neonatal part of the team and the incubator stay with the baby until admission; after a
    # divert they drive back from HHH to NHOG (10) before they are free: 1484 + 10 = 1494.
    back = admitted if rule == "surge" else admitted + TRAVEL["HHH"]
    if rule == "divert":
        assert log.at(second, "neonatal_crew_returned") == approx(back)
    returned = log.at(second, "team_returned")  # 1364: the rest of the team, one neonatologist of two
    assert [r[1] for r in log.rows_of(second, "release", "neonatal_nurse")] == approx([back])
    assert sorted(r[1] for r in log.rows_of(second, "release", "neonatologist")) == approx([returned, back])
    assert [r[1] for r in log.rows_of(second, "release", "transport_incubator")] == approx([back + RESTOCK])


def test_a_newborn_diverted_to_a_full_unit_waits_there_up_to_the_limit_then_is_admitted_in_surge():
    # One cot at NHOG (first case, 754 until 754 + 10080) and one at HHH, the divert unit.  The second
    # case (1200) waits at NHOG from 1354 to 1474, is diverted and takes HHH's cot at 1474 + 10 = 1484.
    # The third case at 1300: delivery 1300 + 25 + 70 + 10 + 4 = 1409; stabilised 1439; NHOG 1454,
    # full: waits 120 -> diverted at 1574; HHH at 1584, full too: waits 120 -> admitted over HHH's
    # count at 1704 (not when the second baby leaves HHH's cot, 1484 + 10080 = 11564).
    data = quiet(horizon_days=10)
    data["hospitals"]["NHOG"]["nicu_cots"] = 1
    data["hospitals"]["HHH"].update(nicu=True, nicu_cots=1)
    data["policies"].update(nicu_full="divert", divert_to="HHH", nicu_wait_limit_min=120)
    script(data, (T0, "CLH", "cat1"), (1200, "CLH", "cat1"), (1300, "CLH", "cat1"))
    log = run(data)
    _, second, third = log.cases()
    assert [(r[1], r[3], r[6]) for r in log.rows_of(second, "nicu_admission")] == [(approx(1484), "HHH", "diverted")]
    arrival = 1300 + 25 + 70 + ANAESTHESIA["cat1"] + INCISION + NEONATAL_STABILISATION + TRAVEL["CLH"]  # 1454
    diverted = arrival + 120  # 1574
    at_divert_unit = diverted + TRAVEL["HHH"]  # 1584
    admitted = at_divert_unit + 120  # 1704
    assert [(r[1], r[6]) for r in log.rows_of(third, "newborn_diverted")] == [(approx(diverted), "HHH")]
    assert [(r[1], r[3]) for r in log.rows_of(third, "nicu_arrival")] == [(approx(arrival), "NHOG"),
                                                                         (approx(at_divert_unit), "HHH")]
    assert [(r[1], r[3]) for r in log.rows_of(third, "withdraw", "nicu_cot")] == [(approx(diverted), "NHOG"),
                                                                                 (approx(admitted), "HHH")]
    assert [(r[1], r[3], r[6]) for r in log.rows_of(third, "nicu_admission")] == [(approx(admitted), "HHH", "surge")]
    assert not log.rows_of(third, "acquire", "nicu_cot")
    # No cot is held: the stay (10080) ends with a discharge that frees none, 1704 + 10080 = 11784.
    assert [(r[1], r[3], r[4]) for r in log.rows_of(third, "nicu_discharge")] == [(approx(admitted + 10080), "HHH", "")]
    # The neonatal staff and incubator stay with the baby until then, drive back to NHOG (10) and are freed
    # at 1714; the incubator is restocked by 1714 + 90 = 1804.
    back = admitted + TRAVEL["HHH"]
    assert log.at(third, "neonatal_crew_returned") == approx(back)
    assert [r[1] for r in log.rows_of(third, "release", "neonatal_nurse")] == approx([back])
    assert [r[1] for r in log.rows_of(third, "release", "transport_incubator")] == approx([back + RESTOCK])
    # The cases table flags the third newborn both diverted and admitted in surge; the second only diverted.
    cases = tables.cases_table(tables.events_frame(log.rows, 0), {}).set_index("case_id")
    assert [(cases.at[c, "nicu_diverted"], cases.at[c, "nicu_surge"]) for c in (second, third)] == [
        (True, False), (True, True)]


# 8. Consultation by telephone -------------------------------------------------------------------------------------


def test_consultation_holds_nobody_even_when_every_obstetric_surgeon_is_busy():
    # Two surgeons in all; the first case's team takes both from 625 to its return
    # (surgery end 749 + travel 15 = 764).  The second case is referred at 650.
    data = quiet()
    data["hospitals"]["NHOG"]["staff"]["obstetric_surgeon"].update(day=2, night=2, weekend=2)
    script(data, (T0, "CLH", "cat1"), (650, "CLH", "cat1"))
    log = run(data)
    first, second = log.cases()
    busy_from = log.rows_of(first, "acquire", "obstetric_surgeon")[0]
    busy_to = log.rows_of(first, "release", "obstetric_surgeon")[0]
    assert (busy_from[1], busy_from[5]) == (approx(DECISION), 2)
    assert busy_to[1] == approx(TEAM_READY + ANAESTHESIA["cat1"] + INCISION + CLOSURE + TRAVEL["CLH"])  # 764
    consult_start = 650 + CONSULT_ANSWER  # 655: inside the busy spell
    decision = consult_start + CONSULTATION  # 675
    assert log.at(second, "consult_start") == approx(consult_start)
    assert log.at(second, "decision") == approx(decision)
    assert busy_from[1] < consult_start < decision < busy_to[1]
    early = [r for r in log.by_case[second] if r[2] in ("request", "acquire") and r[1] < decision]
    assert early == []
    assert log.at(second, "team_assembled") == approx(busy_to[1])  # the surgeons really were all busy


# 9. Call-in in parallel with mobilisation -------------------------------------------------------------------------


@pytest.mark.parametrize("call_in", [45, 20])
def test_called_in_staff_travel_while_the_on_duty_team_mobilises(call_in):
    # The technician is only on call (delay fixed); the rest mobilise (30) meanwhile:
    # departure = request + max(call-in, mobilisation) = 670 (45) or 655 (20).
    data = quiet()
    data["hospitals"]["NHOG"]["staff"]["technician"].update(day=0, night=0, weekend=0, on_call=1,
                                                           call_in=fixed(call_in))
    script(data, (T0, "CLH", "cat1"))
    log = run(data)
    (case,) = log.cases()
    assert log.at(case, "team_requested") == approx(DECISION)
    assert [r[1] for r in log.rows_of(case, "call_in_arrival", "technician")] == approx([DECISION + call_in])
    assert log.at(case, "team_departed") == approx(DECISION + max(call_in, MOBILISATION))


# 10. Directional checks under common random numbers ---------------------------------------------------------------

DIRECTIONAL_SEED = 5
DIRECTIONAL_REPLICATIONS = range(4)


def busy_baseline() -> dict:
    """The baseline over 30 days with urgent outreach referrals at 0.5 a day (home emergencies on)."""
    data = baseline_data()
    data["run"]["horizon_days"] = 30
    data["demand"]["outreach"]["rate_per_day"] = 0.5
    data["demand"]["outreach"]["urgency_mix"] = {"cat1": 0.4, "cat2": 0.6, "planned": 0.0}
    return data


def ddi_by_case(data: dict, replication: int) -> tuple[dict[tuple[str, float], float], list[tuple]]:
    """Delivery minus the consultation's (first) decision, per case keyed by (kind, referral time), which
    common random numbers keep the same across scenarios.  The first decision, because the latest one
    (the moment of a deterioration) moves with the delay itself: waiting longer can turn a case into a
    deteriorated one whose "latest decision to delivery" is short."""
    rows = simulate(build(data), DIRECTIONAL_SEED, replication).rows
    key: dict[int, tuple[str, float]] = {}
    first: dict[int, float] = {}
    out: dict[tuple[str, float], float] = {}
    for r in rows:
        if r[2] == "case_created":
            key[r[0]] = (r[6], r[1])
        elif r[2] == "decision":
            first.setdefault(r[0], r[1])
        elif r[2] == "delivery":
            out[key[r[0]]] = r[1] - first[r[0]]
    return out, rows


def test_longer_minimum_resuscitation_never_shortens_any_decision_to_delivery():
    base = busy_baseline()
    longer = copy.deepcopy(base)
    for urgency in ("cat1", "cat2"):
        longer["clinical"]["minimum_resuscitation"][urgency]["shift"] = 60  # same uniform, 60 min more
    lengthened = 0
    for rep in DIRECTIONAL_REPLICATIONS:
        a, _ = ddi_by_case(base, rep)
        b, _ = ddi_by_case(longer, rep)
        assert a.keys() == b.keys()
        shorter = {k: (a[k], b[k]) for k in a if b[k] < a[k] - 1e-9}
        assert shorter == {}, f"replication {rep}: shorter with a longer resuscitation"
        lengthened += sum(b[k] > a[k] + 1e-9 for k in a if k[0] == "outreach")
    assert lengthened > 0  # the change reaches the outreach cases


def test_more_host_icu_beds_never_lengthen_decision_to_delivery():
    base = busy_baseline()
    for host in ("CLH", "HHH", "NHTD"):
        base["hospitals"][host]["icu_beds"] = 1
    more = copy.deepcopy(base)
    for host in ("CLH", "HHH", "NHTD"):
        more["hospitals"][host]["icu_beds"] = 10
    bed_waits = 0
    for rep in DIRECTIONAL_REPLICATIONS:
        a, rows = ddi_by_case(base, rep)
        b, _ = ddi_by_case(more, rep)
        bed_waits += sum(r[2] == "icu_bed_wait" for r in rows)
        assert a.keys() == b.keys()
        longer = {k: (a[k], b[k]) for k in a if b[k] > a[k] + 1e-9}
        assert longer == {}, f"replication {rep}: longer with more ICU beds"
        assert sum(b.values()) / len(b) <= sum(a.values()) / len(a) + 1e-9
    assert bed_waits > 0  # one bed per host really is short


# The one-host-bed scenario of the issue ---------------------------------------------------------------------------


@pytest.mark.parametrize("replication", range(5))
def test_one_host_icu_bed_never_keeps_a_team_waiting_on_site(replication):
    """Baseline, one ICU bed at CLH, scripted cat1 at 600 and cat2 at 900 there: the second mother's
    bed is still taken by the first, which must not hold her (or the team) out of theatre."""
    data = baseline_data()
    data["hospitals"]["CLH"]["icu_beds"] = 1
    data["demand"]["outreach"]["rate_per_day"] = 0
    data["run"]["horizon_days"] = 10
    data["demand"]["outreach"]["scripted"] = [
        {"time_min": 600, "host": "CLH", "urgency": "cat1", "gestation_weeks": 34},
        {"time_min": 900, "host": "CLH", "urgency": "cat2", "gestation_weeks": 34},
    ]
    log = Log(simulate(build(data), data["run"]["seed"], replication).rows)
    cases = log.cases()
    assert len(cases) == 2
    for case in cases:
        wait = log.at(case, "theatre_entry") - log.at(case, "team_ready")
        assert 0 <= wait <= 180, f"case {case}: the team waited {wait:.0f} min on site"
        assert not math.isnan(log.at(case, "delivery"))
