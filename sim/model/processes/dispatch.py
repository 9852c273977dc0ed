"""The outreach team: dispatch to the host hospital and return home."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model import clock
from sim.model.context import SimContext, planned_windows
from sim.model.entities import Case
from sim.model.network import choose_team
from sim.model.resources import Grant
from sim.scenario.schema import Team

if TYPE_CHECKING:
    import simpy


def wait_for_dispatch_time(ctx: SimContext, case: Case, extra_lead_min: float = 0.0) -> Generator:
    """Hold a booked case's dispatch until ``planned_dispatch_lead_min`` (plus
    ``extra_lead_min``) before her slot (the slot already allows for her
    stabilisation, so nobody waits at the host for days); a deterioration ends
    the wait at once.  Urgent cases go at once."""
    env = ctx.env
    assert case.deteriorated is not None
    if not case.booked:
        return
    assert case.scheduled_min is not None
    start = case.scheduled_min - ctx.scenario.policies.planned_dispatch_lead_min - extra_lead_min
    if start > env.now:
        yield env.timeout(start - env.now) | case.deteriorated


def rebook_if_late(ctx: SimContext, case: Case) -> bool:
    """Whether a booked case's team, assembled only now, would miss its planned window
    (it needs about ``planned_dispatch_lead_min`` to be ready); then her slot moves to
    the next window that it can make.  Records ``surgery_scheduled`` again."""
    if not case.booked:
        return False
    lead = ctx.scenario.policies.planned_dispatch_lead_min
    ready = ctx.env.now + lead
    if clock.earliest_in_windows(ready, planned_windows(ctx)) == ready:
        return False
    case.scheduled_min = clock.earliest_in_windows(ready, planned_windows(ctx))
    ctx.log.record(case.id, ctx.env.now, "surgery_scheduled", case.hospital, value=case.scheduled_min)
    return True


def mobilise(ctx: SimContext, case: Case, grant: Grant) -> Generator:
    """Prepare to leave: the on-duty part of the team mobilises while called-in staff
    travel in; the team leaves when both are done.

    Mobilisation starts once the broker has committed every unit (free now,
    or an on-call person on the way for this request: ``Broker.committed``).
    """
    env, team = ctx.env, ctx.team_of(case)
    yield ctx.broker.committed(grant)
    if ctx.plans[team.name].location(env.now) == case.hospital:
        yield grant.event  # based at the host: nothing to pack, nowhere to go
        return
    ready = env.timeout(team.mobilisation.ppf(case.draw("mobilisation")))
    yield ready & grant.event


def dispatch_team(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, Grant]:
    """Assemble the whole team and send it to the host.

    Steps: (booked cases) wait for the dispatch time; choose the team
    (``policies.team_dispatch``); request every role,
    item and vehicle at once (all or nothing, on-call staff called in for
    shortages); a booked case whose team comes too late for her window is
    re-booked and the team stood down; mobilise (in parallel with call-in);
    travel (time-of-day dependent); set up on site.
    Records ``team_requested``, ``team_assembled``, ``team_departed``,
    ``team_on_site``, ``team_ready``.  Returns the team's grant, still held.
    """
    env, log = ctx.env, ctx.log
    while True:
        yield from wait_for_dispatch_time(ctx, case)
        team = send_team(ctx, case)
        where = ctx.plans[team.name].location(env.now)  # its home, or the host it is based at
        log.record(case.id, env.now, "team_requested", where)
        grant = ctx.broker.request(ctx.team_request(team), ctx.priority(case.urgency), case.id)
        mobilising = env.process(mobilise(ctx, case, grant))
        yield grant.event
        if not rebook_if_late(ctx, case):
            break
        ctx.broker.release(grant)  # stood down until the new slot's dispatch time
        log.record(case.id, env.now, "team_stood_down", where)
    log.record(case.id, env.now, "team_assembled", ctx.plans[team.name].location(env.now))
    yield mobilising
    origin = ctx.plans[team.name].location(env.now)
    log.record(case.id, env.now, "team_departed", origin)
    yield env.timeout(ctx.travel_min(origin, case.hospital, case, "outbound", team.home))
    log.record(case.id, env.now, "team_on_site", case.hospital)
    yield env.timeout(team.setup_on_site.ppf(case.draw("setup")))
    log.record(case.id, env.now, "team_ready", case.hospital)
    return grant


def send_team(ctx: SimContext, case: Case) -> Team:
    """Choose the team for ``case`` (:func:`sim.model.network.choose_team`) and remember it.
    Records ``team_chosen`` (hospital = whose pools the team draws on: its home, or a
    dedicated team's own id; resource = the team's id; value = its expected arrival in
    minutes from now; detail = every team's estimate and the reason)."""
    choice = choose_team(ctx, case)
    case.team = choice.team.name
    expected = next(e.minutes for e in choice.estimates if e.team == case.team)
    ctx.log.record(case.id, ctx.env.now, "team_chosen", choice.team.owner, case.team, value=expected,
                   detail=choice.detail())
    return choice.team


def restock(ctx: SimContext, case: Case, grant: Grant, items: dict[str, int], where: str) -> Generator:
    """Clean and restock ``items`` of the team's equipment, then make them available.
    Records ``equipment_restocked`` per item."""
    team = ctx.team_of(case)
    yield ctx.env.timeout(team.restock.ppf(case.draw("restock")))
    ctx.broker.release(grant, ctx.need(team.owner, items))
    for item in items:
        ctx.log.record(case.id, ctx.env.now, "equipment_restocked", where, item)


def return_team(ctx: SimContext, case: Case, grant: Grant) -> Generator:
    """The team, less its neonatal part, goes back to where it waits after surgery: its
    home, or the host it is based at by then.

    Steps: travel; release the remaining staff; clean and restock the kit
    (not the incubator, which travels with the newborn).
    Records ``team_returned`` and ``equipment_restocked``.
    """
    env, team = ctx.env, ctx.team_of(case)
    base = ctx.plans[team.name].location(env.now)
    yield env.timeout(ctx.travel_min(case.hospital, base, case, "return", team.home))
    ctx.log.record(case.id, env.now, "team_returned", base)
    staff = {role: n - team.neonatal_roles.get(role, 0) for role, n in team.composition.items()}
    ctx.broker.release(grant, ctx.need(team.owner, staff))
    kit = {item: n for item, n in team.equipment.items() if item != team.incubator}
    if kit:
        yield from restock(ctx, case, grant, kit, base)
