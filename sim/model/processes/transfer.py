"""The transfer pathway: an ambulance crew fetches the mother to the obstetric hospital."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.processes.deterioration import change_hazard
from sim.model.processes.dispatch import wait_for_dispatch_time
from sim.model.resources import Grant

if TYPE_CHECKING:
    import simpy


def fetch_mother(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, Grant]:
    """Send an ambulance with its escort from the obstetric hospital to the host.

    Steps: (booked cases) wait for the dispatch time and a stable mother;
    request an ambulance and the escort (all or nothing); the crew mobilises;
    travel to the host (time-of-day dependent).  Records ``crew_requested``,
    ``crew_assembled``, ``crew_departed``, ``crew_on_site``.
    Returns the ambulance-and-escort grant, still held.
    """
    env, home, transfer = ctx.env, ctx.scenario.team.home, ctx.scenario.transfer
    yield from wait_for_dispatch_time(ctx, case)
    ctx.log.record(case.id, env.now, "crew_requested", home)
    need = ctx.need(home, {"ambulance": 1, **transfer.escort})
    grant = ctx.broker.request(need, ctx.priority(case.urgency), case.id)
    yield grant.event
    ctx.log.record(case.id, env.now, "crew_assembled", home)
    if transfer.crew_mobilisation is not None:
        yield env.timeout(transfer.crew_mobilisation.ppf(case.draw("crew_mobilisation")))
    ctx.log.record(case.id, env.now, "crew_departed", home)
    yield env.timeout(ctx.travel_min(home, case.hospital, case, "crew_outbound"))
    ctx.log.record(case.id, env.now, "crew_on_site", case.hospital)
    return grant


def move_mother(ctx: SimContext, case: Case, crew: Grant) -> Generator:
    """Package the ready mother and drive her to the obstetric hospital.

    Steps: package her for the journey; travel (her deterioration hazard is
    raised in transit); release ambulance and escort on arrival.
    Records ``mother_packaged``, ``mother_departed`` and ``mother_arrived``.
    """
    env, home = ctx.env, ctx.scenario.team.home
    yield env.timeout(ctx.scenario.transfer.packaging.ppf(case.draw("packaging")))
    ctx.log.record(case.id, env.now, "mother_packaged", case.hospital)
    ctx.log.record(case.id, env.now, "mother_departed", case.hospital)
    change_hazard(case, in_transit=True)
    yield env.timeout(ctx.travel_min(case.hospital, home, case, "transfer"))
    change_hazard(case, in_transit=False)
    ctx.broker.release(crew)
    ctx.log.record(case.id, env.now, "mother_arrived", home)


def hand_over(ctx: SimContext, case: Case) -> Generator:
    """Handover to the obstetric team and theatre preparation on arrival.  Records ``handover_done``."""
    handover = ctx.scenario.transfer.handover
    if handover is not None:
        yield ctx.env.timeout(handover.ppf(case.draw("handover")))
    ctx.log.record(case.id, ctx.env.now, "handover_done", ctx.scenario.team.home)
