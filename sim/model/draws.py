"""Turning a case's uniforms into attributes and durations (no SimPy here)."""

from __future__ import annotations

import math

from scipy.special import cython_special

from sim.scenario.distributions import Distribution
from sim.scenario.schema import Clinical, HomeDemand


def pick(weights: dict[str, float], u: float) -> str:
    """The key whose cumulative share of the total weight first exceeds ``u``."""
    total = sum(weights.values())
    acc = 0.0
    last = ""
    for key, w in weights.items():
        acc += w / total
        last = key
        if u < acc:
            return key
    return last


def duration(dist: Distribution, u: float) -> float:
    """A duration in minutes from one uniform."""
    return dist.ppf(u)


def birth_weight_g(clinical: Clinical, gestation_weeks: float, u: float) -> float:
    """Birth weight (g): a normal around a median that grows linearly with gestation.

    The line is fitted through INTERGROWTH-21st medians near 35 weeks (see the
    scenario's sources); it is meant for about 32 to 38 weeks.
    """
    z = cython_special.ndtri(min(max(u, 1e-9), 1 - 1e-9))
    return max(400.0, median_birth_weight_g(clinical, gestation_weeks) + clinical.birth_weight_sd_g * z)


def median_birth_weight_g(clinical: Clinical, gestation_weeks: float) -> float:
    """Median birth weight (g) at a gestation (weeks): linear through the 35-week median."""
    return clinical.birth_weight_median_35w_g + clinical.birth_weight_g_per_week * (gestation_weeks - 35)


def poisson_gap_min(rate_per_min: float, u: float) -> float:
    """Time to the next event of a Poisson process with the given rate."""
    return -math.log1p(-u) / rate_per_min


def rate_profile(rate_per_day: float, hourly: list[float] | None, weekday: list[float] | None):
    """``(max rate, rate(t))`` in cases per minute; profiles are relative weights, mean 1."""
    h = [x * 24 / sum(hourly) for x in hourly] if hourly else [1.0] * 24
    w = [x * 7 / sum(weekday) for x in weekday] if weekday else [1.0] * 7
    base = rate_per_day / 1440.0

    def rate_at(t: float) -> float:
        return base * h[int(t % 1440 // 60)] * w[int(t // 1440) % 7]

    return base * max(h) * max(w), rate_at


def nicu_stay_min(clinical: Clinical, gestation_weeks: float, u: float) -> float:
    """NICU length of stay (min): from the first gestational band whose bound is above
    ``gestation_weeks`` (``clinical.nicu_stay_by_gestation``), else ``clinical.nicu_stay``."""
    for band in clinical.nicu_stay_by_gestation or ():
        if gestation_weeks < band.below_weeks:
            return band.stay.ppf(u)
    return clinical.nicu_stay.ppf(u)


def nicu_probability(demand: HomeDemand, gestation_weeks: float) -> float:
    """Chance that a home-delivered baby needs a NICU cot: by gestational band
    (``nicu_probability_by_gestation``) where given, else ``nicu_probability``."""
    for band in demand.nicu_probability_by_gestation or ():
        if gestation_weeks < band.below_weeks:
            return band.probability
    return demand.nicu_probability
