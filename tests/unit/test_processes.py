"""Single clinical steps on a bare environment: no demand, no roster clock, fixed durations."""

from __future__ import annotations

import math

import pytest

from sim.model.context import SimContext
from sim.model.entities import CASE_DRAWS, Case
from sim.model.processes.consult import consult
from sim.model.processes.deterioration import watch_for_deterioration
from sim.model.processes.dispatch import dispatch_team
from sim.model.processes.home import care_for_newborn
from sim.model.processes.operate import operate
from sim.model.processes.stabilise import prepare_mother
from sim.model.run import build_context
from sim.scenario import Scenario
from tests.builders import baseline_data, build, fix_durations, fixed, unlimited
from tests.scripted import NEONATAL_STABILISATION, NICU_STAY, TRAVEL, quiet


@pytest.fixture(scope="module")
def fixed_scenario() -> Scenario:
    """The baseline with every duration fixed at its mean and ample capacity."""
    data = unlimited(fix_durations(baseline_data()), n=50)
    data["clinical"]["deterioration_rate_per_hour"] = {}
    return build(data)


def bare(scenario: Scenario) -> SimContext:
    ctx = build_context(scenario, seed=1, replication=0)
    ctx.broker.set_shift("day")
    return ctx


def new_case(ctx: SimContext, urgency: str = "cat1", host: str = "CLH", u: float = 0.5) -> Case:
    case = Case(ctx.new_case_id(), "outreach", host, urgency, 35.0, (u,) * len(CASE_DRAWS), "test", 0, "high")
    case.deteriorated, case.stabilised, case.in_theatre = ctx.env.event(), ctx.env.event(), ctx.env.event()
    return case


def times(ctx: SimContext, case: Case) -> dict[str, float]:
    return {row[2]: row[1] for row in ctx.log.rows if row[0] == case.id}


@pytest.mark.parametrize("urgency", ["cat1", "cat2", "planned"])
def test_operate_takes_anaesthesia_plus_incision_to_deliver(fixed_scenario, urgency):
    ctx = bare(fixed_scenario)
    case = new_case(ctx, urgency)
    delivered = []
    ctx.env.process(operate(ctx, case, "CLH", {}, delivered.append))
    ctx.env.run()
    t, clinical = times(ctx, case), fixed_scenario.clinical
    anaesthesia = clinical.anaesthesia[urgency].mean()
    assert t["theatre_entry"] == 0
    assert t["incision"] - t["theatre_entry"] == pytest.approx(anaesthesia)
    assert t["delivery"] - t["theatre_entry"] == pytest.approx(anaesthesia + clinical.incision_to_delivery.mean())
    assert t["surgery_end"] - t["delivery"] == pytest.approx(clinical.closure.mean())
    assert len(delivered) == 1
    assert delivered[0] > 0
    assert ctx.pool("CLH", "operating_room").busy == 0


def test_operate_waits_for_the_patient_and_for_a_room(fixed_scenario):
    data = unlimited(fix_durations(baseline_data()), n=50)
    data["hospitals"]["CLH"]["operating_rooms"] = 1
    ctx = bare(build(data))
    first, second = new_case(ctx), new_case(ctx)
    ctx.env.process(operate(ctx, first, "CLH", {}, lambda _w: None, patient_ready=ctx.env.timeout(40)))
    ctx.env.process(operate(ctx, second, "CLH", {}, lambda _w: None))
    ctx.env.run()
    assert times(ctx, first)["theatre_entry"] == 40
    assert times(ctx, second)["theatre_entry"] == pytest.approx(times(ctx, first)["surgery_end"])


def test_consult_is_a_call_answered_after_a_delay_that_holds_nobody(fixed_scenario):
    ctx = bare(fixed_scenario)
    ctx.pool("NHOG", "obstetric_surgeon").busy = ctx.pool("NHOG", "obstetric_surgeon").capacity  # all busy
    case = new_case(ctx, "cat2")
    proc = ctx.env.process(consult(ctx, case))
    ctx.env.run()
    t = times(ctx, case)
    answer = fixed_scenario.clinical.consult_answer.mean()
    assert t["consult_start"] == pytest.approx(answer)
    assert t["decision"] == pytest.approx(answer + fixed_scenario.clinical.consultation.mean())
    assert not [row for row in ctx.log.rows if row[2] == "request"]
    assert proc.value == fixed_scenario.policies.pathway["cat2"]


@pytest.mark.parametrize(("start_clock_min", "window"), [(0, "off_peak"), (7 * 60 + 35, "peak")])
def test_dispatch_is_mobilisation_plus_travel_of_the_hour_plus_setup(fixed_scenario, start_clock_min, window):
    data = unlimited(fix_durations(baseline_data()), n=50)
    data["travel"]["routes"][0].update(off_peak=fixed(14), peak=fixed(33))  # NHOG-CLH
    data["team"]["mobilisation"] = fixed(6)
    sc = build(data)
    ctx = bare(sc)
    case = new_case(ctx)

    def later():
        yield ctx.env.timeout(start_clock_min)
        grant = yield from dispatch_team(ctx, case)
        return grant

    proc = ctx.env.process(later())
    ctx.env.run()
    t = times(ctx, case)
    travel = {"off_peak": 14, "peak": 33}[window]
    assert t["team_requested"] == t["team_assembled"] == start_clock_min
    assert t["team_departed"] - t["team_assembled"] == 6
    assert t["team_on_site"] - t["team_departed"] == travel
    assert t["team_ready"] - t["team_on_site"] == pytest.approx(sc.team.setup_on_site.mean())
    held = {pool.name: n for pool, n in proc.value.held.items()}
    assert held == {**sc.team.composition, **sc.team.equipment, "ambulance": sc.team.ambulances}


