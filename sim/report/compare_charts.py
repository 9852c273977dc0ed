"""Charts of comparisons, sweeps and the warm-up diagnostic (DataFrames in, Figures out).

Same style as :mod:`sim.report.charts` (Okabe-Ito palette, units on axes).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from sim.analysis.kpis import shown_difference, shown_interval, unit_of
from sim.analysis.labels import kpi_label
from sim.report.charts import (  # charts sets the Agg backend and the style
    OKABE_ITO,
    PANEL_COLUMNS,
    TARGET_COLOUR,
    empty_figure,
    plt,
    wrapped_panels,
)

UNIT_AXIS = {"min": "minutes", "%": "percentage points", "fraction": "fraction of capacity", "count": "count",
             "h": "hours", "d": "days", "cost": "cost in the scenario's currency"}
"""Axis words for a difference of a KPI with that unit."""
VALUE_AXIS = {**UNIT_AXIS, "%": "percent"}
"""Axis words for a KPI's own values."""


def _title(kpi: str, width: int = 30) -> str:
    return textwrap.fill(kpi_label(kpi), width)


def _grid(n: int, width: float = 7.5, height: float = 1.9) -> tuple[Figure, list]:
    """``n`` stacked panels of ``height`` inches each."""
    fig, axes = plt.subplots(max(n, 1), 1, figsize=(width, 1.0 + height * max(n, 1)), layout="constrained",
                             squeeze=False)
    return fig, list(axes[:, 0])


def _within_possible(sel: pd.DataFrame, kpi: str) -> pd.DataFrame:
    """``sel`` with its paired and unpaired difference intervals cut to what ``kpi`` can show."""
    if "baseline_mean" not in sel:
        return sel
    out = sel.copy()
    for low, high in (("diff_ci_low", "diff_ci_high"), ("unpaired_ci_low", "unpaired_ci_high")):
        cut = [shown_difference(kpi, b, lo, hi)[:2] for b, lo, hi in zip(sel["baseline_mean"], sel[low], sel[high],
                                                                         strict=True)]
        out[low], out[high] = [c[0] for c in cut], [c[1] for c in cut]
    return out


def forest_plot(diff: pd.DataFrame, kpis: list[str]) -> Figure:
    """Paired differences against the first scenario with 95% CIs, one panel per KPI.

    The thin dark bar is the paired interval (common random numbers); the wide
    pale bar behind it is the unpaired (Welch) interval of the same difference.
    With a ``baseline_mean`` column, both are cut to the differences the KPI can show
    (:func:`sim.analysis.kpis.shown_difference`).
    """
    kpis = [k for k in kpis if k in set(diff["kpi"])]
    if not kpis:
        return empty_figure("no KPI has paired values")
    fig, axes = _grid(len(kpis), height=0.9 + 0.3 * diff["scenario"].nunique())
    for ax, kpi in zip(axes, kpis, strict=True):
        sel = _within_possible(diff[diff["kpi"] == kpi].reset_index(drop=True), kpi)
        y = np.arange(len(sel))[::-1]
        ax.hlines(y, sel["unpaired_ci_low"], sel["unpaired_ci_high"], color=OKABE_ITO[5], lw=7, alpha=0.35,
                  label="unpaired 95% CI")
        ax.hlines(y, sel["diff_ci_low"], sel["diff_ci_high"], color=OKABE_ITO[0], lw=2.5, label="paired 95% CI")
        ax.plot(sel["diff_mean"], y, "o", color="black", ms=5, label="mean difference")
        ax.axvline(0, color=TARGET_COLOUR, lw=1, ls="--")
        ax.set_yticks(y, sel["scenario"])
        ax.set_ylim(-0.6, len(sel) - 0.4)
        ax.set_title(kpi_label(kpi), fontsize=9, loc="left")
        ax.set_xlabel(f"difference against the first scenario ({UNIT_AXIS.get(unit_of(kpi), '')})", fontsize=8)
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncols=3, fontsize=8)
    fig.suptitle("Paired differences under common random numbers", fontweight="bold")
    return fig


def distribution_plot(reps: dict[str, pd.DataFrame], kpis: list[str]) -> Figure:
    """Per-replication values by scenario (box and points); grey lines join one replication across scenarios."""
    names = list(reps)
    kpis = [k for k in kpis if all(k in r.columns for r in reps.values())]
    if not kpis:
        return empty_figure("no KPI common to all scenarios")
    fig, axes = wrapped_panels(len(kpis), width=7.5, panel_height=3.0)
    for ax, kpi in zip(axes, kpis, strict=True):
        table = pd.DataFrame({n: reps[n].set_index("replication")[kpi] for n in names})
        x = np.arange(len(names))
        for _, row in table.iterrows():
            ax.plot(x, row.to_numpy(float), color="grey", lw=0.5, alpha=0.4)
        data = [table[n].dropna().to_numpy() for n in names]
        ax.boxplot(data, positions=x, widths=0.5, showfliers=False, patch_artist=True,
                   boxprops={"facecolor": OKABE_ITO[5], "alpha": 0.4}, medianprops={"color": "black"})
        for i, values in enumerate(data):
            ax.plot(np.full(len(values), x[i]), values, ".", color=OKABE_ITO[i % len(OKABE_ITO)], ms=4)
        ax.set_xticks(x, [textwrap.fill(n, 14) for n in names], rotation=30, ha="right", fontsize=7)
        ax.set_title(_title(kpi), fontsize=9)
        ax.set_ylabel(VALUE_AXIS.get(unit_of(kpi), ""), fontsize=8)
    fig.suptitle("Replication values by scenario (lines join common-random-number pairs)", fontweight="bold")
    return fig


