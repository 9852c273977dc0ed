"""The transfer pathway: the mother travels to the obstetric hospital."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.processes.dispatch import wait_for_dispatch_time
from sim.model.resources import Grant

if TYPE_CHECKING:
    import simpy


def fetch_mother(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, Grant]:
    """Send an ambulance with its escort from the obstetric hospital to the host.

    Steps: (planned cases) wait for the dispatch time and a stable mother;
    request an ambulance and the escort (all or nothing); travel to the
    host; package the mother for the journey.  Records ``team_requested``,
    ``team_assembled``, ``team_on_site``, ``team_ready``.
    Returns the ambulance-and-escort grant, still held.
    """
    env, home = ctx.env, ctx.scenario.team.home
    yield from wait_for_dispatch_time(ctx, case)
    ctx.log.record(case.id, env.now, "team_requested", home)
    need = ctx.need(home, {"ambulance": 1, **ctx.scenario.transfer.escort})
    grant = ctx.broker.request(need, ctx.priority(case.urgency), case.id)
    yield grant.event
    ctx.log.record(case.id, env.now, "team_assembled", home)
    yield env.timeout(ctx.travel_min(home, case.hospital))
    ctx.log.record(case.id, env.now, "team_on_site", case.hospital)
    yield env.timeout(ctx.scenario.transfer.packaging.ppf(case.draw("packaging")))
    ctx.log.record(case.id, env.now, "team_ready", case.hospital)
    return grant


def move_mother(ctx: SimContext, case: Case, escort: Grant, bed: Grant) -> Generator:
    """Drive the stabilised mother to the obstetric hospital.

    Steps: free her host ICU bed; travel; release ambulance and escort.
    Records ``mother_departed`` and ``mother_arrived``.
    """
    env, home = ctx.env, ctx.scenario.team.home
    ctx.broker.release(bed)
    ctx.log.record(case.id, env.now, "mother_departed", case.hospital)
    yield env.timeout(ctx.travel_min(case.hospital, home))
    ctx.broker.release(escort)
    ctx.log.record(case.id, env.now, "mother_arrived", home)
