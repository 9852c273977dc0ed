"""The outreach case: chains the clinical steps and nothing else."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from sim.model import clock
from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.processes.consult import consult
from sim.model.processes.dispatch import dispatch_team, return_team
from sim.model.processes.home import care_for_newborn
from sim.model.processes.newborn import transport_newborn
from sim.model.processes.operate import operate
from sim.model.processes.stabilise import recover_mother, stabilise_mother
from sim.model.processes.transfer import fetch_mother, move_mother
from sim.model.resources import Grant

if TYPE_CHECKING:
    import simpy


def schedule_planned(ctx: SimContext, case: Case) -> None:
    """Give a planned case its surgery time (next planned start after the minimum lead).
    Records ``surgery_scheduled``."""
    policies = ctx.scenario.policies
    if case.urgency != policies.planned_urgency:
        return
    case.scheduled_min = clock.next_clock_time(ctx.env.now, clock.clock_to_min(policies.planned_start),
                                               policies.planned_min_lead_min)
    ctx.log.record(case.id, ctx.env.now, "surgery_scheduled", case.hospital, value=case.scheduled_min)


def granted(step: simpy.Process) -> Grant:
    """The grant that a finished step returned, still held (an ICU bed, a team, an escort)."""
    grant = step.value
    assert isinstance(grant, Grant)
    return grant


def wait_for_scheduled_time(ctx: SimContext, case: Case) -> Generator:
    """Hold a planned case until its surgery time, unless she deteriorates."""
    assert case.deteriorated is not None
    if case.scheduled_min is not None and not case.deteriorated.triggered and case.scheduled_min > ctx.env.now:
        yield ctx.env.timeout(case.scheduled_min - ctx.env.now) | case.deteriorated


def outreach_case(ctx: SimContext, case: Case) -> Generator:
    """An outreach case from referral to its last branch.

    Steps: ``consult``; then the outreach or the transfer pathway; then
    ``case_closed``.  Records ``case_created`` and ``urgency`` at the start.
    """
    ctx.log.record(case.id, ctx.env.now, "case_created", case.hospital, value=case.gestation_weeks,
                   detail="outreach")
    ctx.log.record(case.id, ctx.env.now, "urgency", case.hospital, detail=case.urgency)
    pathway = yield from consult(ctx, case)
    schedule_planned(ctx, case)
    if pathway == "transfer":
        yield from transfer_pathway(ctx, case)
    else:
        yield from outreach_pathway(ctx, case)
    ctx.log.record(case.id, ctx.env.now, "case_closed", case.hospital)


def outreach_pathway(ctx: SimContext, case: Case) -> Generator:
    """Team to patient: stabilisation and dispatch in parallel, surgery at the host,
    then the newborn's transport, the team's return and the mother's recovery."""
    env = ctx.env
    stabilising = env.process(stabilise_mother(ctx, case, case.hospital))
    dispatching = env.process(dispatch_team(ctx, case))
    yield stabilising & dispatching
    bed, team = granted(stabilising), granted(dispatching)
    yield from wait_for_scheduled_time(ctx, case)
    branches = []

    def deliver(_weight: float) -> None:
        branches.append(env.process(transport_newborn(ctx, case, team)))

    yield from operate(ctx, case, case.hospital, {}, deliver)
    branches += [env.process(return_team(ctx, case, team)), env.process(recover_mother(ctx, case, case.hospital, bed))]
    yield env.all_of(branches)


def transfer_pathway(ctx: SimContext, case: Case) -> Generator:
    """Patient to team: an ambulance fetches the stabilised mother; surgery and
    neonatal care at the obstetric hospital."""
    env, home = ctx.env, ctx.scenario.team.home
    stabilising = env.process(stabilise_mother(ctx, case, case.hospital))
    fetching = env.process(fetch_mother(ctx, case))
    yield stabilising & fetching
    yield from move_mother(ctx, case, granted(fetching), granted(stabilising))
    yield from wait_for_scheduled_time(ctx, case)
    branches = []

    def deliver(_weight: float) -> None:
        branches.append(env.process(care_for_newborn(ctx, case, home)))

    yield from operate(ctx, case, home, dict(ctx.scenario.transfer.surgical_team), deliver)
    branches.append(env.process(recover_mother(ctx, case, home, None)))
    yield env.all_of(branches)
