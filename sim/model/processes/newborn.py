"""The newborn: stabilisation, incubator transport and NICU admission."""

from __future__ import annotations

from collections.abc import Callable, Generator
from typing import TYPE_CHECKING

from sim.model import draws
from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.network import choose_nicu
from sim.model.processes.dispatch import incubator_restock_u, restock
from sim.model.resources import Grant

if TYPE_CHECKING:
    import simpy


def wait_for_cot(ctx: SimContext, case: Case, hospital: str) -> Generator[simpy.Event, object, Grant | None]:
    """Ask for a cot at ``hospital`` and wait for it, up to ``policies.nicu_wait_limit_min``
    unless the NICU-full rule is ``wait``.  Returns the cot, or None when the limit passed
    (the request is withdrawn)."""
    env, policies = ctx.env, ctx.scenario.policies
    cot = ctx.broker.request(ctx.need(hospital, {"nicu_cot": 1}), ctx.priority(case.urgency), case.id)
    if cot.event.triggered or policies.nicu_full == "wait":
        yield cot.event
        return cot
    yield cot.event | env.timeout(policies.nicu_wait_limit_min)
    if cot.event.triggered:
        return cot
    ctx.broker.cancel(cot)
    return None


def admit_newborn(ctx: SimContext, case: Case, hospital: str, on_admission: Callable[[str], None]) -> Generator:
    """Admit the newborn to a NICU, by the NICU-full rule.

    Steps: wait for a cot at ``hospital`` (the baby stays in the transport
    incubator, or on the delivery suite, with its staff) up to
    ``policies.nicu_wait_limit_min`` (without limit under ``wait``); after the
    limit, admit over the count (``surge``), or travel on to ``divert_to``
    and wait there for a cot up to the same limit, then admit over that
    unit's count (``divert``); call ``on_admission(unit)`` with the admitting
    hospital (which frees the staff and incubator that waited with the baby);
    start the stay.  Records ``nicu_admission`` (detail ``diverted`` for a cot
    at the divert unit, ``surge`` for an admission over the count at either
    unit, else empty), ``newborn_diverted``, ``nicu_arrival`` at the divert
    unit, and later ``nicu_discharge``.
    """
    env, policies = ctx.env, ctx.scenario.policies
    cot = yield from wait_for_cot(ctx, case, hospital)
    detail = ""
    if cot is None and policies.nicu_full == "divert" and policies.divert_to:
        ctx.log.record(case.id, env.now, "newborn_diverted", hospital, detail=policies.divert_to)
        yield env.timeout(ctx.travel_min(hospital, policies.divert_to, case, "divert"))
        hospital, detail = policies.divert_to, "diverted"
        ctx.log.record(case.id, env.now, "nicu_arrival", hospital)
        cot = yield from wait_for_cot(ctx, case, hospital)
    if cot is None:
        detail = "surge"
    ctx.log.record(case.id, env.now, "nicu_admission", hospital, "nicu_cot", detail=detail)
    on_admission(hospital)
    env.process(stay_in_nicu(ctx, case, hospital, cot))


def stay_in_nicu(ctx: SimContext, case: Case, hospital: str, cot: Grant | None) -> Generator:
    """Hold the cot (none in surge) for the newborn's stay, by gestation.  Records ``nicu_discharge``."""
    yield ctx.env.timeout(draws.nicu_stay_min(ctx.scenario.clinical, case.gestation_weeks, case.draw("nicu_stay")))
    if cot is not None:
        ctx.broker.release(cot)
    ctx.log.record(case.id, ctx.env.now, "nicu_discharge", hospital, "" if cot is None else "nicu_cot")


def transport_newborn(ctx: SimContext, case: Case, team_arrival: simpy.Process) -> Generator:
    """Carry the newborn from the host to the team's NICU by mobile incubator.

    Steps: neonatal resuscitation and stabilisation (by the team, or by the
    host's staff until the team arrives after a host-started caesarean); travel
    with the neonatal part of the team; at the unit the baby waits in the
    incubator, with its staff and the ambulance (which carries it on if it is
    diverted), for a cot (``admit_newborn``); on admission the neonatal staff
    and the ambulance are released (after driving back to where the team
    waits, when that is not the admitting hospital) and the incubator goes to
    cleaning and restocking.  The unit is chosen by ``policies.nicu_choice``.
    Records ``neonatal_stabilised``, ``newborn_departed``, ``nicu_arrival``,
    then the admission's events and ``equipment_restocked``.
    """
    env = ctx.env
    yield env.timeout(ctx.scenario.clinical.neonatal_stabilisation.ppf(case.draw("neonatal_stabilisation")))
    ctx.log.record(case.id, env.now, "neonatal_stabilised", case.hospital)
    yield team_arrival
    team_grant = team_arrival.value
    assert isinstance(team_grant, Grant)
    team = ctx.team_of(case)
    nicu = choose_nicu(ctx, case, team)
    ctx.log.record(case.id, env.now, "newborn_departed", case.hospital, detail=nicu)
    yield env.timeout(ctx.travel_min(case.hospital, nicu, case, "newborn", team.home))
    ctx.log.record(case.id, env.now, "nicu_arrival", nicu)

    def hand_over(unit: str) -> None:
        base = ctx.plans[team.name].location(env.now)
        if unit == base:
            release_neonatal_crew(ctx, case, team_grant, base)
        else:
            env.process(neonatal_crew_returns(ctx, case, team_grant, unit, base))

    yield from admit_newborn(ctx, case, nicu, hand_over)


def release_neonatal_crew(ctx: SimContext, case: Case, team_grant: Grant, where: str) -> None:
    """Free the team's neonatal staff and ambulance at ``where``; the incubator goes to
    cleaning and restocking."""
    team = ctx.team_of(case)
    ctx.broker.release(team_grant, ctx.need(team.owner, {**team.neonatal_roles, "ambulance": team.ambulances}))
    if team.incubator:
        items = {team.incubator: team.equipment[team.incubator]}
        ctx.env.process(restock(ctx, case, team_grant, items, where, incubator_restock_u(ctx, case)))


def neonatal_crew_returns(ctx: SimContext, case: Case, team_grant: Grant, unit: str, base: str) -> Generator:
    """The neonatal staff and ambulance drive back from the admitting ``unit`` to ``base``,
    where the team waits, before they are released.  Records ``neonatal_crew_returned``."""
    team = ctx.team_of(case)
    yield ctx.env.timeout(ctx.travel_min(unit, base, case, "newborn_return", team.home))
    ctx.log.record(case.id, ctx.env.now, "neonatal_crew_returned", base)
    release_neonatal_crew(ctx, case, team_grant, base)
