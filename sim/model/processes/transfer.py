"""The transfer pathway: an ambulance crew fetches the mother to the obstetric hospital."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.network import choose_obstetric_hospital, expected_travel_min
from sim.model.processes.booking import expected_transfer_min, rebook
from sim.model.processes.deterioration import change_hazard
from sim.model.processes.dispatch import wait_for_dispatch_time
from sim.model.resources import Grant

if TYPE_CHECKING:
    import simpy


def fetch_mother(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, tuple[Grant, str]]:
    """Send an ambulance with its escort from an obstetric hospital to the host.

    Steps: (booked cases) wait for the dispatch time, earlier than a team's
    by the expected packaging, journey and handover (to the nearest
    obstetric hospital); choose the obstetric hospital
    (``policies.transfer_to``); request its ambulance
    and the escort (all or nothing); the crew mobilises; travel to the host
    (time-of-day dependent).  A booked mother whose crew, assembled only
    now, would bring her in only after her planned window is re-booked and
    the crew stood down (:func:`rebook_transfer_if_late`).  Records
    ``crew_requested``, ``crew_assembled``, ``crew_departed``,
    ``crew_on_site`` (and ``crew_stood_down``).
    Returns the ambulance-and-escort grant, still held, and the hospital.
    """
    env, transfer = ctx.env, ctx.scenario.transfer
    while True:
        yield from wait_for_dispatch_time(ctx, case, expected_transfer_min(ctx, case))
        home = choose_obstetric_hospital(ctx, case)
        ctx.log.record(case.id, env.now, "crew_requested", home)
        need = ctx.need(home, {"ambulance": 1, **transfer.escort})
        grant = ctx.broker.request(need, ctx.priority(case.urgency), case.id)
        yield grant.event
        if not rebook_transfer_if_late(ctx, case, home):
            break
        ctx.broker.release(grant)  # stood down until the new slot's dispatch time
        ctx.log.record(case.id, env.now, "crew_stood_down", home)
    ctx.log.record(case.id, env.now, "crew_assembled", home)
    if transfer.crew_mobilisation is not None:
        yield env.timeout(transfer.crew_mobilisation.ppf(case.draw("crew_mobilisation")))
    ctx.log.record(case.id, env.now, "crew_departed", home)
    yield env.timeout(ctx.travel_min(home, case.hospital, case, "crew_outbound"))
    ctx.log.record(case.id, env.now, "crew_on_site", case.hospital)
    return grant, home


def move_mother(ctx: SimContext, case: Case, crew: Grant, home: str, departed: simpy.Event) -> Generator:
    """Package the ready mother, drive her to the obstetric hospital ``home`` and hand her over.

    Steps: package her for the journey; leave (``departed`` succeeds: the
    obstetric hospital is pre-alerted); travel (her deterioration hazard is
    raised in transit); on arrival she is at ``home`` (``case.location``);
    handover and theatre preparation; release ambulance and escort.  Records ``mother_packaged``, ``mother_departed``,
    ``mother_arrived`` and ``handover_done``.
    """
    env = ctx.env
    yield env.timeout(ctx.scenario.transfer.packaging.ppf(case.draw("packaging")))
    ctx.log.record(case.id, env.now, "mother_packaged", case.hospital)
    ctx.log.record(case.id, env.now, "mother_departed", case.hospital)
    departed.succeed()
    change_hazard(case, in_transit=True)
    yield env.timeout(ctx.travel_min(case.hospital, home, case, "transfer"))
    change_hazard(case, in_transit=False)
    case.location = home
    ctx.log.record(case.id, env.now, "mother_arrived", home)
    handover = ctx.scenario.transfer.handover
    if handover is not None:
        yield env.timeout(handover.ppf(case.draw("handover")))
    ctx.broker.release(crew)
    ctx.log.record(case.id, env.now, "handover_done", home)


def rebook_transfer_if_late(ctx: SimContext, case: Case, home: str) -> bool:
    """Whether a booked mother, fetched by a crew granted only now, is expected at ``home`` and
    handed over (mean crew mobilisation, journeys, packaging and handover) after her slot and
    outside the planned windows, with a window still open before her clinical cap; then her
    slot moves to that window (:mod:`sim.model.processes.booking`).  Records
    ``surgery_scheduled`` again."""
    if not case.booked:
        return False
    transfer, now = ctx.scenario.transfer, ctx.env.now
    mobilise = transfer.crew_mobilisation.mean() if transfer.crew_mobilisation is not None else 0.0
    there = now + mobilise + expected_travel_min(ctx, home, case.hospital, now + mobilise, home)
    return rebook(ctx, case, there + expected_transfer_min(ctx, case, home))
