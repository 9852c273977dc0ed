"""Distributions as data: means, quantiles against scipy.stats, and refused parameters."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from pydantic import TypeAdapter, ValidationError
from scipy import stats

from sim.scenario.distributions import DIST_NAMES, SCALED_FIELDS, Distribution, scaled

DIST = TypeAdapter(Distribution)
N = 40_000
Z = 4.0  # |sample mean - mean| <= Z standard errors: fails by chance about once in 16,000 seeds


def make(spec: dict):
    return DIST.validate_python(spec)


def sample(dist, n: int = N, seed: int = 2024) -> np.ndarray:
    """Draws by inversion of seeded uniforms, exactly as the model draws them."""
    u = np.random.default_rng(seed).random(n)
    return np.array([dist.ppf(float(x)) for x in u])


def reference(spec: dict):
    """The same distribution built independently with scipy.stats (shift included)."""
    kind, shift = spec["dist"], spec.get("shift", 0.0)
    if kind == "exponential":
        return stats.expon(loc=shift, scale=spec["mean"])
    if kind == "uniform":
        return stats.uniform(loc=shift + spec["low"], scale=spec["high"] - spec["low"])
    if kind == "triangular":
        width = spec["high"] - spec["low"]
        return stats.triang((spec["mode"] - spec["low"]) / width, loc=shift + spec["low"], scale=width)
    if kind == "gamma":
        shape = (spec["mean"] / spec["sd"]) ** 2
        return stats.gamma(shape, loc=shift, scale=spec["mean"] / shape)
    if kind == "lognormal" and "median" in spec:
        sigma = math.log(spec["p90"] / spec["median"]) / stats.norm.ppf(0.9)
        return stats.lognorm(sigma, loc=shift, scale=spec["median"])
    if kind == "lognormal":
        sigma2 = math.log1p((spec["sd"] / spec["mean"]) ** 2)
        return stats.lognorm(math.sqrt(sigma2), loc=shift, scale=spec["mean"] * math.exp(-sigma2 / 2))
    raise AssertionError(kind)


CONTINUOUS = [
    {"dist": "exponential", "mean": 12.5},
    {"dist": "exponential", "mean": 3, "shift": 10},
    {"dist": "uniform", "low": 10, "high": 20},
    {"dist": "triangular", "low": 15, "mode": 30, "high": 60},
    {"dist": "triangular", "low": 0, "mode": 0, "high": 9},
    {"dist": "triangular", "low": 2, "mode": 9, "high": 9, "shift": 1},
    {"dist": "gamma", "mean": 4.1, "sd": 0.45},
    {"dist": "gamma", "mean": 30, "sd": 45},
    {"dist": "lognormal", "median": 25, "p90": 49.5},
    {"dist": "lognormal", "median": 720, "p90": 2688, "shift": 5},
    {"dist": "lognormal", "mean": 38, "sd": 14},
]
ALL = [*CONTINUOUS, {"dist": "fixed", "value": 7.5}, {"dist": "fixed", "value": 0, "shift": 3},
       {"dist": "empirical", "values": [3, 5, 5, 11, 40]}]


def _id(spec: dict) -> str:
    return spec["dist"] + "(" + ",".join(f"{k}={v}" for k, v in spec.items() if k != "dist") + ")"


@pytest.mark.parametrize("spec", ALL, ids=_id)
def test_sample_mean_matches_declared_mean(spec):
    dist = make(spec)
    x = sample(dist)
    sd = float(np.std(x, ddof=1))
    tolerance = Z * sd / math.sqrt(len(x)) + 1e-9
    assert abs(x.mean() - dist.mean()) <= tolerance


@pytest.mark.parametrize("spec", CONTINUOUS, ids=_id)
def test_mean_and_quantiles_agree_with_scipy(spec):
    dist, ref = make(spec), reference(spec)
    assert dist.mean() == pytest.approx(ref.mean(), rel=1e-9)
    for q in (0.001, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999):
        assert dist.ppf(q) == pytest.approx(ref.ppf(q), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("spec", CONTINUOUS, ids=_id)
def test_samples_follow_the_scipy_distribution(spec):
    result = stats.kstest(sample(make(spec), n=5_000, seed=7), reference(spec).cdf)
    assert result.pvalue > 1e-4


def test_lognormal_by_median_and_p90_reproduces_both():
    dist = make({"dist": "lognormal", "median": 25, "p90": 49.5})
    assert dist.ppf(0.5) == pytest.approx(25, rel=1e-12)
    assert dist.ppf(0.9) == pytest.approx(49.5, rel=1e-12)
    mu, sigma = dist.mu_sigma
    ref = stats.lognorm(sigma, scale=math.exp(mu))
    assert ref.median() == pytest.approx(25, rel=1e-12)
    assert ref.ppf(0.9) == pytest.approx(49.5, rel=1e-12)


def test_lognormal_by_mean_and_sd_reproduces_both():
    dist = make({"dist": "lognormal", "mean": 38, "sd": 14})
    mu, sigma = dist.mu_sigma
    ref = stats.lognorm(sigma, scale=math.exp(mu))  # scipy's lognormal with the project's parameters
    assert ref.mean() == pytest.approx(38, rel=1e-12)
    assert ref.std() == pytest.approx(14, rel=1e-12)
    assert dist.mean() == pytest.approx(38, rel=1e-12)


def test_shift_adds_a_constant_to_every_draw():
    base = make({"dist": "triangular", "low": 1, "mode": 2, "high": 5})
    shifted = make({"dist": "triangular", "low": 1, "mode": 2, "high": 5, "shift": 10})
    for u in (0.0, 0.2, 0.5, 0.99):
        assert shifted.ppf(u) == pytest.approx(base.ppf(u) + 10)
    assert shifted.mean() == pytest.approx(base.mean() + 10)


def test_empirical_draws_each_value_with_equal_weight():
    values = [3.0, 5.0, 11.0, 40.0]
    dist = make({"dist": "empirical", "values": values})
    x = sample(dist, n=20_000, seed=3)
    assert set(np.unique(x)) == set(values)
    counts = np.array([(x == v).sum() for v in values])
    assert stats.chisquare(counts).pvalue > 1e-4
    assert dist.ppf(0.0) == 3.0
    assert dist.ppf(np.nextafter(1.0, 0.0)) == 40.0


def test_fixed_ignores_its_uniform():
    dist = make({"dist": "fixed", "value": 12})
    assert {dist.ppf(u) for u in (0.0, 0.3, 0.999)} == {12.0}


def test_uniforms_map_monotonically_to_draws():
    """Inversion keeps common random numbers aligned: a larger uniform never gives a shorter duration."""
    u = np.linspace(0, 0.999, 200)
    for spec in CONTINUOUS:
        draws = [make(spec).ppf(float(x)) for x in u]
        assert all(a <= b for a, b in itertools.pairwise(draws)), spec


INVALID = {
    "p90 below median": {"dist": "lognormal", "median": 30, "p90": 20},
    "p90 equal to median": {"dist": "lognormal", "median": 30, "p90": 30},
    "both parametrisations": {"dist": "lognormal", "median": 30, "p90": 45, "mean": 30, "sd": 5},
    "neither parametrisation": {"dist": "lognormal", "median": 30},
    "negative lognormal sd": {"dist": "lognormal", "mean": 30, "sd": -1},
    "triangular low above high": {"dist": "triangular", "low": 10, "mode": 5, "high": 1},
    "triangular mode outside": {"dist": "triangular", "low": 1, "mode": 9, "high": 5},
    "triangular zero width": {"dist": "triangular", "low": 4, "mode": 4, "high": 4},
    "uniform low above high": {"dist": "uniform", "low": 10, "high": 5},
    "uniform zero width": {"dist": "uniform", "low": 5, "high": 5},
    "negative fixed": {"dist": "fixed", "value": -1},
    "negative shift": {"dist": "exponential", "mean": 5, "shift": -2},
    "zero exponential mean": {"dist": "exponential", "mean": 0},
    "negative uniform low": {"dist": "uniform", "low": -5, "high": 5},
    "zero gamma sd": {"dist": "gamma", "mean": 5, "sd": 0},
    "negative gamma mean": {"dist": "gamma", "mean": -5, "sd": 1},
    "empty empirical": {"dist": "empirical", "values": []},
    "negative empirical value": {"dist": "empirical", "values": [1, -1]},
    "unknown parameter": {"dist": "exponential", "mean": 5, "rate": 0.2},
    "unknown kind": {"dist": "weibull", "shape": 2},
    "missing parameter": {"dist": "triangular", "low": 1, "high": 5},
}


@pytest.mark.parametrize("spec", INVALID.values(), ids=INVALID.keys())
def test_invalid_parameters_are_refused(spec):
    with pytest.raises(ValidationError):
        make(spec)


# Scaling a distribution as a whole (sensitivity analysis).

SCALE_FACTORS = (0.75, 1.25, 3.0)


def test_every_kind_of_distribution_knows_which_parameters_scale():
    assert set(SCALED_FIELDS) == set(DIST_NAMES)


@pytest.mark.parametrize("k", SCALE_FACTORS)
@pytest.mark.parametrize("spec", ALL, ids=_id)
def test_a_scaled_distribution_has_k_times_every_quantile_and_the_mean(spec, k):
    dist, bigger = make(spec), make(scaled(spec, k))
    assert bigger.mean() == pytest.approx(k * dist.mean(), rel=1e-9)
    for u in (0.0, 0.01, 0.3, 0.5, 0.9, 0.999):
        assert bigger.ppf(u) == pytest.approx(k * dist.ppf(u), rel=1e-9)


@pytest.mark.parametrize("spec", CONTINUOUS, ids=_id)
def test_a_scaled_distribution_samples_at_k_times_the_scipy_mean_and_sd(spec):
    k = 1.25
    ref = reference(spec)
    x = sample(make(scaled(spec, k)))
    assert abs(x.mean() - k * ref.mean()) <= Z * k * ref.std() / math.sqrt(len(x))
    assert np.std(x, ddof=1) == pytest.approx(k * ref.std(), rel=0.1)
    assert stats.kstest(x[:5_000] / k, ref.cdf).pvalue > 1e-4


def test_scaling_leaves_the_spec_unchanged_and_the_unused_lognormal_pair_unset():
    spec = {"dist": "lognormal", "median": 25.0, "p90": 49.5, "mean": None, "sd": None, "shift": 2.0}
    out = scaled(spec, 0.5)
    assert out == {"dist": "lognormal", "median": 12.5, "p90": 24.75, "mean": None, "sd": None, "shift": 1.0}
    assert spec["median"] == 25.0


def test_scaled_numbers_have_no_binary_noise():
    assert scaled({"dist": "exponential", "mean": 0.011}, 1.25)["mean"] == 0.01375


@pytest.mark.parametrize("k", [0, -1, math.nan, math.inf, "2"])
def test_a_scale_factor_must_be_a_finite_number_above_zero(k):
    with pytest.raises(ValueError, match="finite number above 0"):
        scaled({"dist": "fixed", "value": 3}, k)


def test_scaling_an_unknown_kind_is_refused():
    with pytest.raises(ValueError, match="unknown distribution"):
        scaled({"dist": "weibull", "scale": 3}, 2)
