"""Referral and urgent inter-hospital consultation, by telephone."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case

if TYPE_CHECKING:
    import simpy


def choose_pathway(ctx: SimContext, case: Case) -> str:
    """The pathway named by ``policies.pathway`` for her urgency and, where the
    policy distinguishes them, her severity band."""
    rule = ctx.scenario.policies.pathway[case.urgency]
    return rule if isinstance(rule, str) else rule[case.severity]


def consult(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, str]:
    """The host's senior telephones the obstetric hospital's on-call senior, then they decide.

    Steps: the on-call senior answers after ``clinical.consult_answer`` (from
    home if need be: a call holds nobody); they confer for
    ``clinical.consultation``; decide the pathway by policy.
    Records ``consult_start`` and ``decision`` (detail = pathway).
    Returns the pathway: ``"outreach"`` or ``"transfer"``.
    """
    clinical, env = ctx.scenario.clinical, ctx.env
    if clinical.consult_answer is not None:
        yield env.timeout(clinical.consult_answer.ppf(case.draw("consult_answer")))
    ctx.log.record(case.id, env.now, "consult_start", case.hospital)
    yield env.timeout(clinical.consultation.ppf(case.draw("consultation")))
    pathway = case.pathway = choose_pathway(ctx, case)
    ctx.log.record(case.id, env.now, "decision", case.hospital, detail=pathway)
    return pathway
