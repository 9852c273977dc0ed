"""Charts of a sensitivity study (DataFrames in, Figures out): the tornado and Morris's mu*-sigma plane.

Same style as :mod:`sim.report.charts` (Okabe-Ito palette, units on axes, A4 width).
"""

from __future__ import annotations

import textwrap

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from sim.analysis.kpis import unit_of
from sim.analysis.labels import kpi_label
from sim.analysis.sensitivity import number, ranking
from sim.report.charts import BLUE, GREY, ORANGE, empty_figure, headline, plt
from sim.report.compare_charts import UNIT_AXIS, VALUE_AXIS

TORNADO_ROWS = 20
"""Most parameters a tornado shows (the largest effects); the rest are in sensitivity.csv."""
LABELLED_POINTS = 8
"""Points named on a mu*-sigma chart (the largest mu*)."""


def wrap_key(key: str, width: int = 30) -> str:
    """A dotted key on lines of at most about ``width`` characters, broken after dots."""
    lines = [""]
    for part in key.split("."):
        piece = part if not lines[-1] else "." + part
        if lines[-1] and len(lines[-1]) + len(piece) > width:
            lines.append(piece)
        else:
            lines[-1] += piece
    return "\n".join(lines)


def _errors(mean: pd.Series, low: pd.Series, high: pd.Series) -> np.ndarray:
    """Error-bar lengths below and above each mean (0 where the interval is unknown)."""
    return np.nan_to_num(np.vstack([mean - low, high - mean]).astype(float), nan=0.0).clip(min=0)


def _scaled_ticks(top: float) -> FuncFormatter:
    """Tick labels of large amounts in thousands, millions or billions (``2 bn``), short enough not to collide."""
    scale, word = next((s, w) for s, w in ((1e9, " bn"), (1e6, " M"), (1e3, " k"), (1.0, "")) if top >= 10 * s
                       or s == 1.0)
    return FuncFormatter(lambda x, _pos: "0" if x == 0 else f"{x / scale:,.4g}{word}")


def tornado_chart(table: pd.DataFrame, kpi: str, factors: tuple[float, float],
                  rows: int = TORNADO_ROWS, currency: str | None = None) -> Figure:
    """Paired differences from the base when each parameter is at its low and high factor, for one KPI.

    ``table`` holds the rows of ``sensitivity.csv``.  Parameters are sorted by their larger absolute
    effect, largest on top; each has a bar for its low and its high variant with the 95% CI of the paired
    difference.  The title gives the KPI and its base mean; at most ``rows`` parameters are drawn, and
    none whose runs were identical to the base's (no effect at all: the title counts them).
    """
    rank = ranking(table, kpi)
    moved = rank[rank["effect"] > 0]
    if moved.empty:
        return empty_figure(f"no assumption changes {kpi} in these runs" if len(rank) else f"no values of {kpi}")
    shown, unit = moved.head(rows), unit_of(kpi)
    fig, ax = plt.subplots(figsize=(7.5, 1.5 + 0.42 * len(shown)), layout="constrained")
    y, h = np.arange(len(shown))[::-1], 0.38
    for offset, level, colour, factor in ((h / 2, "low", BLUE, factors[0]), (-h / 2, "high", ORANGE, factors[1])):
        mean = shown[f"{level}_mean"]
        ax.barh(y + offset, mean.fillna(0), height=h, color=colour, label=f"{level} (x{factor:g})")
        ax.errorbar(mean.fillna(0), y + offset, xerr=_errors(mean, shown[f"{level}_ci_low"],
                                                             shown[f"{level}_ci_high"]),
                    fmt="none", ecolor="black", elinewidth=0.8, capsize=2)
    ax.axvline(0, color="black", lw=0.8)
    ax.set_yticks(y, [wrap_key(p) for p in shown["parameter"]], fontsize=7)
    ax.set_ylim(-0.7, len(shown) - 0.3)
    words = currency if unit == "cost" and currency else UNIT_AXIS.get(unit, "")
    ax.set_xlabel(f"paired difference from the base ({words}), whiskers: 95% CI", fontsize=8)
    fig.legend(loc="outside lower center", ncols=2, fontsize=7, frameon=False)  # never over a whisker
    top = float(np.nanmax(np.abs(shown[["low_mean", "high_mean", "low_ci_low", "high_ci_high"]].to_numpy(float))))
    if top >= 1e4:
        ax.xaxis.set_major_formatter(_scaled_ticks(top))  # 2 bn, not 2 with 1e9 in a corner
    base = table.loc[table["kpi"] == kpi, "base_mean"].mean()
    none = list(rank.loc[~rank["parameter"].isin(moved["parameter"]), "parameter"])
    hidden = [f"{len(moved) - len(shown)} smaller effects"] if len(moved) > len(shown) else []
    if none:
        hidden.append(f"{len(none)} with no effect" if len(none) > 3 else "no effect from " + ", ".join(none))
    more = f"; not drawn: {' and '.join(hidden)}" if hidden else ""
    words = currency if unit == "cost" and currency else VALUE_AXIS.get(unit, "")
    headline(fig, textwrap.fill(f"{kpi_label(kpi)}: base mean {number(base)}{' ' + words if words else ''}{more}",
                                80))
    return fig


def morris_chart(morris: pd.DataFrame, kpi: str, labelled: int = LABELLED_POINTS) -> Figure:
    """Morris screening of one KPI: each parameter at (mu*, sigma), with mu*'s 95% bootstrap interval.

    Parameters far to the right matter most; those above the dashed line sigma = mu* act non-linearly or
    through interactions.  The ``labelled`` largest mu* are named.
    """
    sel = morris[morris["kpi"] == kpi].sort_values("mu_star", ascending=False)
    if sel.empty:
        return empty_figure(f"no Morris statistics of {kpi}")
    unit = UNIT_AXIS.get(unit_of(kpi), "")
    fig, ax = plt.subplots(figsize=(7.5, 4.8), layout="constrained")
    ax.errorbar(sel["mu_star"], sel["sigma"], xerr=np.nan_to_num(sel["mu_star_conf"].to_numpy(float)), fmt="o",
                color=BLUE, ecolor=GREY, elinewidth=0.8, ms=5)
    top = float(np.nanmax([sel["mu_star"].max(), sel["sigma"].max(), 1e-9]))
    ax.plot([0, top], [0, top], ls="--", color=GREY, lw=0.8, label="sigma = mu*")
    for row in sel.head(labelled).itertuples(index=False):
        ax.annotate(wrap_key(row.parameter, 28), (row.mu_star, row.sigma), fontsize=6.5,
                    xytext=(4, 3), textcoords="offset points")
    ax.set_xlabel(f"mu*: mean absolute elementary effect across the range ({unit})", fontsize=8)
    ax.set_ylabel(f"sigma: their standard deviation ({unit})", fontsize=8)
    ax.legend(loc="upper left", fontsize=7)
    headline(fig, textwrap.fill(f"Morris screening: {kpi_label(kpi)}", 80))
    return fig
