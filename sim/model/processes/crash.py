"""The crash policy: the host's own staff start a category-1 caesarean."""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING, Any

from sim.model.context import SimContext
from sim.model.entities import Case

if TYPE_CHECKING:
    import simpy


def host_start_signal(ctx: SimContext, case: Case, team: simpy.Process) -> Generator[simpy.Event, Any, bool]:
    """True when the host's staff are to start: she is at the crash urgency
    (``policies.crash.urgency``, from the start or after a deterioration) and the
    team is still not ready ``policies.crash.delay`` minutes later; False once the
    team is ready first.  Records ``crash_call`` when the host is called to start."""
    env, crash = ctx.env, ctx.scenario.policies.crash
    assert case.deteriorated is not None
    assert crash.delay is not None
    if case.urgency != crash.urgency:
        yield case.deteriorated | team
        if team.triggered or case.urgency != crash.urgency:
            return False
    if team.triggered:
        return False
    yield env.timeout(crash.delay.ppf(case.draw("crash_delay"))) | team
    if team.triggered:
        return False
    ctx.log.record(case.id, env.now, "crash_call", case.hospital)
    return True