def test_deterioration_comes_when_the_hazard_reaches_her_exponential_draw(fixed_scenario):
    data = unlimited(baseline_data(), n=50)
    data["clinical"]["deterioration_rate_per_hour"] = {"planned": 0.5}
    data["clinical"]["deterioration_severity_factor"] = {}
    ctx = bare(build(data))
    case = new_case(ctx, "planned", u=0.25)
    ctx.env.process(watch_for_deterioration(ctx, case))
    ctx.env.run(until=1000)
    # -ln(1 - 0.25) / (0.5 per hour) = 0.5754 h = 34.52 min
    assert times(ctx, case)["deteriorated"] == pytest.approx(-math.log(0.75) / 0.5 * 60)
    assert case.urgency == "cat1"


def test_no_deterioration_without_a_hazard_or_once_in_theatre(fixed_scenario):
    data = unlimited(baseline_data(), n=50)
    data["clinical"]["deterioration_rate_per_hour"] = {"planned": 0.5}
    ctx = bare(build(data))
    calm, delivered = new_case(ctx, "cat1", u=0.25), new_case(ctx, "planned", u=0.25)
    delivered.in_theatre.succeed()
    for case in (calm, delivered):
        ctx.env.process(watch_for_deterioration(ctx, case))
    ctx.env.run(until=10_000)
    assert "deteriorated" not in times(ctx, calm)
    assert "deteriorated" not in times(ctx, delivered)


def test_an_urgent_mother_is_ready_after_the_minimum_resuscitation(fixed_scenario):
    ctx = bare(fixed_scenario)
    case = new_case(ctx, "cat2")
    ctx.env.process(prepare_mother(ctx, case, "CLH"))
    ctx.env.run()
    t = times(ctx, case)
    assert t["stabilisation_start"] == 0
    assert t["stabilisation_end"] == pytest.approx(fixed_scenario.clinical.minimum_resuscitation["cat2"].mean())
    assert ctx.pool("CLH", "icu_bed").busy == 0  # resuscitation holds no bed of its own


def test_a_deterioration_ends_a_booked_mothers_stabilisation_at_once(fixed_scenario):
    data = unlimited(fix_durations(baseline_data()), n=50)
    data["clinical"]["stabilisation"]["planned"] = fixed(600)
    ctx = bare(build(data))
    case = new_case(ctx, "planned")
    case.scheduled_min = 2000.0

    def worsen():
        yield ctx.env.timeout(150)
        case.urgency = "cat1"
        case.deteriorated.succeed()

    ctx.env.process(prepare_mother(ctx, case, "CLH"))
    ctx.env.process(worsen())
    ctx.env.run()
    # the cat1 minimum resuscitation (fixed at its mean, 11.67 min) has long passed at t = 150
    assert times(ctx, case)["stabilisation_end"] == pytest.approx(150)


def test_a_home_newborn_diverted_to_a_full_unit_is_admitted_there_in_surge_after_the_limit():
    # Every cot at NHOG and at HHH (the divert unit) is taken.  Born at 0 at NHOG: stabilised at 30;
    # waits 120 -> diverted at 150; HHH at 150 + 10 = 160; waits 120 there -> admitted over HHH's
    # count at 280; the stay (10080) ends at 10360, freeing no cot.
    data = quiet()
    data["hospitals"]["HHH"].update(nicu=True, nicu_cots=1)
    data["policies"].update(nicu_full="divert", divert_to="HHH", nicu_wait_limit_min=120)
    ctx = bare(build(data))
    for unit in ("NHOG", "HHH"):
        ctx.pool(unit, "nicu_cot").busy = ctx.pool(unit, "nicu_cot").capacity
    case = Case(ctx.new_case_id(), "home", "NHOG", "cat1", 34.0, (0.5,) * len(CASE_DRAWS), "test", 0)
    ctx.env.process(care_for_newborn(ctx, case, "NHOG"))
    ctx.env.run()
    rows = [(row[1], row[2], row[3], row[6]) for row in ctx.log.rows if row[0] == case.id and row[2] != "request"]
    admitted = NEONATAL_STABILISATION + 120 + TRAVEL["HHH"] + 120
    assert rows == [(pytest.approx(30), "neonatal_stabilised", "NHOG", ""),
                    (pytest.approx(150), "withdraw", "NHOG", ""),
                    (pytest.approx(150), "newborn_diverted", "NHOG", "HHH"),
                    (pytest.approx(160), "nicu_arrival", "HHH", ""),
                    (pytest.approx(admitted), "withdraw", "HHH", ""),
                    (pytest.approx(admitted), "nicu_admission", "HHH", "surge"),
                    (pytest.approx(admitted + NICU_STAY), "nicu_discharge", "HHH", "")]
