"""The mother's deterioration: a hazard that runs from referral until she enters theatre."""

from __future__ import annotations

import math
from collections.abc import Generator

from sim.model.context import SimContext
from sim.model.entities import Case


def hazard_per_min(ctx: SimContext, case: Case) -> float:
    """Her current hazard of deteriorating, per minute: the urgency's rate per hour
    (``clinical.deterioration_rate_per_hour``), times her severity's factor
    (``deterioration_severity_factor``), times ``transit_deterioration_factor``
    while she travels by ambulance."""
    clinical = ctx.scenario.clinical
    rate = (clinical.deterioration_rate_per_hour.get(case.urgency, 0.0) / 60.0
            * clinical.deterioration_severity_factor.get(case.severity, 1.0))
    return rate * clinical.transit_deterioration_factor if case.in_transit else rate


def change_hazard(case: Case, in_transit: bool) -> None:
    """Mark the start or end of a journey, which changes her hazard."""
    case.in_transit = in_transit
    if case.hazard_changed is not None and not case.hazard_changed.triggered:
        case.hazard_changed.succeed()


def watch_for_deterioration(ctx: SimContext, case: Case) -> Generator:
    """Deteriorate when her accumulated hazard reaches her own unit-exponential draw.

    The draw is ``-ln(1 - u)`` of the case's ``deterioration_at`` uniform, so
    a case deteriorates at the same point of accumulated risk in every
    scenario (common random numbers).  Ends when she enters theatre (the
    caesarean is under way: a deterioration then changes nothing the model
    times), or after the one
    deterioration the model allows.  Records nothing itself (see ``deteriorate``).
    """
    env = ctx.env
    assert case.in_theatre is not None
    assert case.deteriorated is not None
    remaining = -math.log1p(-case.draw("deterioration_at"))
    while not case.in_theatre.triggered:
        case.hazard_changed = env.event()
        rate = hazard_per_min(ctx, case)
        timer = env.timeout(remaining / rate) if rate > 0 else None
        start = env.now
        yield env.any_of([case.in_theatre, case.hazard_changed] + ([timer] if timer else []))
        if case.in_theatre.triggered:
            return
        if timer is not None and timer.processed:
            deteriorate(ctx, case)
            return
        remaining -= rate * (env.now - start)


def deteriorate(ctx: SimContext, case: Case) -> None:
    """Her urgency rises; every request she has queued is re-ranked; the steps waiting
    on her hear of it.  Records ``deteriorated`` (value 1 on the road, else 0),
    ``urgency`` and, once a pathway is decided, a new ``decision`` (the decision to
    deliver urgently, same pathway), each at the hospital where she is: the host
    until a transfer brings her to the obstetric hospital, then that hospital; on
    the road the host she left (as ``mother_departed``)."""
    now, log, where = ctx.env.now, ctx.log, case.location or case.hospital
    case.urgency = ctx.scenario.clinical.deterioration_urgency
    log.record(case.id, now, "deteriorated", where, value=float(case.in_transit), detail=case.urgency)
    log.record(case.id, now, "urgency", where, detail=case.urgency)
    if case.pathway:  # during the consultation, its own decision follows
        log.record(case.id, now, "decision", where, detail=case.pathway)
    ctx.broker.reprioritise(case.id, ctx.priority(case.urgency))
    assert case.deteriorated is not None
    case.deteriorated.succeed()
