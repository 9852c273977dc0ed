"""The outreach team: dispatch to the host hospital and return home."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.resources import Grant, Pool

if TYPE_CHECKING:
    import simpy


def team_request(ctx: SimContext) -> dict[Pool, int]:
    """Every role of the team, its equipment and its ambulance(s), at the home hospital."""
    team = ctx.scenario.team
    return ctx.need(team.home, {**team.composition, **team.equipment, "ambulance": team.ambulances})


def wait_for_dispatch_time(ctx: SimContext, case: Case) -> Generator:
    """Hold a planned case's dispatch until shortly before its surgery time and
    until the mother is stable, so that nobody waits at the host for days;
    a deterioration ends the wait at once.  Urgent cases go at once."""
    if case.scheduled_min is None or case.deteriorated is None:
        return
    start = case.scheduled_min - ctx.scenario.policies.planned_dispatch_lead_min
    if start > ctx.env.now and not case.deteriorated.triggered:
        yield ctx.env.timeout(start - ctx.env.now) | case.deteriorated
    if case.stabilised is not None and not case.deteriorated.triggered:
        yield case.stabilised | case.deteriorated


def dispatch_team(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, Grant]:
    """Assemble the whole team and send it to the host.

    Steps: (planned cases) wait for the dispatch time and a stable mother; request every role,
    item and vehicle at once (all or nothing, on-call staff called in for
    shortages); mobilise; travel (time-of-day dependent); set up on site.
    Records ``team_requested``, ``team_assembled``, ``team_departed``,
    ``team_on_site``, ``team_ready``.  Returns the team's grant, still held.
    """
    env, team, log = ctx.env, ctx.scenario.team, ctx.log
    yield from wait_for_dispatch_time(ctx, case)
    log.record(case.id, env.now, "team_requested", team.home)
    grant = ctx.broker.request(team_request(ctx), ctx.priority(case.urgency), case.id)
    yield grant.event
    log.record(case.id, env.now, "team_assembled", team.home)
    yield env.timeout(team.mobilisation.ppf(case.draw("mobilisation")))
    log.record(case.id, env.now, "team_departed", team.home)
    yield env.timeout(ctx.travel_min(team.home, case.hospital))
    log.record(case.id, env.now, "team_on_site", case.hospital)
    yield env.timeout(team.setup_on_site.ppf(case.draw("setup")))
    log.record(case.id, env.now, "team_ready", case.hospital)
    return grant


def restock(ctx: SimContext, case: Case, grant: Grant, items: dict[str, int], where: str) -> Generator:
    """Clean and restock ``items`` of the team's equipment, then make them available.
    Records ``equipment_restocked`` per item."""
    home = ctx.scenario.team.home
    yield ctx.env.timeout(ctx.scenario.team.restock.ppf(case.draw("restock")))
    ctx.broker.release(grant, ctx.need(home, items))
    for item in items:
        ctx.log.record(case.id, ctx.env.now, "equipment_restocked", where, item)


def return_team(ctx: SimContext, case: Case, grant: Grant) -> Generator:
    """The team, less its neonatal part, goes home after surgery.

    Steps: travel home; release the remaining staff; clean and restock the
    kit (not the incubator, which travels with the newborn).
    Records ``team_returned`` and ``equipment_restocked``.
    """
    team = ctx.scenario.team
    yield ctx.env.timeout(ctx.travel_min(case.hospital, team.home))
    ctx.log.record(case.id, ctx.env.now, "team_returned", team.home)
    staff = {role: n - team.neonatal_roles.get(role, 0) for role, n in team.composition.items()}
    ctx.broker.release(grant, ctx.need(team.home, staff))
    kit = {item: n for item, n in team.equipment.items() if item != team.incubator}
    if kit:
        yield from restock(ctx, case, grant, kit, team.home)
