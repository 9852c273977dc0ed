"""Demand: Poisson arrivals (thinned for time-of-day and day-of-week profiles)."""

from __future__ import annotations

from collections.abc import Callable, Generator

from sim.model import draws
from sim.model.context import SimContext
from sim.model.entities import CASE_DRAWS, DRAW_INDEX, Case
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
    ordinal = ctx.count("outreach")
    case = Case(ctx.new_case_id(), "outreach", draws.pick(demand.hosts, u[0]), draws.pick(demand.urgency_mix, u[1]),
                demand.gestation_weeks.ppf(u[2]), u, "outreach", ordinal,
                draws.pick(demand.severity_mix, u[DRAW_INDEX["severity"]]))
    return with_signals(ctx, ctx.keep(case))


def with_signals(ctx: SimContext, case: Case) -> Case:
    """Give an outreach case the events its steps wait on: deterioration, a mother
    ready for theatre, in theatre."""
    env = ctx.env
    case.deteriorated, case.stabilised, case.in_theatre = env.event(), env.event(), env.event()
    return case


def home_stream_name(name: str, i: int, hospital: str) -> str:
    """The random stream or case source of the ``i``-th home-emergency stream: ``name`` for
    the first (as in a one-hospital scenario), ``name:<hospital>`` for the others."""
    return name if i == 0 else f"{name}:{hospital}"


def new_home_case(ctx: SimContext, demand: HomeDemand, i: int = 0) -> Case:
    """A home emergency caesarean with its uniforms from the ``home_cases`` stream (its
    own per hospital: :func:`home_stream_name`); its gestation from
    ``demand.gestation_weeks`` (the outreach one where not given)."""
    u = tuple(ctx.streams[home_stream_name("home_cases", i, demand.hospital)].random(len(CASE_DRAWS)))
    gestation = demand.gestation_weeks or ctx.scenario.demand.outreach.gestation_weeks
    source = home_stream_name("home", i, demand.hospital)
    return ctx.keep(Case(ctx.new_case_id(), "home", demand.hospital, draws.pick(demand.urgency_mix, u[1]),
                         gestation.ppf(u[2]), u, source, ctx.count(source)))
