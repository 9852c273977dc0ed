"""Charts: each function takes DataFrames and returns a matplotlib Figure.

One style for all: the Okabe-Ito colour-blind-safe palette, units on every
axis, targets drawn where a reader compares against them.
"""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
TARGET_COLOUR = "#D55E00"

plt.rcParams.update({
    "axes.prop_cycle": matplotlib.cycler(color=OKABE_ITO),
    "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.3, "font.size": 10, "figure.dpi": 100,
    "svg.hashsalt": "ihsim", "axes.titleweight": "bold",
})

WATERFALL_STEPS = [
    ("decision", "team_requested", "waiting to dispatch (planned time)"),
    ("team_requested", "team_assembled", "assembling team and kit"),
    ("team_assembled", "team_departed", "mobilisation"),
    ("team_departed", "team_on_site", "travel to host"),
    ("team_on_site", "team_ready", "set-up on site"),
    ("team_ready", "theatre_entry", "waiting for mother / room"),
    ("theatre_entry", "incision", "anaesthesia"),
    ("incision", "delivery", "incision to delivery"),
]


def _empty(fig: Figure, ax: plt.Axes, message: str) -> Figure:
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes)
    ax.set_axis_off()
    return fig


def ddi_by_urgency(cases: pd.DataFrame, targets: dict[str, float], case_type: str = "outreach",
                   title: str = "Decision-to-delivery interval by urgency") -> Figure:
    """Box plots of DDI (minutes, log scale) per urgency, each with its target."""
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    sel = cases[(cases["case_type"] == case_type) & cases["decision_to_delivery_min"].notna()]
    groups = [(u, sel.loc[sel["urgency"] == u, "decision_to_delivery_min"].to_numpy()) for u in targets]
    groups = [(u, v) for u, v in groups if len(v)]
    if not groups:
        return _empty(fig, ax, "no delivered cases")
    ax.boxplot([v for _, v in groups], orientation="horizontal", whis=(5, 95), showfliers=False,
               tick_labels=[f"{u} (n={len(v)})" for u, v in groups], patch_artist=True,
               boxprops={"facecolor": OKABE_ITO[5], "alpha": 0.6}, medianprops={"color": "black"})
    for i, (u, _) in enumerate(groups, start=1):
        ax.plot([targets[u]] * 2, [i - 0.4, i + 0.4], color=TARGET_COLOUR, lw=2.5,
                label="target" if i == 1 else None)
    ax.set_xscale("log")
    ax.set_xlabel("decision to delivery (minutes, log scale); whiskers 5th-95th percentile")
    ax.set_title(title)
    ax.legend(loc="lower right")
    return fig


def median_case_waterfall(cases: pd.DataFrame) -> Figure:
    """The outreach case with the median DDI, step by step from the decision."""
    fig, ax = plt.subplots(figsize=(8, 4), layout="constrained")
    sel = cases[(cases["case_type"] == "outreach") & (cases["pathway"] == "outreach")
                & cases["decision_to_delivery_min"].notna()].sort_values("decision_to_delivery_min")
    if sel.empty:
        return _empty(fig, ax, "no delivered outreach case")
    case = sel.iloc[(len(sel) - 1) // 2]
    start = 0.0
    for i, (a, b, label) in enumerate(WATERFALL_STEPS):
        ta, tb = case.get(f"{a}_min"), case.get(f"{b}_min")
        width = float(tb - ta) if pd.notna(ta) and pd.notna(tb) else 0.0
        ax.barh(i, width, left=start, color=OKABE_ITO[i % len(OKABE_ITO)])
        ax.text(start + width, i, f" {width:.0f} min", va="center", fontsize=8)
        start += width
    ax.set_yticks(range(len(WATERFALL_STEPS)), [s[2] for s in WATERFALL_STEPS])
    ax.invert_yaxis()
    ax.set_xlabel("minutes after the decision to operate")
    ax.set_title(f"Median outreach case: {case['urgency']}, DDI {case['decision_to_delivery_min']:.0f} min")
    return fig


def utilisation_by_pool(resources: pd.DataFrame, top: int = 20) -> Figure:
    """Mean utilisation of each pool over replications, with a 95% interval of the mean."""
    fig, ax = plt.subplots(figsize=(8, 6), layout="constrained")
    if resources.empty:
        return _empty(fig, ax, "no resources")
    g = resources.groupby(["hospital", "resource"], observed=True)["utilisation"]
    stats = pd.DataFrame({"mean": g.mean(), "sem": g.sem(), "n": g.count()}).dropna(subset=["mean"])
    stats = stats.sort_values("mean", ascending=False).head(top).iloc[::-1]
    labels = [f"{h} / {r.replace('_', ' ')}" for h, r in stats.index]
    half = 1.96 * stats["sem"].fillna(0)
    hospitals = list(dict.fromkeys(h for h, _ in stats.index))
    colours = [OKABE_ITO[hospitals.index(h) % len(OKABE_ITO)] for h, _ in stats.index]
    ax.barh(labels, 100 * stats["mean"], xerr=100 * half, color=colours, capsize=2)
    ax.set_xlabel("utilisation (% of on-duty and called-in capacity), mean and 95% CI")
    ax.set_title(f"Busiest resource pools (top {len(stats)})")
    return fig


def home_ddi(cases: pd.DataFrame, targets: dict[str, float]) -> Figure:
    """Histogram of the obstetric hospital's own DDI, by urgency, with targets."""
    fig, ax = plt.subplots(figsize=(7, 4), layout="constrained")
    sel = cases[(cases["case_type"] == "home") & cases["decision_to_delivery_min"].notna()]
    if sel.empty:
        return _empty(fig, ax, "no home emergencies")
    hi = float(np.nanpercentile(sel["decision_to_delivery_min"], 99.5))
    bins = np.linspace(0, max(hi, 1.0), 50)
    for i, (u, grp) in enumerate(sel.groupby("urgency", observed=True)):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        ax.hist(grp["decision_to_delivery_min"], bins=bins, alpha=0.6, color=colour, label=f"{u} (n={len(grp)})",
                density=True)
        if u in targets:
            ax.axvline(targets[u], color=colour, ls="--", lw=1.5)
            ax.text(targets[u], ax.get_ylim()[1] * 0.95, f" {u} target", color=colour, fontsize=8, va="top")
    ax.set_xlabel("decision to delivery (minutes); dashed lines are targets")
    ax.set_ylabel("density")
    ax.set_title("Home emergency caesareans at the obstetric hospital")
    ax.legend()
    return fig
