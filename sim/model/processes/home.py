"""The obstetric hospital's own emergency caesareans."""

from __future__ import annotations

from collections.abc import Generator

from sim.model import draws
from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.processes.newborn import admit_newborn
from sim.model.processes.operate import operate
from sim.scenario.schema import HomeDemand


def care_for_newborn(ctx: SimContext, case: Case, hospital: str) -> Generator:
    """A newborn delivered at the obstetric hospital: stabilise, then a cot (by the
    NICU-full rule).  Records ``neonatal_stabilised`` and the admission's events."""
    yield ctx.env.timeout(ctx.scenario.clinical.neonatal_stabilisation.ppf(case.draw("neonatal_stabilisation")))
    ctx.log.record(case.id, ctx.env.now, "neonatal_stabilised", hospital)
    yield from admit_newborn(ctx, case, hospital, lambda _unit: None)


def home_emergency(ctx: SimContext, case: Case, demand: HomeDemand | None = None) -> Generator:
    """An emergency caesarean decided at the obstetric hospital itself, of the home stream
    ``demand`` (by default the case's hospital's).

    Steps: the decision is the arrival; preparation (by urgency) runs while
    the surgical team and a room are requested (all or nothing); operate; the
    newborn goes to the NICU with the probability for its gestation.
    Records ``case_created``, ``urgency``, ``decision`` and the steps' events.
    """
    env = ctx.env
    if demand is None:
        demand = next(d for d in ctx.scenario.demand.home_streams if d.hospital == case.hospital)
    ctx.log.record(case.id, env.now, "case_created", case.hospital, value=case.gestation_weeks, detail="home")
    ctx.log.record(case.id, env.now, "urgency", case.hospital, detail=case.urgency)
    ctx.log.record(case.id, env.now, "decision", case.hospital, detail="home")
    prep = env.timeout(demand.decision_to_theatre[case.urgency].ppf(case.draw("decision_to_theatre")))
    branches = []

    def deliver(_weight: float) -> None:
        if case.draw("needs_nicu") < draws.nicu_probability(demand, case.gestation_weeks):
            branches.append(env.process(care_for_newborn(ctx, case, case.hospital)))

    yield from operate(ctx, case, case.hospital, demand.team, deliver, patient_ready=prep)
    yield env.all_of(branches)
    ctx.log.record(case.id, env.now, "case_closed", case.hospital)
