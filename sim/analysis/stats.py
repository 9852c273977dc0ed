"""Statistics over replications: means, t-based confidence intervals, precision.

Replications are independent and identically distributed, so a KPI's mean
over replications has a Student-t confidence interval (scipy's
``t.interval``).  The precision check is the confidence-interval method:
the relative half-width must not exceed the precision asked, and the number
of replications that would achieve it is ``n * (half-width / target)^2``.

Two guards keep an interval from claiming more than the data hold:

- **shares** (``_pct`` KPIs that are a share of cases): with few cases the t
  interval over replications can have zero width (two of two cases within
  target in every replication that had one gives "100 to 100").  Their
  interval is the union of the t interval and the exact binomial
  (Clopper-Pearson) interval of the cases pooled over replications
  (scipy's ``binomtest(k, n).proportion_ci(method="exact")``; Clopper and
  Pearson 1934, Biometrika 26(4):404-413), so it is never narrower than
  what the pooled counts support;
- **possible values**: bounds are cut to what the KPI can take (no negative
  delay or count, no share above 100%, :data:`sim.analysis.kpis.POSSIBLE`),
  and ``ci_clipped`` says when.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.kpis import shown_interval, unit_of
from sim.analysis.pooled import POOLED_COLUMNS, exact_interval, pooled_intervals

SUMMARY_COLUMNS = ["kpi", "unit", "mean", "sd", "ci_low", "ci_high", "n", "half_width", "rel_half_width",
                   "precision_met", "replications_needed", "p10", "p50", "p90", "ci_clipped", "successes", "trials",
                   *POOLED_COLUMNS]


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
    from scipy import stats  # imported on first use: scipy.stats takes a second or two to import

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


def exact_share_ci(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Clopper-Pearson interval of a share, in percent: ``(low, high)``; NaN for no trials."""
    if trials <= 0:
        return math.nan, math.nan
    low, high = exact_interval(int(successes), int(trials), confidence)
    return 100.0 * low, 100.0 * high


def share_counts_of(kpi: str, pooled: pd.Series | None) -> tuple[int, int] | None:
    """``(successes, trials)`` of a share KPI (``%``) from its pooled per-case values (100 or 0 per
    case), or None when ``kpi`` is not such a share: every share of cases gets the exact floor,
    whether or not the run kept its counts apart."""
    if pooled is None or unit_of(kpi) != "%":
        return None
    x = pd.to_numeric(pooled, errors="coerce").dropna()
    if not len(x) or not x.isin([0.0, 100.0]).all():
        return None
    return int((x == 100.0).sum()), len(x)


def pooled_shares(parts: pd.DataFrame) -> dict[str, tuple[int, int]]:
    """KPI -> ``(successes, trials)`` summed over replications, from the ``shares`` parts
    (columns ``kpi``, ``successes``, ``trials``; see :func:`sim.analysis.kpis.share_counts`)."""
    if parts.empty:
        return {}
    total = parts.groupby("kpi", sort=False)[["successes", "trials"]].sum()
    return {str(k): (int(r.successes), int(r.trials)) for k, r in total.iterrows()}


def widened(low: float, high: float, exact: tuple[float, float]) -> tuple[float, float]:
    """The union of an interval with another (either may be NaN: the other is kept)."""
    lows, highs = [x for x in (low, exact[0]) if math.isfinite(x)], [x for x in (high, exact[1]) if math.isfinite(x)]
    return (min(lows) if lows else math.nan), (max(highs) if highs else math.nan)


def summarise(replications: pd.DataFrame, case_values: dict[str, pd.Series] | None = None,
              precision: float = 0.05, confidence: float = 0.95,
              shares: dict[str, tuple[int, int]] | None = None) -> pd.DataFrame:
    """One row per KPI: mean, sd, CI, n, precision and, for case-level KPIs, percentiles.

    ``case_values`` maps a KPI to its pooled case-level values; their 10th,
    50th and 90th percentiles describe the spread patients see, as opposed
    to the CI, which describes the uncertainty of the mean.  ``shares`` maps
    a share KPI (%) to its ``(successes, trials)`` pooled over replications
    (:func:`pooled_shares`): its interval is widened to hold the
    Clopper-Pearson interval of those counts (:func:`exact_share_ci`).  Every
    interval is then cut to the values its KPI can take (``ci_clipped``);
    half-width and precision are those of the interval reported.  When indexed by
    replication the case values also give the
    :data:`sim.analysis.pooled.POOLED_COLUMNS`: bootstrap intervals of p50
    and p90 and the mean over all cases pooled (``per_case``: for a share,
    the share of cases) with its interval.
    """
    rows = []
    case_values, shares = case_values or {}, shares or {}
    for kpi in replications.columns.drop("replication", errors="ignore"):
        mean, sd, low, high, n = mean_ci(replications[kpi].to_numpy(), confidence)
        k: float = math.nan
        trials: float = math.nan
        counts = shares.get(kpi) or share_counts_of(kpi, case_values.get(kpi))
        if counts is not None:
            k, trials = counts
            low, high = widened(low, high, exact_share_ci(int(k), int(trials), confidence))
        clipped = False
        if math.isfinite(low) and math.isfinite(high):
            low, high, clipped = shown_interval(kpi, low, high)
        half = (high - low) / 2 if math.isfinite(low) and math.isfinite(high) else math.nan
        rel = half / abs(mean) if math.isfinite(half) and mean else math.nan
        pooled = case_values.get(kpi)
        spread = pooled is not None and bool(pooled.notna().any()) and unit_of(kpi) != "%"  # shares: 0 or 100
        pcts = np.nanpercentile(pooled, [10, 50, 90]) if spread and pooled is not None else [math.nan] * 3
        rows.append({
            "kpi": kpi, "unit": unit_of(kpi), "mean": mean, "sd": sd, "ci_low": low, "ci_high": high, "n": n,
            "half_width": half, "rel_half_width": rel,
            "precision_met": n >= 2 and (bool(rel <= precision) if math.isfinite(rel) else bool(half == 0)),
            "replications_needed": replications_needed(n, half, mean, precision),
            "p10": pcts[0], "p50": pcts[1], "p90": pcts[2],
            "ci_clipped": clipped, "successes": k, "trials": trials,
            **(pooled_intervals(pooled, confidence, percentiles=spread) if pooled is not None else {}),
        })
    return pd.DataFrame(rows, columns=SUMMARY_COLUMNS)
