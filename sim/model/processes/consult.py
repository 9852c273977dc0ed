"""Referral and urgent inter-hospital consultation."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case

if TYPE_CHECKING:
    import simpy


def consult(ctx: SimContext, case: Case) -> Generator[simpy.Event, Any, str]:
    """A senior at each hospital confer, then decide the pathway.

    Steps: request one senior at the home hospital and one at the host (all or
    nothing); confer for the consultation time; release both; decide.
    Records ``consult_start`` and ``decision`` (detail = pathway).
    Returns the pathway: ``"outreach"`` or ``"transfer"``.
    """
    sc = ctx.scenario
    roles = sc.clinical.consult_roles
    need = {**ctx.need(sc.team.home, {roles["home"]: 1}), **ctx.need(case.hospital, {roles["host"]: 1})}
    grant = ctx.broker.request(need, ctx.priority(case.urgency), case.id)
    yield grant.event
    ctx.log.record(case.id, ctx.env.now, "consult_start", case.hospital)
    yield ctx.env.timeout(sc.clinical.consultation.ppf(case.draw("consultation")))
    ctx.broker.release(grant)
    pathway = case.pathway = sc.policies.pathway[case.urgency]
    ctx.log.record(case.id, ctx.env.now, "decision", case.hospital, detail=pathway)
    return pathway
