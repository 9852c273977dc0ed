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

A comparison tests some 40 KPIs at once, so at the 5% level about two would
look different by chance alone.  A difference is called *significant* only
when its paired t-test p-value (``scipy.stats.ttest_rel``), adjusted by
Holm's step-down method over every KPI compared for that scenario
(:func:`sim.analysis.regress.holm`; Holm 1979, Scandinavian Journal of
Statistics 6(2):65-70), is below ``alpha``: the chance of calling any
unchanged KPI different stays at most ``alpha``.  The intervals shown are
the per-KPI 95% intervals, unadjusted.
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
from sim.analysis.regress import holm, paired_p

DIFFERENCE_COLUMNS = [
    "scenario", "kpi", "unit", "baseline_mean", "mean", "diff_mean", "diff_ci_low", "diff_ci_high",
    "n_pairs", "diff_pct", "unpaired_ci_low", "unpaired_ci_high", "paired_half_width", "unpaired_half_width",
    "correlation", "p_value", "p_holm", "significant", "verdict",
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
    if unit == "cost":
        return f"{value:,.0f}"
    if unit == "fraction":
        return f"{value:.3f}"
    if unit == "count":
        return f"{value:.2f}"
    return f"{value:.1f}"


UNIT_WORDS = {"min": " min", "%": " percentage points", "fraction": "", "count": "", "h": " h", "d": " days",
              "cost": ""}


def verdict(name: str, kpi: str, p: Paired, p_holm: float = math.nan, tested: int = 1,
            alpha: float = 0.05) -> str:
    """One plain-English sentence about the paired difference of ``kpi``.

    ``p_holm`` is the Holm-adjusted p-value over the ``tested`` KPIs of the comparison; a difference
    whose interval excludes zero is called clear only if ``p_holm < alpha`` (without ``p_holm``, NaN,
    the interval alone decides, as for a single KPI).
    """
    label, unit = kpi_label(kpi), unit_of(kpi)
    words = UNIT_WORDS.get(unit, "")
    if p.n_pairs == 0:
        return f"{name}: {label} cannot be compared (no replication has a value in both)"
    if p.diff_ci_low == 0 and p.diff_ci_high == 0:
        return f"{name} leaves {label} unchanged (identical in all {p.n_pairs} paired replications)"
    if not math.isfinite(p.diff_ci_low):
        return f"{name}: {label} {p.diff_mean:+.3g}{words} from a single pair, too few for an interval"
    ci = f"95% CI {_fmt(p.diff_ci_low, unit)} to {_fmt(p.diff_ci_high, unit)}"
    adjusted = f"Holm-adjusted p = {p_holm:.2g} over {tested} KPIs" if math.isfinite(p_holm) else ""
    if (p.diff_ci_low > 0 or p.diff_ci_high < 0) and not (p_holm >= alpha):
        up = p.diff_mean > 0
        verb = ("lengthens" if up else "shortens") if unit == "min" else ("raises" if up else "lowers")
        low, high = (p.diff_ci_low, p.diff_ci_high) if up else (-p.diff_ci_high, -p.diff_ci_low)
        return (f"{name} {verb} {label} by {_fmt(abs(p.diff_mean), unit)}{words} "
                f"(95% CI {_fmt(low, unit)} to {_fmt(high, unit)}" + (f"; {adjusted})" if adjusted else ")"))
    if p.diff_ci_low > 0 or p.diff_ci_high < 0:
        return (f"{name} makes no clear difference to {label} once {tested} KPIs tested at once are allowed for: "
                f"{_fmt(p.diff_mean, unit)}{words} ({ci} excludes zero, but {adjusted})")
    return (f"{name} makes no clear difference to {label}: {_fmt(p.diff_mean, unit)}{words} "
            f"({ci} includes zero)")


def differences(base: pd.DataFrame, other: pd.DataFrame, name: str, confidence: float = 0.95,
                alpha: float = 0.05) -> pd.DataFrame:
    """Paired differences of every KPI both replication tables hold, matched on ``replication``.

    Returns one row per KPI (columns :data:`DIFFERENCE_COLUMNS`); KPIs with
    no finite pair are left out.  ``p_value`` is the paired t-test's
    (:func:`sim.analysis.regress.paired_p`; empty with fewer than two pairs), ``p_holm`` its Holm
    adjustment over the KPIs of this table with a p-value, and ``significant`` is ``p_holm < alpha``.
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
            "unpaired_half_width": (u_high - u_low) / 2, "p_value": paired_p(x, y), "paired": p,
        })
    pvalues = np.array([r["p_value"] for r in rows], dtype=float)
    tested = np.isfinite(pvalues)
    adjusted = np.full(len(rows), math.nan)
    adjusted[tested] = holm(pvalues[tested])
    for row, p_holm in zip(rows, adjusted, strict=True):
        p = row.pop("paired")
        row.update(p_holm=p_holm, significant=bool(p_holm < alpha),
                   verdict=verdict(name, row["kpi"], p, p_holm, int(tested.sum()), alpha))
    return pd.DataFrame(rows, columns=DIFFERENCE_COLUMNS)
