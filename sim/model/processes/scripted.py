"""Scripted cases: outreach cases that arrive at given times with given attributes.

Used to replay a real case (``scenarios/validation/index-case.yaml``) next to,
or instead of, the Poisson stream.  A scripted case still draws every other
attribute (durations, travel) from its own uniforms, taken from a stream
of its own, ``scripted_cases/<i>`` for the i-th entry of the list (so adding
an entry never changes another's draws); a given birth weight is turned back into the
uniform that the birth-weight model maps to it, so the delivery records
exactly that weight.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from scipy import special

from sim.model import draws
from sim.model.context import SimContext
from sim.model.entities import CASE_DRAWS, DRAW_INDEX, Case
from sim.model.processes.demand import with_signals
from sim.scenario.schema import Clinical, ScriptedCase


def weight_uniform(clinical: Clinical, gestation_weeks: float, weight_g: float) -> float:
    """The uniform that ``draws.birth_weight_g`` maps to ``weight_g`` at this gestation."""
    median = draws.median_birth_weight_g(clinical, gestation_weeks)
    return float(special.ndtr((weight_g - median) / clinical.birth_weight_sd_g))


def new_scripted_case(ctx: SimContext, entry: ScriptedCase, ordinal: int) -> Case:
    """An outreach case with the host, urgency, gestation (and birth weight, severity) of
    ``entry``, the ``ordinal``-th entry of the scenario's list."""
    u = ctx.streams.stream(f"scripted_cases/{ordinal}").random(len(CASE_DRAWS)).tolist()
    if entry.birth_weight_g is not None:
        u[DRAW_INDEX["weight_z"]] = weight_uniform(ctx.scenario.clinical, entry.gestation_weeks, entry.birth_weight_g)
    severity = entry.severity or draws.pick(ctx.scenario.demand.outreach.severity_mix, u[DRAW_INDEX["severity"]])
    return with_signals(ctx, ctx.keep(Case(ctx.new_case_id(), "outreach", entry.host, entry.urgency,
                                           entry.gestation_weeks, tuple(u), "scripted", ordinal, severity)))


def scripted_arrivals(ctx: SimContext, entries: list[ScriptedCase],
                      start_case: Callable[[SimContext, Case], object]) -> None:
    """Start each scripted case at its ``time_min`` (keyed by its place in the list).

    Each entry waits in a process of its own from time 0, so its start is
    exactly ``time_min`` whatever the other entries are (a chain of waits
    would carry rounding from one to the next).
    """
    for ordinal, entry in sorted(enumerate(entries), key=lambda item: item[1].time_min):
        ctx.env.process(start_at(ctx, entry, ordinal, start_case))


def start_at(ctx: SimContext, entry: ScriptedCase, ordinal: int,
             start_case: Callable[[SimContext, Case], object]) -> Generator:
    """Wait until ``entry.time_min``, then start its case."""
    yield ctx.env.timeout(entry.time_min - ctx.env.now)
    start_case(ctx, new_scripted_case(ctx, entry, ordinal))
