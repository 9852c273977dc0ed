"""The newborn: stabilisation, incubator transport and NICU admission."""

from __future__ import annotations

from collections.abc import Generator

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.processes.dispatch import restock
from sim.model.resources import Grant


def choose_nicu(ctx: SimContext) -> tuple[str, bool]:
    """``(destination, diverted)``: the team's home NICU, or the divert hospital when
    the policy is 'divert' and the home NICU has no free cot now."""
    policies, home = ctx.scenario.policies, ctx.scenario.team.home
    if policies.nicu_full == "divert" and policies.divert_to and ctx.pool(home, "nicu_cot").free <= 0:
        return policies.divert_to, True
    return home, False


def admit_newborn(ctx: SimContext, case: Case, hospital: str, diverted: bool) -> Generator:
    """Wait for a NICU cot at ``hospital`` and start the stay.

    Records ``nicu_admission`` (detail 'diverted' when not the first choice),
    then, in the background, ``nicu_discharge`` when the stay ends.
    """
    cot = ctx.broker.request(ctx.need(hospital, {"nicu_cot": 1}), ctx.priority(case.urgency), case.id)
    yield cot.event
    ctx.log.record(case.id, ctx.env.now, "nicu_admission", hospital, "nicu_cot",
                   detail="diverted" if diverted else "")
    ctx.env.process(stay_in_nicu(ctx, case, hospital, cot))


def stay_in_nicu(ctx: SimContext, case: Case, hospital: str, cot: Grant) -> Generator:
    """Hold the cot for the newborn's stay.  Records ``nicu_discharge``."""
    yield ctx.env.timeout(ctx.scenario.clinical.nicu_stay.ppf(case.draw("nicu_stay")))
    ctx.broker.release(cot)
    ctx.log.record(case.id, ctx.env.now, "nicu_discharge", hospital, "nicu_cot")


def transport_newborn(ctx: SimContext, case: Case, team_grant: Grant) -> Generator:
    """Carry the newborn from the host to a NICU by mobile incubator.

    Steps: neonatal resuscitation and stabilisation in the incubator; choose
    the NICU (wait or divert, by policy); travel with the neonatal part of the
    team; hand the newborn over at the unit (the neonatal staff and the
    ambulance are released, the incubator goes to cleaning and restocking);
    the newborn waits there for a cot.  Records ``neonatal_stabilised``,
    ``newborn_departed``, ``nicu_arrival``, ``nicu_admission``, ``equipment_restocked``.
    """
    env, team = ctx.env, ctx.scenario.team
    yield env.timeout(ctx.scenario.clinical.neonatal_stabilisation.ppf(case.draw("neonatal_stabilisation")))
    ctx.log.record(case.id, env.now, "neonatal_stabilised", case.hospital)
    dest, diverted = choose_nicu(ctx)
    ctx.log.record(case.id, env.now, "newborn_departed", case.hospital, detail=dest)
    yield env.timeout(ctx.travel_min(case.hospital, dest))
    ctx.log.record(case.id, env.now, "nicu_arrival", dest)
    ctx.broker.release(team_grant, ctx.need(team.home, {**team.neonatal_roles, "ambulance": team.ambulances}))
    if team.incubator:
        env.process(restock(ctx, case, team_grant, {team.incubator: team.equipment[team.incubator]}, team.home))
    yield from admit_newborn(ctx, case, dest, diverted)
