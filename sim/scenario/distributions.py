"""Probability distributions as data.

A scenario file writes a distribution as a small mapping, for example
``{dist: lognormal, median: 30, p90: 45}``.  Each model here validates its
parameters, knows its theoretical mean, and turns a uniform number ``u`` in
[0, 1) into a draw by the inverse of its distribution function (``ppf``).

Sampling by inversion keeps common random numbers aligned: every draw consumes
exactly one uniform, whatever the distribution, so two scenarios that differ
only in a duration's distribution still give every case the same uniforms.

All durations are in minutes unless a key says otherwise.  Every distribution
accepts ``shift``: a constant added to every draw (delays are never zero).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from typing import Annotated, Any, Literal, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from scipy.special import cython_special  # the ufuncs' own functions, called on one float without numpy's dispatch

from sim.scenario.base import Key

Z90 = 1.2815515655446004  # standard normal 90th percentile
DERIVED = ("mu_sigma", "shape_scale")
"""Cached properties derived from a distribution's fields (kept in the instance ``__dict__``)."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    shift: float = Key(0.0, ge=0, about=("constant added to every draw (a delay never shorter than it)", "draw unit"))

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy; parameters derived and cached from the old fields are dropped."""
        copied = super().model_copy(update=update, deep=deep)
        for name in DERIVED:
            copied.__dict__.pop(name, None)
        return copied

    def ppf(self, u: float) -> float:  # pragma: no cover - abstract
        raise NotImplementedError

    def mean(self) -> float:  # pragma: no cover - abstract
        raise NotImplementedError


class Fixed(_Dist):
    """Always the same value."""

    dist: Literal["fixed"] = Key(about=("kind of distribution: fixed, always value"))
    value: float = Key(ge=0, about=("the value every draw takes", "draw unit"))

    def ppf(self, u: float) -> float:
        return self.shift + self.value

    def mean(self) -> float:
        return self.shift + self.value


class Exponential(_Dist):
    """Exponential with the given mean."""

    dist: Literal["exponential"] = Key(about=("kind of distribution: exponential, given by its mean"))
    mean_: float = Key(alias="mean", gt=0, about=("mean draw", "draw unit"))

    def ppf(self, u: float) -> float:
        return self.shift - self.mean_ * math.log1p(-u)

    def mean(self) -> float:
        return self.shift + self.mean_


class LogNormal(_Dist):
    """Lognormal, given either by ``median`` and ``p90`` or by ``mean`` and ``sd``."""

    dist: Literal["lognormal"] = Key(
        about=("kind of distribution: lognormal, given by median and p90 or by mean and sd"))
    median: float | None = Key(None, gt=0, about=("50th percentile (with p90)", "draw unit"))
    p90: float | None = Key(None, gt=0, about=("90th percentile, above the median (with median)", "draw unit"))
    mean_: float | None = Key(None, alias="mean", gt=0, about=("mean draw (with sd)", "draw unit"))
    sd: float | None = Key(None, gt=0, about=("standard deviation of the draws (with mean)", "draw unit"))

    @model_validator(mode="after")
    def _one_parametrisation(self) -> LogNormal:
        by_quantiles = self.median is not None and self.p90 is not None
        by_moments = self.mean_ is not None and self.sd is not None
        if by_quantiles == by_moments:
            raise ValueError("give either median and p90, or mean and sd (not both, not neither)")
        if by_quantiles and self.p90 <= self.median:  # type: ignore[operator]
            raise ValueError("p90 must be greater than median")
        return self

    @functools.cached_property
    def mu_sigma(self) -> tuple[float, float]:
        """Parameters of the underlying normal (log scale), computed once (``ppf`` runs on every draw)."""
        if self.median is not None and self.p90 is not None:
            mu = math.log(self.median)
            return mu, (math.log(self.p90) - mu) / Z90
        assert self.mean_ is not None
        assert self.sd is not None
        sigma2 = math.log1p((self.sd / self.mean_) ** 2)
        return math.log(self.mean_) - sigma2 / 2, math.sqrt(sigma2)

    def ppf(self, u: float) -> float:
        mu, sigma = self.mu_sigma
        return self.shift + math.exp(mu + sigma * cython_special.ndtri(u))

    def mean(self) -> float:
        mu, sigma = self.mu_sigma
        return self.shift + math.exp(mu + sigma**2 / 2)


class Triangular(_Dist):
    """Triangular on [low, high] with the given mode."""

    dist: Literal["triangular"] = Key(about=("kind of distribution: triangular on low, mode, high"))
    low: float = Key(ge=0, about=("smallest draw", "draw unit"))
    mode: float = Key(ge=0, about=("most likely draw, from low to high", "draw unit"))
    high: float = Key(ge=0, about=("largest draw, above low", "draw unit"))

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not self.low <= self.mode <= self.high or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def ppf(self, u: float) -> float:
        lo, mo, hi = self.low, self.mode, self.high
        cut = (mo - lo) / (hi - lo)
        if u < cut:
            return self.shift + lo + math.sqrt(u * (hi - lo) * (mo - lo))
        return self.shift + hi - math.sqrt((1 - u) * (hi - lo) * (hi - mo))

    def mean(self) -> float:
        return self.shift + (self.low + self.mode + self.high) / 3


class Uniform(_Dist):
    """Uniform on [low, high]."""

    dist: Literal["uniform"] = Key(about=("kind of distribution: uniform between low and high"))
    low: float = Key(ge=0, about=("smallest draw", "draw unit"))
    high: float = Key(ge=0, about=("largest draw, above low", "draw unit"))

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high <= self.low:
            raise ValueError("high must be greater than low")
        return self

    def ppf(self, u: float) -> float:
        return self.shift + self.low + u * (self.high - self.low)

    def mean(self) -> float:
        return self.shift + (self.low + self.high) / 2


class Gamma(_Dist):
    """Gamma given by its ``mean`` and ``sd``."""

    dist: Literal["gamma"] = Key(about=("kind of distribution: gamma, given by its mean and sd"))
    mean_: float = Key(alias="mean", gt=0, about=("mean draw", "draw unit"))
    sd: float = Key(gt=0, about=("standard deviation of the draws", "draw unit"))

    @functools.cached_property
    def shape_scale(self) -> tuple[float, float]:
        """Shape and scale (minutes), computed once (``ppf`` runs on every draw)."""
        return (self.mean_ / self.sd) ** 2, self.sd**2 / self.mean_

    def ppf(self, u: float) -> float:
        shape, scale = self.shape_scale
        return self.shift + cython_special.gammaincinv(shape, u) * scale

    def mean(self) -> float:
        return self.shift + self.mean_


class Empirical(_Dist):
    """Resampling of observed ``values`` with equal weights."""

    dist: Literal["empirical"] = Key(about=("kind of distribution: empirical, one of the observed values"))
    values: list[Annotated[float, Field(ge=0)]] = Key(
        min_length=1, about=("observed values, each drawn with equal probability", "draw unit"))

    def ppf(self, u: float) -> float:
        return self.shift + self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def mean(self) -> float:
        return self.shift + sum(self.values) / len(self.values)


MAX_DRAW = 10_000_000.0
"""Largest draw a distribution may give (minutes: about 19 years)."""
MAX_MEAN = 525_600.0
"""Largest mean a distribution may have (minutes: one year); no clinical step or journey takes longer."""
TAIL = 1e-9
"""The percentiles :func:`draw_range` looks at: 0.000 000 1 and 99.999 999 9."""


def draw_range(dist: _Dist) -> tuple[float, float]:
    """The lowest and highest draws that matter: the :data:`TAIL` and ``1 - TAIL`` quantiles."""
    return dist.ppf(TAIL), dist.ppf(1 - TAIL)


def _sensible_draws(dist: _Dist) -> _Dist:
    """Refuse parameters whose draws are not finite numbers in [0, MAX_DRAW], or whose mean is beyond
    :data:`MAX_MEAN` (a year): the extreme percentiles and the mean are computed once here."""
    try:
        values = (*draw_range(dist), dist.mean())
    except (ArithmeticError, ValueError):
        raise ValueError("these parameters give no usable draws (numbers out of range)") from None
    low, high, mean = values
    if not all(math.isfinite(v) and 0 <= v <= MAX_DRAW for v in values):
        raise ValueError(f"these parameters give draws from {low:.3g} to {high:.3g} (mean {mean:.3g}); "
                         f"draws must lie between 0 and {MAX_DRAW:g}")
    if mean > MAX_MEAN:
        raise ValueError(f"mean draw {mean:.3g} is beyond a year ({MAX_MEAN:g} min): implausible for a clinical "
                         "step or a journey")
    return dist


Distribution = Annotated[
    Fixed | Exponential | LogNormal | Triangular | Uniform | Gamma | Empirical,
    Field(discriminator="dist"),
    AfterValidator(_sensible_draws),
]
"""Any distribution; the ``dist`` key chooses the kind."""

DIST_NAMES = ("fixed", "exponential", "lognormal", "triangular", "uniform", "gamma", "empirical")

SCALED_FIELDS: dict[str, tuple[str, ...]] = {
    "fixed": ("value",), "exponential": ("mean",), "lognormal": ("median", "p90", "mean", "sd"),
    "triangular": ("low", "mode", "high"), "uniform": ("low", "high"), "gamma": ("mean", "sd"),
    "empirical": ("values",),
}
"""For each kind, the parameters in the unit of the draw (location and scale): those :func:`scaled` multiplies.
``shift`` is one of them for every kind."""


def scaled(spec: Mapping[str, Any], k: float) -> dict[str, Any]:
    """The distribution ``spec`` (written as data) scaled as a whole by ``k``: every draw times ``k``.

    Each location and scale parameter (:data:`SCALED_FIELDS` and ``shift``) is multiplied by ``k``
    (and rounded to 12 significant digits, :func:`tidy`);
    shape parameters follow: a lognormal's ``median`` and ``p90`` (or ``mean`` and ``sd``) both scale,
    so its sigma is kept, and a gamma keeps its shape.  Every quantile, and so the mean, is ``k`` times
    the original's; the coefficient of variation is unchanged.

    Parameters
    ----------
    spec : mapping
        A distribution as a scenario writes it (``{"dist": "triangular", "low": 15, ...}``); parameters
        given as ``None`` (the unused lognormal pair) stay ``None``.
    k : float
        The factor, finite and > 0.

    Returns
    -------
    dict
        A new mapping of the same kind; ``spec`` is not changed.  It is not validated here (the scenario
        loader validates a scenario holding it).

    Raises
    ------
    ValueError
        If ``k`` is not a finite number above 0 or ``spec`` names no known kind.
    """
    if not (isinstance(k, int | float) and math.isfinite(k) and k > 0):
        raise ValueError(f"a scale factor must be a finite number above 0, got {k!r}")
    kind = spec.get("dist")
    if kind not in SCALED_FIELDS:
        raise ValueError(f"unknown distribution {kind!r} (known: {', '.join(DIST_NAMES)})")
    out = dict(spec)
    for name in (*SCALED_FIELDS[kind], "shift"):
        value = out.get(name)
        if isinstance(value, list):
            out[name] = [tidy(v * k) for v in value]
        elif value is not None:
            out[name] = tidy(value * k)
    return out


def tidy(x: float) -> float:
    """``x`` to 12 significant digits: ``0.011 * 1.25`` is ``0.01375``, not ``0.013749999999999998``."""
    return float(f"{x:.12g}")
