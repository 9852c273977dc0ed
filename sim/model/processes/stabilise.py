"""The mother at the host: resuscitation or stabilisation before surgery, ICU care after."""

from __future__ import annotations

from collections.abc import Generator

import simpy

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.resources import Grant


def stabilisation_min(ctx: SimContext, case: Case) -> float:
    """A booked mother's planned stabilisation (min), capped at ``clinical.stabilisation_cap_min``."""
    clinical = ctx.scenario.clinical
    return min(clinical.stabilisation[case.urgency].ppf(case.draw("stabilisation")), clinical.stabilisation_cap_min)


def minimum_resuscitation_min(ctx: SimContext, case: Case) -> float:
    """The minimum resuscitation (min) before an urgent mother can go to theatre, for her
    current urgency (0 where the scenario gives none)."""
    dist = ctx.scenario.clinical.minimum_resuscitation.get(case.urgency)
    return 0.0 if dist is None else dist.ppf(case.draw("minimum_resuscitation"))


def ready_at(ctx: SimContext, case: Case, start: float) -> float:
    """When she can go to theatre: after her stabilisation while booked, else after
    the minimum resuscitation for her urgency (both counted from ``start``)."""
    if case.booked:
        return start + stabilisation_min(ctx, case)
    return start + minimum_resuscitation_min(ctx, case)


def prepare_mother(ctx: SimContext, case: Case, hospital: str) -> Generator:
    """Resuscitate (urgent) or stabilise (booked) the mother until she can go to theatre.

    Runs alongside dispatch from the decision.  An urgent mother is ready after
    the minimum resuscitation (which goes on under anaesthesia); a booked one
    after her stabilisation, capped; a deterioration makes her urgent at once.
    Records ``stabilisation_start`` and ``stabilisation_end`` (ready for theatre).
    """
    env = ctx.env
    assert case.deteriorated is not None
    assert case.stabilised is not None
    start = env.now
    ctx.log.record(case.id, start, "stabilisation_start", hospital)
    while (due := ready_at(ctx, case, start)) > env.now:
        waits: list[simpy.Event] = [env.timeout(due - env.now)]
        if not case.deteriorated.triggered:
            waits.append(case.deteriorated)
        yield env.any_of(waits)
    ctx.log.record(case.id, env.now, "stabilisation_end", hospital)
    case.stabilised.succeed()


def recover_mother(ctx: SimContext, case: Case, hospital: str, bed: Grant | None) -> Generator:
    """Postoperative ICU stay.

    Steps: take an ICU bed at ``hospital`` unless one was asked for earlier;
    if none is free when surgery ends she is cared for in recovery until one
    is (a shortage the report shows; it never held her out of theatre); stay;
    release.  Records ``icu_bed_wait`` (when no bed is free at surgery end),
    ``icu_admission`` and ``icu_discharge``.
    """
    env = ctx.env
    if bed is None:
        bed = ctx.broker.request(ctx.need(hospital, {"icu_bed": 1}), ctx.priority(case.urgency), case.id)
    if not bed.event.triggered:
        ctx.log.record(case.id, env.now, "icu_bed_wait", hospital, "icu_bed")
        yield bed.event
    ctx.log.record(case.id, env.now, "icu_admission", hospital, "icu_bed")
    yield env.timeout(ctx.scenario.clinical.postop_icu.ppf(case.draw("postop_icu")))
    ctx.broker.release(bed)
    ctx.log.record(case.id, env.now, "icu_discharge", hospital, "icu_bed")