def sweep_chart(table: pd.DataFrame, key: str, kpis: list[str], hue: str | None = None) -> Figure:
    """Each KPI against the swept ``key``, one column per KPI and one line per value of ``hue``.

    KPIs wrap in rows of at most three (an A4 width).  Upper panel: each variant's mean with its 95% CI
    band.  Lower panel: the paired difference against the
    first variant (the sweep's reference, ``diff_mean``) with its paired 95% interval, the interval a
    planner should quote for "what does this change do".  Every band is cut to the values the KPI can
    take (:func:`sim.analysis.kpis.shown_interval`, :func:`sim.analysis.kpis.shown_difference`).
    """
    kpis = [k for k in kpis if k in set(table["kpi"])]
    if not kpis:
        return empty_figure("no KPI to plot")
    fig, pairs = paired_panels(len(kpis), width=7.5)
    numeric = pd.api.types.is_numeric_dtype(table[key])
    levels = list(dict.fromkeys(table[key]))
    for (top, bottom), kpi in zip(pairs, kpis, strict=True):
        sel = table[table["kpi"] == kpi]
        base_mean = float(sel["mean"].iloc[0])  # the first variant, the reference of the paired differences
        groups = sel.groupby(hue, sort=False) if hue else [(None, sel)]
        for i, (h, grp) in enumerate(groups):
            grp = grp.sort_values(key) if numeric else grp
            x = grp[key].to_numpy(float) if numeric else np.array([levels.index(v) for v in grp[key]])
            colour = OKABE_ITO[i % len(OKABE_ITO)]
            label = None if hue is None else f"{'.'.join(hue.split('.')[-2:])}={h}"
            band = [shown_interval(kpi, lo, hi)[:2] for lo, hi in zip(grp["ci_low"], grp["ci_high"], strict=True)]
            top.fill_between(x, [b[0] for b in band], [b[1] for b in band], color=colour, alpha=0.2)
            top.plot(x, grp["mean"], "o-", color=colour, label=label)
            diff = [shown_difference(kpi, base_mean, lo, hi)[:2]
                    for lo, hi in zip(grp["diff_ci_low"], grp["diff_ci_high"], strict=True)]
            bottom.fill_between(x, [d[0] for d in diff], [d[1] for d in diff], color=colour, alpha=0.2)
            bottom.plot(x, grp["diff_mean"], "o-", color=colour, label=label)
        bottom.axhline(0, color=TARGET_COLOUR, lw=1, ls="--")
        if not numeric:
            bottom.set_xticks(range(len(levels)), [str(v) for v in levels])
        elif pd.api.types.is_integer_dtype(table[key]):
            bottom.xaxis.set_major_locator(MaxNLocator(integer=True))
        bottom.set_xlabel(key.split(".", 1)[-1], fontsize=8)
        top.set_ylabel(VALUE_AXIS.get(unit_of(kpi), ""), fontsize=8)
        bottom.set_ylabel(f"difference ({UNIT_AXIS.get(unit_of(kpi), '')})", fontsize=8)
        top.set_title(_title(kpi), fontsize=9)
        if hue:
            top.legend(fontsize=7)
    fig.suptitle("KPIs across the sweep: mean and 95% CI (top), paired difference against the first variant "
                 "and its paired 95% CI (bottom)", fontweight="bold", fontsize=9)
    return fig



def paired_panels(n: int, width: float = 7.5, panel_height: float = 2.2) -> tuple[Figure, list[tuple[Axes, Axes]]]:
    """``n`` pairs of stacked panels (upper and lower, sharing x) in rows of at most
    :data:`~sim.report.charts.PANEL_COLUMNS` pairs; unused cells are hidden."""
    ncols = max(1, min(PANEL_COLUMNS, n))
    nrows = -(-max(n, 1) // ncols)
    fig, grid = plt.subplots(2 * nrows, ncols, figsize=(width, 0.8 + 2 * panel_height * nrows),
                             layout="constrained", squeeze=False)
    pairs = []
    for i in range(nrows * ncols):
        top, bottom = grid[2 * (i // ncols)][i % ncols], grid[2 * (i // ncols) + 1][i % ncols]
        if i < n:
            bottom.sharex(top)
            pairs.append((top, bottom))
        else:
            top.set_axis_off()
            bottom.set_axis_off()
    return fig, pairs


def warmup_chart(per_rep: pd.DataFrame, mean: pd.Series, statistic: np.ndarray, warmup_days: float,
                 bin_days: float, label: str) -> Figure:
    """The series over time (each replication faint, their mean bold) and the MSER-5 statistic."""
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8, 6), layout="constrained", height_ratios=[2, 1])
    for col in per_rep.columns[:50]:
        top.plot(per_rep.index, per_rep[col], color="grey", lw=0.4, alpha=0.3)
    top.plot(mean.index, mean.to_numpy(), color=OKABE_ITO[0], lw=1.8, label="mean over replications")
    top.axvline(warmup_days, color=TARGET_COLOUR, ls="--", label=f"MSER-5 warm-up: {warmup_days:g} days")
    top.set_xlabel("simulated day")
    top.set_ylabel(label, fontsize=8)
    top.legend(fontsize=8)
    top.set_title("Warm-up diagnostic")
    days = np.arange(len(statistic)) * 5 * bin_days
    bottom.plot(days, statistic, color=OKABE_ITO[2])
    bottom.axvline(warmup_days, color=TARGET_COLOUR, ls="--")
    bottom.set_xlabel("days truncated")
    bottom.set_ylabel("MSER statistic", fontsize=8)
    return fig
