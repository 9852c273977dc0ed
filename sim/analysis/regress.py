"""Regression verdicts: did the outputs of a candidate run change against a baseline?

Two modes (pure functions here; reading folders is :mod:`sim.checks`):

**Exact** applies when both runs used the same resolved scenario (sha256),
seed, number of replications, ihsim version and numpy version (numpy
promises identical random streams only on the same build).  Then every
table must be identical, value for value (NaN equals NaN); any difference
is reported and counts as a regression.

**Statistical** applies otherwise.  The rule, per KPI (a column of
``replications.csv`` present in both runs):

1. A two-sided p-value for equal means.  Runs with different seeds are
   independent: Welch's t-test on the per-replication values
   (``scipy.stats.ttest_ind`` with ``equal_var=False``).  Runs with the same
   seed share their random numbers replication by replication (common
   random numbers), so the paired t-test on the per-replication differences
   (``scipy.stats.ttest_rel``) is valid and far more sensitive.  KPIs with
   fewer than two values (or pairs) are "not tested".
2. Holm's step-down correction across all tested KPIs, so the chance of
   any false alarm in one check (family-wise error) is at most ``alpha``.
3. A KPI *regressed* only if its Holm-adjusted p-value is below ``alpha``
   **and** the difference of means exceeds the practical tolerance,
   ``max(rel_tolerance * |baseline mean|, abs_tolerance)``: a tiny but
   "significant" shift is not worth a red build.
4. A KPI present in the baseline but missing from the candidate regressed;
   so did one that had values in the baseline and has none in the
   candidate (``vanished``: e.g. no baby is delivered any more, so every
   delivery KPI is empty), unless that could well be luck: a rare KPI (a
   per-urgency DDI with few such cases) with values in a share ``f`` of the
   baseline's replications has none in all ``N`` of the candidate's with
   probability about ``(1 - f)^N``, and vanishes only when that is below
   ``alpha`` (a KPI with values in every baseline replication always does).
   A new KPI is reported, not counted.
5. Each tested KPI gets its *minimum detectable difference* (``detectable``,
   in KPI units): the smallest true change of the mean that this check
   would flag with 80% power, given the replications' sd and n.  It is
   the noncentral-t power of the two-sided t-test (Cohen 1988, *Statistical
   Power Analysis for the Behavioral Sciences*, 2nd ed., ch. 2; the
   computation of statsmodels' ``TTestPower``), solved for the effect, at
   the level ``alpha / m`` that Holm's first step asks of a lone change among
   ``m`` tested KPIs.  Standard error and degrees of freedom are the paired
   test's (sd of the differences / sqrt(n), n - 1) or Welch's.  A change
   smaller than the tolerance is never flagged, whatever its size against
   this.

A change of seed leaves the verdict "no regression" with probability at
least ``1 - alpha`` (Holm bounds the family-wise error under any dependence
between KPIs); a real change larger than the tolerance is flagged once the
replications resolve it.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.analysis.kpis import unit_of

VERDICT_COLUMNS = ["kpi", "unit", "base_mean", "cand_mean", "diff", "rel_diff_pct", "n_base", "n_cand",
                   "test", "p_value", "p_holm", "tolerance", "detectable", "verdict"]
POWER = 0.8
"""Power at which the minimum detectable difference is given."""
EXACT_KEYS = ("scenario_sha256", "seed", "replications", "ihsim_version")


@dataclass(frozen=True)
class Rule:
    """The statistical rule's thresholds: ``alpha`` (family-wise), tolerances in KPI units or relative."""

    alpha: float = 0.05
    rel_tolerance: float = 0.05
    abs_tolerance: float = 0.0


