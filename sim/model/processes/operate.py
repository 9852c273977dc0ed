"""Caesarean section: anaesthesia, incision, delivery, closure."""

from __future__ import annotations

from collections.abc import Callable, Generator

import simpy

from sim.model import draws
from sim.model.context import SimContext
from sim.model.entities import Case


def operate(ctx: SimContext, case: Case, hospital: str, staff: dict[str, int],
            on_delivery: Callable[[float], None], patient_ready: simpy.Event | None = None) -> Generator:
    """Operate in a room at ``hospital``.

    Steps: request an operating room plus ``staff`` (all or nothing; an
    outreach team is already held and passes no staff); wait for the patient
    if she is not yet there; anaesthesia (by urgency); incision to delivery;
    call ``on_delivery(birth weight)``; closure; release room and staff.
    Records ``theatre_entry``, ``incision``, ``delivery`` (value = birth weight, g),
    ``surgery_end``.
    """
    env, clinical = ctx.env, ctx.scenario.clinical
    grant = ctx.broker.request(ctx.need(hospital, {"operating_room": 1, **staff}), ctx.priority(case.urgency),
                               case.id)
    yield grant.event
    if patient_ready is not None:
        yield patient_ready
    ctx.log.record(case.id, env.now, "theatre_entry", hospital, "operating_room")
    if case.in_theatre is not None:
        case.in_theatre.succeed()  # her deterioration hazard ends: she is being delivered
    yield env.timeout(clinical.anaesthesia[case.urgency].ppf(case.draw("anaesthesia")))
    ctx.log.record(case.id, env.now, "incision", hospital)
    yield env.timeout(clinical.incision_to_delivery.ppf(case.draw("incision")))
    weight = draws.birth_weight_g(clinical, case.gestation_weeks, case.draw("weight_z"))
    ctx.log.record(case.id, env.now, "delivery", hospital, value=weight)
    on_delivery(weight)
    yield env.timeout(clinical.closure.ppf(case.draw("closure")))
    ctx.broker.release(grant)
    ctx.log.record(case.id, env.now, "surgery_end", hospital, "operating_room")
