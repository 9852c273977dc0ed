"""Scripted cases: outreach cases that arrive at given times with given attributes.

Used to replay a real case (``scenarios/validation/index-case.yaml``) next to,
or instead of, the Poisson stream.  A scripted case still draws every other
attribute (durations, travel) from its own uniforms, taken from the
``scripted_cases`` stream; a given birth weight is turned back into the
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


def new_scripted_case(ctx: SimContext, entry: ScriptedCase) -> Case:
    """An outreach case with the host, urgency, gestation (and birth weight) of ``entry``."""
    u = ctx.streams["scripted_cases"].random(len(CASE_DRAWS))
    if entry.birth_weight_g is not None:
        u[DRAW_INDEX["weight_z"]] = weight_uniform(ctx.scenario.clinical, entry.gestation_weeks, entry.birth_weight_g)
    return with_signals(ctx, Case(ctx.new_case_id(), "outreach", entry.host, entry.urgency,
                                  entry.gestation_weeks, tuple(u)))


def scripted_arrivals(ctx: SimContext, entries: list[ScriptedCase],
                      start_case: Callable[[SimContext, Case], object]) -> Generator:
    """Start each scripted case at its ``time_min`` (in time order)."""
    for entry in sorted(entries, key=lambda e: e.time_min):
        yield ctx.env.timeout(entry.time_min - ctx.env.now)
        start_case(ctx, new_scripted_case(ctx, entry))
