"""The outreach team: choose it, assemble it, send it to the host and bring it back."""

from __future__ import annotations

import math
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.network import Choice, choose_team, estimate, expected_ready_min
from sim.model.processes.booking import rebook
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
    """Whether a booked case's team, assembled only now, is expected ready at the host
    (mean mobilisation, journey and set-up: :func:`expected_ready_min`) after her slot and
    outside the planned windows, with a window still open before her clinical cap; then her
    slot moves to that window and the team is stood down rather than sent to wait at the
    host (:mod:`sim.model.processes.booking`).  Records ``surgery_scheduled`` again."""
    if not case.booked:
        return False
    ready = ctx.env.now + expected_ready_min(ctx, ctx.team_of(case), case.team_origin, case.hospital)
    return rebook(ctx, case, ready)


def mobilise(ctx: SimContext, case: Case, grant: Grant) -> Generator:
    """Prepare to leave: the on-duty part of the team mobilises while called-in staff
    travel in; the team leaves when both are done.

    Mobilisation starts once the broker has committed every unit (free now,
    or an on-call person on the way for this request: ``Broker.committed``).
    A team based at the host needs none.
    """
    env, team = ctx.env, ctx.team_of(case)
    yield ctx.broker.committed(grant)
    if case.team_origin == case.hospital:
        yield grant.event  # based at the host: nothing to pack, nowhere to go
        return
    ready = env.timeout(team.mobilisation.ppf(case.draw("mobilisation")))
    yield ready & grant.event


def dispatch_team(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, Grant]:
    """Assemble a whole team and send it to the host.

    Steps: (booked cases) wait for the dispatch time; choose the team and
    request every role, item and vehicle at once (all or nothing, on-call
    staff called in for shortages: :func:`assemble_team`); a booked case
    whose team would come too late for her window is re-booked and the team
    stood down; mobilise (in parallel with call-in); travel (time-of-day
    dependent) from where the team waits; set up on site.
    Records ``team_requested``, ``team_assembled``, ``team_departed``,
    ``team_on_site``, ``team_ready``.  Returns the team's grant, still held.
    """
    env, log = ctx.env, ctx.log
    while True:
        yield from wait_for_dispatch_time(ctx, case)
        grant, mobilising = yield from assemble_team(ctx, case)
        if not rebook_if_late(ctx, case):
            break
        ctx.broker.release(grant)  # stood down until the new slot's dispatch time
        log.record(case.id, env.now, "team_stood_down", case.team_origin)
    team = ctx.team_of(case)
    ctx.plans[team.name].dispatched += 1
    log.record(case.id, env.now, "team_assembled", case.team_origin)
    yield mobilising
    log.record(case.id, env.now, "team_departed", case.team_origin)
    yield env.timeout(ctx.travel_min(case.team_origin, case.hospital, case, "outbound", team.home))
    log.record(case.id, env.now, "team_on_site", case.hospital)
    yield env.timeout(team.setup_on_site.ppf(case.draw("setup")))
    log.record(case.id, env.now, "team_ready", case.hospital)
    return grant


def assemble_team(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, tuple[Grant, simpy.Process]]:
    """Choose a team (:func:`sim.model.network.choose_team`), ask for it and wait until it is
    granted; returns its grant and its mobilisation (a process).

    A chosen team whose availability window opens later is asked for when it
    opens (a dedicated team's own pools come on duty then by themselves).
    When no team can go now, every team is asked for at once and the first to
    come free goes (:func:`first_team_free`).  Records ``team_chosen`` and
    ``team_requested`` (hospital = where the team waits).
    """
    env = ctx.env
    choice = choose_team(ctx, case)
    if choice.team is None:
        return (yield from first_team_free(ctx, case, choice))
    team = choice.team
    plan = ctx.plans[team.name]
    record_choice(ctx, case, team, choice)
    opens = plan.next_available(env.now)
    if opens > env.now and not team.dedicated:  # its people are the hospital's: ask when the team exists
        yield env.timeout(opens - env.now)
    case.team_origin = plan.location(env.now)
    ctx.log.record(case.id, env.now, "team_requested", case.team_origin)
    grant = ctx.broker.request(ctx.team_request(team), ctx.priority(case.urgency), case.id)
    mobilising = env.process(mobilise(ctx, case, grant))
    yield grant.event
    return grant, mobilising


