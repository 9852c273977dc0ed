"""Case-pooled statistics with intervals from a bootstrap over replications.

A planner quotes what patients see: the median and 90th percentile of the
cases' intervals, and the share of cases within target.  Cases of one
replication are not independent (they share its queues), replications are;
so the intervals resample **replications** (scipy's ``stats.bootstrap``,
percentile method, seeded), each resample pooling the cases of the
replications it drew, as many times as drawn.

Percentiles are the inverted empirical CDF (the smallest value with at least
the share ``q`` of cases at or below it: numpy's ``inverted_cdf``); with more
than :data:`GRID_POINTS` distinct values, candidate values are the pooled
sample's quantiles at that many levels, so a bound may sit up to one such
step above the exact one.  Units are those of the values (minutes, or 0/100
per case for a share).
"""

from __future__ import annotations

import functools
import math
import warnings

import numpy as np
import pandas as pd

BOOTSTRAP_SEED = 20261130
"""Seed of the bootstrap's resampling, so that ``summary.csv`` is reproducible."""
N_RESAMPLES = 999
GRID_POINTS = 2000
QUANTILES = (0.5, 0.9)
POOLED_COLUMNS = ["p50_low", "p50_high", "p90_low", "p90_high", "per_case", "per_case_low", "per_case_high"]
"""``summary.csv`` columns from :func:`pooled_intervals`."""


def _cumulative_counts(values: np.ndarray, reps: np.ndarray, n_reps: int) -> tuple[np.ndarray, np.ndarray]:
    """``(grid, counts)``: candidate values and, per replication, how many of its values are at or below each."""
    unique = np.unique(values)
    grid = unique if len(unique) <= GRID_POINTS else np.unique(np.quantile(values, np.linspace(0, 1, GRID_POINTS),
                                                                           method="inverted_cdf"))
    position = np.searchsorted(grid, values, side="left")  # the first grid value at or above each value
    counts = np.zeros((n_reps, len(grid)))
    np.add.at(counts, (reps, position), 1.0)
    return grid, np.cumsum(counts, axis=1)


@functools.lru_cache(maxsize=4096)
def exact_interval(successes: int, trials: int, confidence: float) -> tuple[float, float]:
    """Clopper-Pearson interval ``(low, high)`` of ``successes`` out of ``trials`` (> 0), as fractions
    (scipy's ``binomtest(k, n).proportion_ci(method="exact")``).  Remembered: a summary asks for the same
    counts twice (the replications' pooled shares and the pooled case values)."""
    from scipy import stats  # imported on first use: scipy.stats takes a second or two to import

    ci = stats.binomtest(successes, trials).proportion_ci(confidence, method="exact")
    return float(ci.low), float(ci.high)


def resample_weights(idx: np.ndarray, n_reps: int) -> np.ndarray:
    """``(resamples, n_reps)``: how many times each resample (a row of replication positions) drew each one."""
    rows = np.repeat(np.arange(len(idx)), idx.shape[1]) * n_reps + idx.ravel()
    return np.bincount(rows, minlength=len(idx) * n_reps).reshape(len(idx), n_reps).astype(float)


def first_reaching(weights: np.ndarray, cum: np.ndarray, level: np.ndarray) -> np.ndarray:
    """Per resample (row of ``weights``), the first grid position ``j`` whose pooled count ``weights @ cum[:, j]``
    reaches ``level``, or ``cum.shape[1]`` if none does: the count of positions below ``level``, found by a
    binary search (the pooled counts never fall along the grid) instead of pooling every grid value.
    Counts are whole numbers, so every sum is exact whatever its order."""
    low, high = np.zeros(len(weights), dtype=np.intp), np.full(len(weights), cum.shape[1], dtype=np.intp)
    while (open_ := low < high).any():
        mid = np.minimum((low + high) // 2, cum.shape[1] - 1)
        reached = (weights * cum[:, mid].T).sum(axis=1) >= level
        high = np.where(open_ & reached, mid, high)
        low = np.where(open_ & ~reached, mid + 1, low)
    return low


def pooled_intervals(values: pd.Series, confidence: float = 0.95, n_resamples: int = N_RESAMPLES,
                     seed: int = BOOTSTRAP_SEED, percentiles: bool = True) -> dict[str, float]:
    """Bootstrap intervals of the pooled p50, p90 and mean of case values.

    Parameters
    ----------
    values : per-case values indexed by their replication (NaN ignored).
    confidence : two-sided level of the intervals.
    n_resamples, seed : of the bootstrap over replications.
    percentiles : False for a share (every case 0 or 100): the percentile intervals stay empty, and the
        share's interval is widened to at least the exact (Clopper-Pearson) binomial interval of the pooled
        counts, so that few cases never give a narrow interval (2 of 2 within target: 16% to 100%).

    Returns
    -------
    The :data:`POOLED_COLUMNS`: ``p50_low, p50_high, p90_low, p90_high``;
    ``per_case`` (the mean over all cases pooled: for a ``*_pct`` KPI the share
    of cases) with ``per_case_low, per_case_high``.  Intervals are NaN with
    fewer than two replications with values; everything is NaN without values.
    """
    out = dict.fromkeys(POOLED_COLUMNS, math.nan)
    v = values.dropna()
    if v.empty:
        return out
    x = v.to_numpy(dtype=float)
    out["per_case"] = float(x.mean())
    rep_ids, reps = np.unique(v.index.to_numpy(), return_inverse=True)
    if not percentiles:  # a share: never narrower than the exact binomial interval of the pooled cases
        low, high = exact_interval(int((x > 0).sum()), len(x), confidence)
        out["per_case_low"], out["per_case_high"] = 100.0 * low, 100.0 * high
    if len(rep_ids) < 2:
        return out
    grid, cum = _cumulative_counts(x, reps, len(rep_ids))
    sums = np.bincount(reps, weights=x, minlength=len(rep_ids))

    def statistic(idx: np.ndarray, axis: int = -1) -> np.ndarray:
        idx = np.moveaxis(np.atleast_2d(idx), axis, -1)
        flat = idx.reshape(-1, idx.shape[-1])
        weights = resample_weights(flat, len(rep_ids))
        total = (weights * cum[:, -1]).sum(axis=1)  # cases pooled, per resample
        res = [grid[np.minimum(first_reaching(weights, cum, q * total), len(grid) - 1)] for q in QUANTILES]
        res.append(weights @ sums / total)
        return np.stack(res).reshape(len(res), *idx.shape[:-1])

    from scipy import stats

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a resample of identical values is a legitimate, degenerate answer
        result = stats.bootstrap((np.arange(len(rep_ids)),), statistic, n_resamples=n_resamples, batch=100,
                                 vectorized=True, confidence_level=confidence, method="percentile",
                                 rng=np.random.default_rng(seed))
    low, high = result.confidence_interval
    for i, name in enumerate(("p50", "p90") if percentiles else ()):
        out[f"{name}_low"], out[f"{name}_high"] = float(low[i]), float(high[i])
    out["per_case_low"] = float(np.fmin(low[2], out["per_case_low"]))
    out["per_case_high"] = float(np.fmax(high[2], out["per_case_high"]))
    return out
