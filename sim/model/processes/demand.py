"""Demand: Poisson arrivals (thinned for time-of-day and day-of-week profiles)."""

from __future__ import annotations

from collections.abc import Callable, Generator

from sim.model import draws
from sim.model.context import SimContext
from sim.model.entities import CASE_DRAWS, Case
from sim.scenario.schema import Demand, HomeDemand, OutreachDemand


def arrivals(ctx: SimContext, demand: Demand, stream: str, start_case: Callable[[SimContext], object]) -> Generator:
    """Start a case at each arrival of a non-homogeneous Poisson process.

    Uses the ``stream`` random stream only for arrival times and thinning.
    """
    rate_max, rate_at = draws.rate_profile(demand.rate_per_day, demand.hourly_profile, demand.weekday_profile)
    if rate_max <= 0:
        return
    rng, env = ctx.streams[stream], ctx.env
    while True:
        gap, keep = rng.random(2)
        yield env.timeout(draws.poisson_gap_min(rate_max, gap))
        if keep * rate_max < rate_at(env.now):
            start_case(ctx)


def new_outreach_case(ctx: SimContext, demand: OutreachDemand) -> Case:
    """An outreach case with its uniforms drawn now from the ``outreach_cases`` stream."""
    u = tuple(ctx.streams["outreach_cases"].random(len(CASE_DRAWS)))
    return with_signals(ctx, Case(ctx.new_case_id(), "outreach", draws.pick(demand.hosts, u[0]),
                                  draws.pick(demand.urgency_mix, u[1]), demand.gestation_weeks.ppf(u[2]), u))


def with_signals(ctx: SimContext, case: Case) -> Case:
    """Give an outreach case the events its steps wait on: deterioration and a stable mother."""
    case.deteriorated = ctx.env.event()
    case.stabilised = ctx.env.event()
    return case


def new_home_case(ctx: SimContext, demand: HomeDemand) -> Case:
    """A home emergency caesarean with its uniforms from the ``home_cases`` stream."""
    u = tuple(ctx.streams["home_cases"].random(len(CASE_DRAWS)))
    return Case(ctx.new_case_id(), "home", demand.hospital, draws.pick(demand.urgency_mix, u[1]),
                ctx.scenario.demand.outreach.gestation_weeks.ppf(u[2]), u)
