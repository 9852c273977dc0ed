"""Sensitivity of the KPIs to the scenario's assumptions: pure functions on replication tables.

A one-way study runs the base scenario and, for each parameter, a low and a
high variant (:mod:`sim.scenario.scaling`), all with one seed and count, so
replication ``r`` of every run sees the same patients and the paired
difference variant - base (:mod:`sim.analysis.paired`) measures what the
parameter does.  The intervals are per comparison (95%, unadjusted for the
number of parameters tested): with 40 parameters, two or so exclude zero by
chance alone, so a small effect that is clear in one KPI only deserves a
second look before it is believed.

:func:`effects` gives the table ``sensitivity.csv``; :func:`ranking`, the
order of the tornado chart and of the plain-English summary
(:func:`summary_lines`).  :func:`survival` asks whether a recommendation
(OTHER - BASE) keeps its sign when each assumption is scaled, and
:func:`morris_table` screens the parameters together (Morris's elementary
effects, SALib).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.kpis import HEADLINE, measurable, unit_of
from sim.analysis.labels import kpi_label
from sim.analysis.paired import differences

PLANNER_KPIS = [
    "decision_to_delivery_min_cat1", "decision_to_delivery_min_cat2", "decision_to_delivery_min_planned",
    "decision_to_team_on_site_min_cat1", "home_decision_to_delivery_min_cat1", "home_decision_to_delivery_min_cat2",
    "ddi_within_target_pct", "delivery_to_nicu_min",
]
"""Per-urgency KPIs a planner asks about first, besides :data:`sim.analysis.kpis.HEADLINE`."""
SENSITIVITY_COLUMNS = ["parameter", "level", "factor", "value", "kpi", "unit", "base_mean", "mean", "diff_mean",
                       "diff_ci_low", "diff_ci_high", "p_value", "n_pairs", "note"]
SURVIVAL_COLUMNS = ["kpi", "unit", "parameter", "level", "factor", "diff_mean", "diff_ci_low", "diff_ci_high",
                    "p_value", "unscaled_diff_mean", "unscaled_ci_low", "unscaled_ci_high", "keeps_sign"]
MORRIS_COLUMNS = ["kpi", "unit", "parameter", "mu", "mu_star", "mu_star_conf", "sigma"]
TOP = 3
"""How many parameters the summary names for each KPI."""


def extra_kpi(name: str) -> bool:
    """Cost, staff-hour and outcome KPIs: taken whenever a results table has them."""
    return name.startswith(("cost_", "outcome_")) or "_hours" in name


def study_kpis(columns: list[str], outreach: bool, home: bool) -> list[str]:
    """The KPIs a study reports: headline and :data:`PLANNER_KPIS` that the scenario measures
    (:func:`sim.analysis.kpis.measurable`), then any :func:`extra_kpi`, each only if ``columns`` has it."""
    wanted = measurable(list(dict.fromkeys([*HEADLINE, *PLANNER_KPIS])), outreach, home)
    return [k for k in [*wanted, *(c for c in columns if extra_kpi(c))] if k in columns]


def paired(base: pd.DataFrame, other: pd.DataFrame, kpis: list[str]) -> pd.DataFrame:
    """Paired differences ``other - base`` of ``kpis`` (rows of :func:`sim.analysis.paired.differences`)."""
    cols = ["replication", *kpis]
    return differences(base[cols], other[cols], "")


def effects(base: pd.DataFrame, variant: pd.DataFrame, kpis: list[str], about: dict[str, Any]) -> pd.DataFrame:
    """Rows of ``sensitivity.csv`` for one variant: ``about`` gives its ``parameter``, ``level``,
    ``factor``, ``value`` and ``note``; KPIs without a finite pair are left out."""
    diff = paired(base, variant, kpis).rename(columns={"baseline_mean": "base_mean"})
    for column, value in about.items():
        diff[column] = value
    return diff.reindex(columns=SENSITIVITY_COLUMNS)


def excludes_zero(low: float, high: float) -> bool:
    """Whether an interval lies wholly on one side of zero (a clear difference)."""
    return bool(low > 0 or high < 0)


def ranking(table: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """One row per parameter for ``kpi``: its low and high difference and interval, ``effect`` (the larger
    absolute difference) and ``clear`` (some interval excludes zero); largest effect first."""
    sel = table[table["kpi"] == kpi]
    wide = sel.pivot_table(index="parameter", columns="level", values=["diff_mean", "diff_ci_low", "diff_ci_high"],
                           aggfunc="first", sort=False)
    wide.columns = [f"{level}_{stat.removeprefix('diff_')}" for stat, level in wide.columns]
    wide = wide.reindex(columns=[f"{lv}_{s}" for lv in ("low", "high") for s in ("mean", "ci_low", "ci_high")])
    wide["effect"] = wide[["low_mean", "high_mean"]].abs().max(axis=1)
    wide["clear"] = False
    for level in ("low", "high"):
        wide["clear"] |= (wide[f"{level}_ci_low"] > 0) | (wide[f"{level}_ci_high"] < 0)
    return wide.sort_values("effect", ascending=False, kind="stable").reset_index()


def number(value: float, sign: bool = False) -> str:
    """A number as a planner reads it: three significant figures, or whole with thousands separators from
    10,000 on (``234,066,649``, never ``2.34e+08``)."""
    plus = "+" if sign else ""
    if math.isfinite(value) and abs(value) >= 1e4:
        return f"{value:{plus},.0f}"
    return f"{value:{plus}.3g}"


def _amount(value: float, unit: str) -> str:
    words = {"min": " min", "%": " percentage points", "h": " h", "d": " days"}.get(unit, "")
    return f"{number(value, True)}{words}"


def _effect(row: pd.Series, level: str, factor: float, unit: str) -> str:
    mean, low, high = row[f"{level}_mean"], row[f"{level}_ci_low"], row[f"{level}_ci_high"]
    if not math.isfinite(mean):
        return f"{level} (x{factor:g}) not measured"
    return f"{level} (x{factor:g}) {_amount(mean, unit)} (95% CI {number(low, True)} to {number(high, True)})"


def summary_lines(table: pd.DataFrame, kpis: list[str], factors: tuple[float, float]) -> list[str]:
    """For each KPI with rows in ``table``: its base mean, the :data:`TOP` parameters with the largest clear
    effect (low and high difference with their 95% CIs), and those not distinguishable from zero."""
    lines: list[str] = []
    for kpi in kpis:
        if (table["kpi"] == kpi).any():
            lines += [*_kpi_summary(table, kpi, factors), ""]
    return lines


def _kpi_summary(table: pd.DataFrame, kpi: str, factors: tuple[float, float]) -> list[str]:
    unit, rank, sel = unit_of(kpi), ranking(table, kpi), table[table["kpi"] == kpi]
    lines = [f"{kpi} ({kpi_label(kpi)}; base mean {number(sel['base_mean'].mean())}{_unit(unit)}):"]
    pairs = int(sel["n_pairs"].max())
    if pairs < 2:
        lines.append(f"  only {pairs} replication has a value: no interval (run more replications or a longer horizon)")
    top = rank[rank["clear"]].head(TOP)
    for i, (_, row) in enumerate(top.iterrows(), 1):
        both = "; ".join(_effect(row, lv, f, unit) for lv, f in zip(("low", "high"), factors, strict=True))
        lines.append(f"  {i}. {row['parameter']}: {both}")
    if top.empty:
        lines.append("  no assumption has an effect distinguishable from zero")
    vague = rank.loc[~rank["clear"], "parameter"].tolist()
    if vague:
        lines.append(f"  not distinguishable from zero ({len(vague)}): " + ", ".join(vague))
    return lines


def _unit(unit: str) -> str:
    return {"min": " min", "%": "%", "h": " h", "d": " days"}.get(unit, "")


def keeps_sign(reference: float, low: float, high: float) -> str:
    """``yes``, ``no`` or ``not clear``: whether a difference with 95% CI ``[low, high]`` keeps the sign of
    ``reference`` (the unscaled mean difference).  An interval that spans 0 is ``not clear``, unless it is
    ``[0, 0]`` (identical runs) and the reference is 0 too."""
    if low == high == 0:
        return "yes" if reference == 0 else "no"
    if not excludes_zero(low, high):
        return "not clear"
    return "yes" if np.sign(low) == np.sign(reference) else "no"


def survival(unscaled: pd.DataFrame, scaled: list[tuple[str, str, float, pd.DataFrame]]) -> pd.DataFrame:
    """Rows of ``survival.csv``: for each KPI of ``unscaled`` (the paired differences OTHER - BASE,
    :func:`paired`) and each ``(parameter, level, factor, differences)`` of ``scaled``, the scaled
    difference, the unscaled one and :func:`keeps_sign`."""
    ref = unscaled.set_index("kpi")
    rows = []
    for parameter, level, factor, diff in scaled:
        for d in diff[diff["kpi"].isin(ref.index)].itertuples(index=False):
            r = ref.loc[d.kpi]
            rows.append({"kpi": d.kpi, "unit": d.unit, "parameter": parameter, "level": level, "factor": factor,
                         "diff_mean": d.diff_mean, "diff_ci_low": d.diff_ci_low, "diff_ci_high": d.diff_ci_high,
                         "p_value": d.p_value, "unscaled_diff_mean": r["diff_mean"],
                         "unscaled_ci_low": r["diff_ci_low"], "unscaled_ci_high": r["diff_ci_high"],
                         "keeps_sign": keeps_sign(r["diff_mean"], d.diff_ci_low, d.diff_ci_high)})
    return pd.DataFrame(rows, columns=SURVIVAL_COLUMNS)


def _where(sel: pd.DataFrame) -> str:
    return ", ".join(f"{p} is {lv}" for p, lv in zip(sel["parameter"], sel["level"], strict=True))


def survival_verdict(other: str, kpi: str, unscaled: pd.Series, rows: pd.DataFrame) -> str:
    """One line: does OTHER's difference in ``kpi`` (``unscaled``: a row of :func:`paired`) hold across every
    assumption's range (``rows``: this KPI's rows of :func:`survival`)?"""
    unit, mean = unit_of(kpi), unscaled["diff_mean"]
    low, high = unscaled["diff_ci_low"], unscaled["diff_ci_high"]
    reverses, unclear = rows[rows["keeps_sign"] == "no"], rows[rows["keeps_sign"] == "not clear"]
    if low == high == 0:
        return f"{kpi}: {other} leaves it unchanged (identical runs)" + (
            f", but not when {_where(reverses)}" if len(reverses) else ", whatever the assumptions")
    if not excludes_zero(low, high):
        return (f"{kpi}: {other} makes no clear difference unscaled ({_amount(mean, unit)}, 95% CI "
                f"{number(low, True)} to {number(high, True)}), so there is no recommendation to test")
    change = (f"{'reduction' if mean < 0 else 'increase'} ({_amount(mean, unit)}, 95% CI {number(low, True)} to "
              f"{number(high, True)})")
    if reverses.empty and unclear.empty:
        return f"{kpi}: {other}'s {change} holds across every assumption's range"
    parts = [f"reverses when {_where(reverses)}"] if len(reverses) else []
    parts += [f"is not clear when {_where(unclear)}"] if len(unclear) else []
    return f"{kpi}: {other}'s {change} " + "; ".join(parts)


def morris_table(problem: dict[str, Any], X: np.ndarray, outputs: dict[str, np.ndarray], levels: int,
                 seed: int) -> pd.DataFrame:
    """Rows of ``morris.csv``: Morris's elementary-effect statistics of each KPI in ``outputs`` (one mean
    per row of ``X``, the sample of :func:`SALib.sample.morris.sample` for SALib's ``problem``) by parameter.

    SALib divides each change of the KPI by the step in the unit cube, so an elementary effect is in the
    KPI's unit *for a move across the whole range* (low to high factor) if the effect were linear.
    ``mu_star`` (the mean absolute elementary effect) ranks a parameter's overall influence, ``mu`` keeps
    the sign, and ``sigma`` (their standard deviation) shows interaction or non-linearity.
    ``mu_star_conf`` is the 95% bootstrap half-width of ``mu_star``.
    """
    from SALib.analyze import morris

    names = list(problem["names"])
    rows = []
    for kpi, y in outputs.items():
        found = morris.analyze(problem, X, np.asarray(y, dtype=float), num_levels=levels, seed=seed)
        for i, name in enumerate(names):
            rows.append({"kpi": kpi, "unit": unit_of(kpi), "parameter": name, "mu": float(found["mu"][i]),
                         "mu_star": float(found["mu_star"][i]), "mu_star_conf": float(found["mu_star_conf"][i]),
                         "sigma": float(found["sigma"][i])})
    return pd.DataFrame(rows, columns=MORRIS_COLUMNS)
