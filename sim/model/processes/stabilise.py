"""The mother's intensive care at the host: stabilisation before surgery, recovery after."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.resources import Grant

if TYPE_CHECKING:
    import simpy


def stabilisation_plan(ctx: SimContext, case: Case) -> tuple[float | None, float]:
    """``(deterioration time or None, total minutes)`` for this case, from its uniforms."""
    clinical = ctx.scenario.clinical
    total = clinical.stabilisation[case.urgency].ppf(case.draw("stabilisation"))
    worse = clinical.deterioration_urgency
    if case.urgency == worse or case.draw("deteriorates") >= clinical.deterioration_probability:
        return None, total
    at = case.draw("deterioration_at") * total
    rest = clinical.stabilisation[worse].ppf(case.draw("acute_stabilisation"))
    return at, at + min(total - at, rest)


def stabilise_mother(ctx: SimContext, case: Case, hospital: str) -> Generator[simpy.Event, Any, Grant]:
    """Preoperative stabilisation in an ICU bed at ``hospital``.

    Steps: take an ICU bed; stabilise; with the scenario's probability the
    mother deteriorates part-way, her urgency rises and the remaining
    stabilisation is cut to the acute one.  Records ``stabilisation_start``,
    ``deteriorated``, ``urgency`` and a new ``decision`` (the decision to deliver
    urgently, same pathway) when it happens, and ``stabilisation_end``.
    Returns the ICU bed grant, still held.
    """
    env = ctx.env
    bed = ctx.broker.request(ctx.need(hospital, {"icu_bed": 1}), ctx.priority(case.urgency), case.id)
    yield bed.event
    ctx.log.record(case.id, env.now, "stabilisation_start", hospital, "icu_bed")
    at, total = stabilisation_plan(ctx, case)
    start = env.now
    if at is not None:
        yield env.timeout(at)
        case.urgency = ctx.scenario.clinical.deterioration_urgency
        ctx.log.record(case.id, env.now, "deteriorated", hospital, detail=case.urgency)
        ctx.log.record(case.id, env.now, "urgency", hospital, detail=case.urgency)
        ctx.log.record(case.id, env.now, "decision", hospital, detail=case.pathway)
        if case.deteriorated is not None and not case.deteriorated.triggered:
            case.deteriorated.succeed()
    yield env.timeout(start + total - env.now)
    ctx.log.record(case.id, env.now, "stabilisation_end", hospital)
    if case.stabilised is not None:
        case.stabilised.succeed()
    return bed


def recover_mother(ctx: SimContext, case: Case, hospital: str, bed: Grant | None) -> Generator:
    """Postoperative ICU stay.

    Steps: take an ICU bed at ``hospital`` unless she still holds one; stay;
    release.  Records ``icu_discharge``.
    """
    if bed is None:
        bed = ctx.broker.request(ctx.need(hospital, {"icu_bed": 1}), ctx.priority(case.urgency), case.id)
        yield bed.event
    yield ctx.env.timeout(ctx.scenario.clinical.postop_icu.ppf(case.draw("postop_icu")))
    ctx.broker.release(bed)
    ctx.log.record(case.id, ctx.env.now, "icu_discharge", hospital, "icu_bed")
