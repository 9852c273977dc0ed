"""Paired differences between scenarios run under common random numbers.

Two scenarios run with one seed see the same patients in replication ``r``
(every case draws its attributes from named streams when it is created), so
the difference ``other[r] - base[r]`` removes the variation the scenarios
share.  The mean difference has a Student-t interval on the differences
(scipy's ``ttest_rel(...).confidence_interval()``): usually much narrower
than the unpaired (Welch) interval computed as if the runs were independent,
which is reported beside it for contrast.

A replication in which either scenario has no value for a KPI (no case of
that kind) is left out of that KPI's pairs.  When every pair differs by
exactly zero the difference is known, not estimated: the interval is
``[0, 0]`` whatever the number of pairs.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
from scipy import stats

from sim.analysis.kpis import unit_of
from sim.analysis.labels import kpi_label

DIFFERENCE_COLUMNS = [
    "scenario", "kpi", "unit", "baseline_mean", "mean", "diff_mean", "diff_ci_low", "diff_ci_high",
    "n_pairs", "diff_pct", "unpaired_ci_low", "unpaired_ci_high", "paired_half_width", "unpaired_half_width",
    "correlation", "significant", "verdict",
]


@dataclass(frozen=True)
class Paired:
    """The paired comparison of one KPI; means are over the pairs where both have a value."""

    n_pairs: int
    baseline_mean: float
    mean: float
    diff_mean: float
    diff_ci_low: float
    diff_ci_high: float
    correlation: float


def paired_difference(base: np.ndarray, other: np.ndarray, confidence: float = 0.95) -> Paired:
    """Mean of ``other - base`` over finite pairs, with its t interval (units of the KPI)."""
    x, y = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    x, y = x[ok], y[ok]
    n = len(x)
    if n == 0:
        return Paired(0, math.nan, math.nan, math.nan, math.nan, math.nan, math.nan)
    d = y - x
    mean_d = float(d.mean())
    if np.all(d == 0):
        low = high = 0.0
    elif n < 2:
        low = high = math.nan
    elif np.all(d == d[0]):
        low = high = mean_d
    else:
        with warnings.catch_warnings():  # nearly constant differences: scipy warns of precision loss
            warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
            ci = stats.ttest_rel(y, x).confidence_interval(confidence)
        low, high = float(ci.low), float(ci.high)
    corr = float(np.corrcoef(x, y)[0, 1]) if n > 2 and x.std() > 0 and y.std() > 0 else math.nan
    return Paired(n, float(x.mean()), float(y.mean()), mean_d, low, high, corr)


def unpaired_interval(base: np.ndarray, other: np.ndarray, confidence: float = 0.95) -> tuple[float, float]:
    """Welch interval of ``mean(other) - mean(base)`` treating the runs as independent."""
    x, y = np.asarray(base, dtype=float), np.asarray(other, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) < 2 or len(y) < 2:
        return math.nan, math.nan
    if x.std() == 0 and y.std() == 0:
        diff = float(y.mean() - x.mean())
        return diff, diff
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        ci = stats.ttest_ind(y, x, equal_var=False).confidence_interval(confidence)
    return float(ci.low), float(ci.high)


def _fmt(value: float, unit: str) -> str:
    if unit == "fraction":
        return f"{value:.3f}"
    if unit == "count":
        return f"{value:.2f}"
    return f"{value:.1f}"


UNIT_WORDS = {"min": " min", "%": " percentage points", "fraction": "", "count": ""}


def verdict(name: str, kpi: str, p: Paired) -> str:
    """One plain-English sentence about the paired difference of ``kpi``."""
    label, unit = kpi_label(kpi), unit_of(kpi)
    words = UNIT_WORDS.get(unit, "")
    if p.n_pairs == 0:
        return f"{name}: {label} cannot be compared (no replication has a value in both)"
    if p.diff_ci_low == 0 and p.diff_ci_high == 0:
        return f"{name} leaves {label} unchanged (identical in all {p.n_pairs} paired replications)"
    if not math.isfinite(p.diff_ci_low):
        return f"{name}: {label} {p.diff_mean:+.3g}{words} from a single pair, too few for an interval"
    if p.diff_ci_low > 0 or p.diff_ci_high < 0:
        up = p.diff_mean > 0
        verb = ("lengthens" if up else "shortens") if unit == "min" else ("raises" if up else "lowers")
        low, high = (p.diff_ci_low, p.diff_ci_high) if up else (-p.diff_ci_high, -p.diff_ci_low)
        return (f"{name} {verb} {label} by {_fmt(abs(p.diff_mean), unit)}{words} "
                f"(95% CI {_fmt(low, unit)} to {_fmt(high, unit)})")
    return (f"{name} makes no clear difference to {label}: {_fmt(p.diff_mean, unit)}{words} "
            f"(95% CI {_fmt(p.diff_ci_low, unit)} to {_fmt(p.diff_ci_high, unit)} includes zero)")


def differences(base: pd.DataFrame, other: pd.DataFrame, name: str, confidence: float = 0.95) -> pd.DataFrame:
    """Paired differences of every KPI both replication tables hold, matched on ``replication``.

    Returns one row per KPI (columns :data:`DIFFERENCE_COLUMNS`); KPIs with
    no finite pair are left out.
    """
    merged = base.merge(other, on="replication", suffixes=("@base", "@other"))
    kpis = [k for k in base.columns if k != "replication" and k in other.columns]
    rows = []
    for kpi in kpis:
        x, y = merged[f"{kpi}@base"].to_numpy(float), merged[f"{kpi}@other"].to_numpy(float)
        p = paired_difference(x, y, confidence)
        if p.n_pairs == 0:
            continue
        u_low, u_high = unpaired_interval(base[kpi].to_numpy(float), other[kpi].to_numpy(float), confidence)
        rows.append({
            "scenario": name, "kpi": kpi, "unit": unit_of(kpi), **asdict(p),
            "diff_pct": 100 * p.diff_mean / abs(p.baseline_mean) if p.baseline_mean else math.nan,
            "unpaired_ci_low": u_low, "unpaired_ci_high": u_high,
            "paired_half_width": (p.diff_ci_high - p.diff_ci_low) / 2,
            "unpaired_half_width": (u_high - u_low) / 2,
            "significant": bool(p.diff_ci_low > 0 or p.diff_ci_high < 0),
            "verdict": verdict(name, kpi, p),
        })
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)