def first_team_free(ctx: SimContext, case: Case, choice: Choice
                    ) -> Generator[simpy.Event, Any, tuple[Grant, simpy.Process]]:
    """No team can go now: ask every team that can be asked, each at the case's priority (so
    the broker serves the most urgent case first), and send the first one granted (team
    order on a tie); the other requests are withdrawn.  A non-dedicated team whose window
    opens later is considered again when it opens.  Records ``team_awaited`` (detail =
    every team's estimate), ``team_requested`` (hospital = the host) and, when one is
    granted, ``team_chosen``."""
    env, now = ctx.env, ctx.env.now
    ctx.log.record(case.id, now, "team_awaited", case.hospital, detail=choice.detail())
    ctx.log.record(case.id, now, "team_requested", case.hospital)
    asked = [p for p in choice.waiting if p.team.dedicated or p.available_at(now)]
    grants = {p.team.name: ctx.broker.request(ctx.team_request(p.team), ctx.priority(case.urgency), case.id)
              for p in asked}
    wake = [g.event for g in grants.values()]
    opening = [p.next_available(now) for p in choice.waiting if p not in asked]
    if opening:
        wake.append(env.timeout(min(opening) - now))
    yield env.any_of(wake)
    winner = next((name for name, g in grants.items() if g.event.triggered), None)
    for name, g in grants.items():
        if name != winner:
            ctx.broker.cancel(g)
    if winner is None:  # a team's window opened: choose again
        return (yield from assemble_team(ctx, case))
    plan = ctx.plans[winner]
    case.team_origin = plan.location(env.now)
    record_choice(ctx, case, plan.team, Choice(plan.team, [estimate(ctx, plan, case, ready_now=True)],
                                               "first to come free"))
    grant = grants[winner]
    return grant, env.process(mobilise(ctx, case, grant))


def record_choice(ctx: SimContext, case: Case, team: Team, choice: Choice) -> None:
    """Remember the team sent to ``case``.  Records ``team_chosen`` (hospital = whose pools the
    team draws on: its home, or a dedicated team's own id; resource = the team's id; value =
    its expected arrival in minutes from now; detail = the teams' estimates and the reason)."""
    case.team = team.name
    expected = next((e.minutes for e in choice.estimates if e.team == case.team), math.nan)
    ctx.log.record(case.id, ctx.env.now, "team_chosen", team.owner, case.team, value=expected,
                   detail=choice.detail())


def restock(ctx: SimContext, case: Case, grant: Grant, items: dict[str, int], where: str,
            u: float | None = None) -> Generator:
    """Clean and restock ``items`` of the team's equipment, then make them available.

    The time is ``team.restock`` at the uniform ``u``: by default the case's ``restock``
    draw (the kit); the incubator passes a uniform of its own (:func:`incubator_restock_u`),
    so the two are cleaned in times drawn independently.  Records ``equipment_restocked``
    per item."""
    team = ctx.team_of(case)
    yield ctx.env.timeout(team.restock.ppf(case.draw("restock") if u is None else u))
    ctx.broker.release(grant, ctx.need(team.owner, items))
    for item in items:
        ctx.log.record(case.id, ctx.env.now, "equipment_restocked", where, item)


def incubator_restock_u(ctx: SimContext, case: Case) -> float:
    """The uniform of the transport incubator's cleaning and restocking: keyed by the case
    (``("restock", source, ordinal, "incubator")``, :meth:`Streams.keyed`), so it draws nothing
    from the case's stream and leaves every other number of every case as it was."""
    return ctx.streams.keyed("restock", *case.key("incubator"))


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
