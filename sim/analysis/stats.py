"""Statistics over replications: means, t-based confidence intervals, precision.

Replications are independent and identically distributed, so a KPI's mean
over replications has a Student-t confidence interval (scipy's
``t.interval``).  The precision check is the confidence-interval method:
the relative half-width must not exceed the precision asked, and the number
of replications that would achieve it is ``n * (half-width / target)^2``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.kpis import unit_of
from sim.analysis.pooled import POOLED_COLUMNS, pooled_intervals

SUMMARY_COLUMNS = ["kpi", "unit", "mean", "sd", "ci_low", "ci_high", "n", "half_width", "rel_half_width",
                   "precision_met", "replications_needed", "p10", "p50", "p90", *POOLED_COLUMNS]


def mean_ci(values: np.ndarray, confidence: float = 0.95) -> tuple[float, float, float, float, int]:
    """``(mean, sd, ci_low, ci_high, n)`` of the finite values; a zero-spread sample has a zero-width CI."""
    x = np.asarray(values, dtype=float)
    x = x[np.isfinite(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan, 0
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan, 1
    sd = float(x.std(ddof=1))
    if sd == 0:
        return mean, 0.0, mean, mean, n
    low, high = stats.t.interval(confidence, n - 1, loc=mean, scale=sd / math.sqrt(n))
    return mean, sd, float(low), float(high), n


def replications_needed(n: int, half_width: float, mean: float, precision: float) -> float:
    """Replications for a relative half-width of ``precision`` (confidence-interval method)."""
    if n < 2 or not math.isfinite(half_width) or mean == 0 or not math.isfinite(mean):
        return math.nan
    target = precision * abs(mean)
    if half_width <= target:
        return float(n)
    return float(math.ceil(n * (half_width / target) ** 2))


def summarise(replications: pd.DataFrame, case_values: dict[str, pd.Series] | None = None,
              precision: float = 0.05, confidence: float = 0.95) -> pd.DataFrame:
    """One row per KPI: mean, sd, CI, n, precision and, for case-level KPIs, percentiles.

    ``case_values`` maps a KPI to its pooled case-level values; their 10th,
    50th and 90th percentiles describe the spread patients see, as opposed
    to the CI, which describes the uncertainty of the mean.  When indexed by
    replication they also give the :data:`sim.analysis.pooled.POOLED_COLUMNS`:
    bootstrap intervals of p50 and p90 and the mean over all cases pooled
    (``per_case``: for a share, the share of cases) with its interval.
    """
    rows = []
    case_values = case_values or {}
    for kpi in replications.columns.drop("replication", errors="ignore"):
        mean, sd, low, high, n = mean_ci(replications[kpi].to_numpy(), confidence)
        half = (high - low) / 2 if n >= 2 else math.nan
        rel = half / abs(mean) if n >= 2 and mean else math.nan
        pooled = case_values.get(kpi)
        spread = pooled is not None and bool(pooled.notna().any()) and unit_of(kpi) != "%"  # shares: 0 or 100
        pcts = np.nanpercentile(pooled, [10, 50, 90]) if spread and pooled is not None else [math.nan] * 3
        rows.append({
            "kpi": kpi, "unit": unit_of(kpi), "mean": mean, "sd": sd, "ci_low": low, "ci_high": high, "n": n,
            "half_width": half, "rel_half_width": rel,
            "precision_met": bool(rel <= precision) if math.isfinite(rel) else (half == 0),
            "replications_needed": replications_needed(n, half, mean, precision),
            "p10": pcts[0], "p50": pcts[1], "p90": pcts[2],
            **(pooled_intervals(pooled, confidence, percentiles=spread) if pooled is not None else {}),
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