def holm(pvalues: np.ndarray) -> np.ndarray:
    """Holm-adjusted p-values: ``max over j <= i of min(1, (m - j) * p_(j))`` in sorted order."""
    p = np.asarray(pvalues, dtype=float)
    m = len(p)
    if m == 0:
        return p
    order = np.argsort(p, kind="stable")
    scaled = np.minimum(1.0, (m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.maximum.accumulate(scaled)
    return adjusted


def welch_p(base: np.ndarray, cand: np.ndarray) -> float:
    """Two-sided Welch p-value of equal means; constant samples give 1 (equal) or 0 (different)."""
    x, y = np.asarray(base, dtype=float), np.asarray(cand, dtype=float)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) < 2 or len(y) < 2:
        return math.nan
    if x.std() == 0 and y.std() == 0:
        return 1.0 if x[0] == y[0] else 0.0
    with warnings.catch_warnings():  # nearly constant samples: scipy warns of precision loss
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        return float(stats.ttest_ind(y, x, equal_var=False).pvalue)


def paired_p(base: np.ndarray, cand: np.ndarray) -> float:
    """Two-sided paired t p-value over finite pairs; constant differences give 1 (all zero) or 0."""
    x, y = np.asarray(base, dtype=float), np.asarray(cand, dtype=float)
    ok = np.isfinite(x) & np.isfinite(y)
    d = y[ok] - x[ok]
    if len(d) < 2:
        return math.nan
    if np.all(d == d[0]):
        return 1.0 if d[0] == 0 else 0.0
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Precision loss", RuntimeWarning)
        return float(stats.ttest_rel(y[ok], x[ok]).pvalue)


def detectable_difference(se: float, df: float, alpha: float, power: float = POWER) -> float:
    """Smallest true difference a two-sided t-test at level ``alpha`` detects with probability ``power``.

    ``se`` is the standard error of the difference of means and ``df`` its degrees of freedom; the
    answer is ``lambda * se`` where the noncentral t with noncentrality ``lambda`` exceeds the critical
    value ``t(1 - alpha/2, df)`` in absolute value with probability ``power``.  NaN without an error
    estimate; 0 when ``se`` is 0 (no noise: any change shows).
    """
    if not (math.isfinite(se) and math.isfinite(df)) or df < 1:
        return math.nan
    if se == 0:
        return 0.0
    crit = float(stats.t.ppf(1 - alpha / 2, df))

    def shortfall(lam: float) -> float:
        # far in a tail scipy may give NaN: the side beyond the noncentrality is then about 1, the other 0
        upper = float(np.nan_to_num(stats.nct.sf(crit, df, lam), nan=1.0 if lam > crit else 0.0))
        lower = float(np.nan_to_num(stats.nct.cdf(-crit, df, lam), nan=0.0))
        return upper + lower - power

    high = 1.0
    while shortfall(high) < 0 and high < 1e6:
        high *= 2
    return float(optimize.brentq(shortfall, 0.0, high, xtol=1e-10)) * se


def _se_df(x: np.ndarray, y: np.ndarray, paired: bool) -> tuple[float, float]:
    """Standard error and degrees of freedom of the difference of means (paired, or Welch)."""
    if paired:
        ok = np.isfinite(x) & np.isfinite(y)
        d = y[ok] - x[ok]
        return (float(d.std(ddof=1) / math.sqrt(len(d))), len(d) - 1.0) if len(d) >= 2 else (math.nan, math.nan)
    x, y = x[np.isfinite(x)], y[np.isfinite(y)]
    if len(x) < 2 or len(y) < 2:
        return math.nan, math.nan
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    if vx + vy == 0:
        return 0.0, len(x) + len(y) - 2.0
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    return float(math.sqrt(vx + vy)), float(df)


def exact_mode(base: dict[str, Any], cand: dict[str, Any]) -> tuple[bool, list[str]]:
    """Whether two manifests allow the exact mode, and the reasons when they do not."""
    reasons = [f"{k}: {base.get(k)} vs {cand.get(k)}" for k in EXACT_KEYS if base.get(k) != cand.get(k)]
    nb, nc = base.get("versions", {}).get("numpy"), cand.get("versions", {}).get("numpy")
    if nb != nc:
        reasons.append(f"numpy: {nb} vs {nc}")
    return not reasons, reasons


def _row(kpi: str, x: np.ndarray, y: np.ndarray) -> dict[str, Any]:
    xf, yf = x[np.isfinite(x)], y[np.isfinite(y)]
    bm = float(xf.mean()) if len(xf) else math.nan
    cm = float(yf.mean()) if len(yf) else math.nan
    return {"kpi": kpi, "unit": unit_of(kpi), "base_mean": bm, "cand_mean": cm, "diff": cm - bm,
            "rel_diff_pct": 100 * (cm - bm) / abs(bm) if bm else math.nan, "n_base": len(xf), "n_cand": len(yf)}


def statistical_verdicts(base: pd.DataFrame, cand: pd.DataFrame, rule: Rule = Rule(),
                         paired: bool = False) -> pd.DataFrame:
    """Per-KPI verdicts (``ok``, ``regressed``, ``not tested``, ``missing``, ``vanished``, ``new``) by the rule
    above, with each tested KPI's minimum detectable difference (``detectable``, KPI units).

    ``paired`` (same seed) matches replications by their ``replication`` number.
    """
    kpis = [k for k in base.columns if k != "replication"]
    matched = base.merge(cand, on="replication", suffixes=("@b", "@c")) if paired else None
    rows = []
    for kpi in kpis:
        if kpi not in cand.columns:
            rows.append({**_row(kpi, base[kpi].to_numpy(float), np.array([])), "verdict": "missing"})
            continue
        x, y = base[kpi].to_numpy(float), cand[kpi].to_numpy(float)
        if matched is not None:
            bx, cy = matched[f"{kpi}@b"].to_numpy(float), matched[f"{kpi}@c"].to_numpy(float)
            p, spread = paired_p(bx, cy), _se_df(bx, cy, paired=True)
        else:
            p, spread = welch_p(x, y), _se_df(x, y, paired=False)
        row = {**_row(kpi, x, y), "test": "paired t" if paired else "Welch t", "p_value": p, "spread": spread}
        if row["n_base"] > 0 and row["n_cand"] == 0:
            row["p_value"] = math.nan
            if (1 - row["n_base"] / len(x)) ** len(y) < rule.alpha:
                row["verdict"] = "vanished"
        rows.append(row)
    rows += [{**_row(k, np.array([]), cand[k].to_numpy(float)), "verdict": "new"}
             for k in cand.columns if k != "replication" and k not in base.columns]
    spreads = [r.pop("spread", (math.nan, math.nan)) for r in rows]
    table = pd.DataFrame(rows).reindex(columns=VERDICT_COLUMNS)
    table["verdict"] = table["verdict"].astype(object)
    tested = table["p_value"].notna()
    table.loc[tested, "p_holm"] = holm(table.loc[tested, "p_value"].to_numpy())
    level = rule.alpha / max(int(tested.sum()), 1)
    table["detectable"] = [detectable_difference(se, df, level) if t else math.nan
                           for (se, df), t in zip(spreads, tested, strict=True)]
    table["tolerance"] = np.maximum(rule.rel_tolerance * table["base_mean"].abs(), rule.abs_tolerance)
    flagged = (table["p_holm"] < rule.alpha) & (table["diff"].abs() > table["tolerance"])
    fresh = table["verdict"].isna()
    table.loc[fresh & ~tested, "verdict"] = "not tested"
    table.loc[fresh & tested, "verdict"] = np.where(flagged[fresh & tested], "regressed", "ok")
    return table


def exact_verdicts(base: pd.DataFrame, cand: pd.DataFrame) -> pd.DataFrame:
    """Per-KPI verdicts ``identical`` or ``differs`` (value for value, NaN equal to NaN)."""
    rows = []
    for kpi in dict.fromkeys([*base.columns, *cand.columns]):
        if kpi == "replication":
            continue
        x = base[kpi].to_numpy(float) if kpi in base.columns else np.array([])
        y = cand[kpi].to_numpy(float) if kpi in cand.columns else np.array([])
        same = x.shape == y.shape and bool(np.array_equal(x, y, equal_nan=True))
        verdict = "identical" if same else ("missing" if kpi not in cand.columns else
                                            "new" if kpi not in base.columns else "differs")
        rows.append({**_row(kpi, x, y), "verdict": verdict})
    return pd.DataFrame(rows).reindex(columns=VERDICT_COLUMNS)


def table_differences(name: str, base: pd.DataFrame, cand: pd.DataFrame) -> list[str]:
    """What differs between two versions of one table, in words (empty when identical)."""
    if list(base.columns) != list(cand.columns):
        gone = [c for c in base.columns if c not in cand.columns]
        added = [c for c in cand.columns if c not in base.columns]
        return [f"{name}: columns differ (missing {gone or 'none'}, new {added or 'none'})"]
    if len(base) != len(cand):
        return [f"{name}: {len(base)} rows vs {len(cand)} rows"]
    out = []
    for col in base.columns:
        a, b = base[col].reset_index(drop=True), cand[col].reset_index(drop=True)
        same = (a == b) | (a.isna() & b.isna())
        if not bool(same.all()):
            first = int((~same).to_numpy().argmax())
            out.append(f"{name}.{col}: {int((~same).sum())} of {len(a)} values differ "
                       f"(first at row {first}: {a.iloc[first]} vs {b.iloc[first]})")
    return out


def regressions(verdicts: pd.DataFrame) -> int:
    """How many KPIs count as a regression (``regressed``, ``differs``, ``missing`` or ``vanished``)."""
    return int(verdicts["verdict"].isin(["regressed", "differs", "missing", "vanished"]).sum())
