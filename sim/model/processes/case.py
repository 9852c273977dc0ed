"""The outreach case: chains the clinical steps and nothing else."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case
from sim.model.processes.booking import book_slot, slot_wait_min
from sim.model.processes.consult import consult
from sim.model.processes.crash import host_start_signal
from sim.model.processes.deterioration import watch_for_deterioration
from sim.model.processes.dispatch import dispatch_team, return_team
from sim.model.processes.home import care_for_newborn
from sim.model.processes.newborn import transport_newborn
from sim.model.processes.operate import operate
from sim.model.processes.stabilise import prepare_mother, recover_mother
from sim.model.processes.transfer import fetch_mother, move_mother
from sim.model.resources import Grant

if TYPE_CHECKING:
    import simpy


def theatre_gate(ctx: SimContext, case: Case, team: simpy.Event, mother: simpy.Event,
                 host: simpy.Process | None = None) -> Generator[simpy.Event, Any, bool]:
    """Wait until she can go to theatre; True when the host's own staff start instead.

    She goes when the team (``team``) and she (``mother``) are ready and, while
    she is booked, her slot is open; or, with a crash policy, when the host is
    to start (``host`` succeeds with True) and she is ready.  A deterioration
    re-evaluates at once.
    """
    env = ctx.env
    assert case.deteriorated is not None
    while True:
        host_starts = host is not None and host.triggered and bool(host.value)
        if mother.triggered and host_starts and not team.triggered:
            return True
        wait = slot_wait_min(ctx, case)
        if team.triggered and mother.triggered and wait <= 0:
            return False
        events = [e for e in (team, mother, host) if e is not None and not e.triggered]
        if wait > 0:
            events.append(env.timeout(wait))
        if not case.deteriorated.triggered:
            events.append(case.deteriorated)
        yield env.any_of(events)


def outreach_case(ctx: SimContext, case: Case) -> Generator:
    """An outreach case from referral to its last branch.

    Steps: the deterioration hazard starts; ``consult``; a planned case is
    booked; the outreach or the transfer pathway; then ``case_closed``.
    Records ``case_created``, ``urgency`` and ``severity`` at the start.
    """
    ctx.log.record(case.id, ctx.env.now, "case_created", case.hospital, value=case.gestation_weeks,
                   detail="outreach")
    ctx.log.record(case.id, ctx.env.now, "urgency", case.hospital, detail=case.urgency)
    ctx.log.record(case.id, ctx.env.now, "severity", case.hospital, detail=case.severity)
    ctx.env.process(watch_for_deterioration(ctx, case))
    pathway = yield from consult(ctx, case)
    book_slot(ctx, case, pathway)
    if pathway == "transfer":
        yield from transfer_pathway(ctx, case)
    else:
        yield from outreach_pathway(ctx, case)
    ctx.log.record(case.id, ctx.env.now, "case_closed", case.hospital)


def outreach_pathway(ctx: SimContext, case: Case) -> Generator:
    """Team to patient: the host resuscitates or stabilises her while the team comes;
    surgery at the host when both (and, if booked, the slot) are ready, or by the
    host's own staff under a crash policy; then the newborn's transport, the
    team's return and her postoperative ICU stay (the bed is asked for at the
    decision, and holds nothing up before surgery).  Records ``crash_start``
    when the host's staff start."""
    env, host = ctx.env, case.hospital
    bed = ctx.broker.request(ctx.need(host, {"icu_bed": 1}), ctx.priority(case.urgency), case.id)
    mother = env.process(prepare_mother(ctx, case, host))
    team = env.process(dispatch_team(ctx, case))
    crash = ctx.scenario.policies.crash
    signal = None
    if crash.policy == "host_starts" and host in crash.hosts:
        signal = env.process(host_start_signal(ctx, case, team))
    host_starts = yield from theatre_gate(ctx, case, team, mother, signal)
    if host_starts:
        ctx.log.record(case.id, env.now, "crash_start", host)
    branches = []

    def deliver(_weight: float) -> None:
        branches.append(env.process(transport_newborn(ctx, case, team)))

    yield from operate(ctx, case, host, dict(crash.host_team) if host_starts else {}, deliver)
    branches += [env.process(team_goes_home(ctx, case, team)), env.process(recover_mother(ctx, case, host, bed))]
    yield env.all_of(branches)


def team_goes_home(ctx: SimContext, case: Case, team: simpy.Process) -> Generator:
    """Once the team has arrived (it may come after a host-started caesarean), it returns."""
    yield team
    grant = team.value
    assert isinstance(grant, Grant)
    yield from return_team(ctx, case, grant)


def transfer_pathway(ctx: SimContext, case: Case) -> Generator:
    """Patient to team: the host resuscitates her while an ambulance crew comes; she is
    packaged and driven to the obstetric hospital (her hazard raised in transit),
    (chosen by ``policies.transfer_to``), which an urgent mother's departure pre-alerts (theatre and team asked for
    then); handover and theatre preparation; surgery there (a booked case in
    its slot); neonatal care and her ICU stay there."""
    env = ctx.env
    mother = env.process(prepare_mother(ctx, case, case.hospital))
    crew = env.process(fetch_mother(ctx, case))
    yield mother & crew
    grant, home = crew.value or (None, "")
    assert isinstance(grant, Grant)
    departed = env.event()
    moving = env.process(move_mother(ctx, case, grant, home, departed))
    staff = dict(ctx.scenario.transfer.surgical_team)
    branches = []

    def deliver(_weight: float) -> None:
        branches.append(env.process(care_for_newborn(ctx, case, home)))

    if case.booked:
        yield from theatre_gate(ctx, case, moving, moving)
        yield from operate(ctx, case, home, staff, deliver)
    else:  # pre-alerted when she leaves: room and team are asked for while she travels
        yield departed
        yield from operate(ctx, case, home, staff, deliver, patient_ready=moving)
    branches.append(env.process(recover_mother(ctx, case, home, None)))
    yield env.all_of(branches)
