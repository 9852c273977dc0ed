"""Charts: each function takes DataFrames and returns a matplotlib Figure.

One style for all: the Okabe-Ito colour-blind-safe palette (Okabe and Ito,
"Color Universal Design", 2008), units on every axis, targets drawn where a
reader compares against them, clock times where people think in clock times.
Figures are sized to be pasted into a report at full page width.
"""

from __future__ import annotations

import textwrap
from typing import Any

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib.figure import Figure
from matplotlib.ticker import FixedLocator, FuncFormatter, NullLocator

from sim.analysis.attribution import pool_label, pool_words

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, YELLOW, BLACK = OKABE_ITO
GREY = "#999999"
TARGET_COLOUR = VERMILLION
KIND_COLOURS = {"wait": VERMILLION, "work": BLUE, "prepare": GREEN, "travel": ORANGE, "stay": SKY,
                "restock": PURPLE}
KIND_LABELS = {"wait": "waiting", "work": "clinical work", "prepare": "preparation", "travel": "travel",
               "stay": "bed or cot occupied", "restock": "cleaning and restocking"}
DAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"]

STYLE = {
    "axes.prop_cycle": cycler(color=OKABE_ITO),
    "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.3, "grid.linewidth": 0.6,
    "font.size": 9, "axes.titlesize": 10, "axes.titleweight": "bold", "axes.labelsize": 9,
    "xtick.labelsize": 8, "ytick.labelsize": 8, "legend.fontsize": 8, "legend.frameon": False,
    "figure.dpi": 100, "svg.hashsalt": "ihsim", "svg.fonttype": "none",
}
plt.style.use(STYLE)

DURATION_TICKS = [1, 2, 5, 10, 15, 30, 60, 120, 240, 480, 720, 1440, 2880, 5760, 10080]


def fmt_duration(minutes: float) -> str:
    """``42`` -> ``42 min``; ``135`` -> ``2 h 15``; ``1440`` -> ``24 h``; ``3000`` -> ``2 d 2 h``."""
    if not np.isfinite(minutes):
        return ""
    m = round(float(minutes))
    if m < 120:
        return f"{m} min"
    if m < 2880:
        return f"{m // 60} h" + (f" {m % 60:02d}" if m % 60 else "")
    return f"{m // 1440} d" + (f" {(m % 1440) // 60} h" if (m % 1440) // 60 else "")


def fmt_tick(minutes: float) -> str:
    """A short axis label for a duration: ``30 min``, ``4 h``, ``2 d``."""
    if minutes < 60:
        return f"{minutes:.0f} min"
    if minutes < 2880:
        return f"{minutes / 60:.0f} h"
    return f"{minutes / 1440:.0f} d"


def fmt_clock(t_min: float, with_day: bool = True) -> str:
    """Model minutes -> ``Tue d9 08:05`` (day of week, day of the run counted from 1, clock)."""
    day = int(t_min // 1440)
    minute = round(float(t_min) - day * 1440)
    if minute == 1440:
        day, minute = day + 1, 0
    clock = f"{minute // 60:02d}:{minute % 60:02d}"
    return f"{DAYS[day % 7]} d{day + 1} {clock}" if with_day else clock


def duration_axis(ax: plt.Axes) -> None:
    """Label a log-scaled duration x axis in minutes, hours and days, ticks spaced so labels never touch."""
    lo, hi = ax.get_xlim()
    min_gap = (np.log10(hi) - np.log10(lo)) / 9
    ticks: list[float] = []
    for t in DURATION_TICKS:
        if lo <= t <= hi and (not ticks or np.log10(t) - np.log10(ticks[-1]) >= min_gap):
            ticks.append(t)
    ax.xaxis.set_major_locator(FixedLocator(ticks))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: fmt_tick(v)))


MAX_PNG_WIDTH_PX = 2000
"""Widest PNG saved: a full A4 text width (about 6.7 in) at 300 dpi."""
PANEL_COLUMNS = 3
"""Small multiples wrap after this many panels a row, so a chart keeps an A4 page's width."""


def png_dpi(fig: Figure, most_dpi: float = 300.0) -> float:
    """The resolution to save ``fig`` at: 300 dpi, or less so that it is at most :data:`MAX_PNG_WIDTH_PX` wide."""
    return min(most_dpi, MAX_PNG_WIDTH_PX / float(fig.get_figwidth()))


def wrapped_panels(n: int, width: float = 8.0, panel_height: float = 2.6, extra_height: float = 0.8,
                   ) -> tuple[Figure, list[plt.Axes]]:
    """``n`` small panels in rows of at most :data:`PANEL_COLUMNS` (``width`` inches wide in all,
    ``panel_height`` a row); unused cells of the last row are hidden.  Returns the figure and the ``n`` axes."""
    ncols = max(1, min(PANEL_COLUMNS, n))
    nrows = -(-max(n, 1) // ncols)
    fig, grid = plt.subplots(nrows, ncols, figsize=(width, extra_height + panel_height * nrows), layout="constrained",
                             squeeze=False)
    axes = list(grid.flat)
    for ax in axes[n:]:
        ax.set_axis_off()
    return fig, axes[:n]


def headline(fig: Figure, text: str) -> None:
    """The figure's own title, left-aligned, so a pasted chart says what it shows."""
    fig.suptitle(text, x=0.01, ha="left", fontsize=10.5, fontweight="bold")


def empty_figure(message: str, size: tuple[float, float] = (7, 2.5)) -> Figure:
    """A small figure that says why there is nothing to draw."""
    fig, ax = plt.subplots(figsize=size, layout="constrained")
    ax.text(0.5, 0.5, message, ha="center", va="center", transform=ax.transAxes, color=GREY)
    ax.set_axis_off()
    return fig


def _wrap(text: str, width: int = 22) -> str:
    return textwrap.fill(text, width)


def ddi_by_urgency(cases: pd.DataFrame, targets: dict[str, float], labels: dict[str, str] | None = None,
                   case_type: str = "outreach") -> Figure:
    """Decision-to-delivery interval per urgency: box (quartiles), whiskers (5th-95th), every case as a dot.

    ``targets`` maps urgency -> target (minutes); the share of cases within
    target is written beside each row.  The axis is logarithmic because
    crash and planned cases differ by two orders of magnitude.
    """
    sel = cases[(cases["case_type"] == case_type) & cases["decision_to_delivery_min"].notna()]
    groups = [(u, sel.loc[sel["urgency"] == u, "decision_to_delivery_min"].to_numpy(dtype=float)) for u in targets]
    groups = [(u, v) for u, v in groups if len(v)]
    if not groups:
        return empty_figure(f"no delivered {case_type} cases")
    labels = labels or {}
    fig, ax = plt.subplots(figsize=(7.5, 1.0 + 0.85 * len(groups)), layout="constrained")
    rng = np.random.default_rng(0)  # jitter only; fixed so figures are reproducible
    for i, (u, v) in enumerate(groups):
        y = len(groups) - 1 - i
        ax.boxplot([v], positions=[y], orientation="horizontal", whis=(5, 95), showfliers=False, widths=0.5,
                   patch_artist=True, boxprops={"facecolor": SKY, "alpha": 0.5, "edgecolor": BLUE},
                   medianprops={"color": BLACK, "lw": 1.5}, whiskerprops={"color": BLUE}, capprops={"color": BLUE})
        ax.scatter(v, y + rng.uniform(-0.18, 0.18, len(v)), s=6, color=BLUE, alpha=min(1.0, 30 / len(v) + 0.1),
                   lw=0, zorder=3)
        ax.plot([targets[u]] * 2, [y - 0.35, y + 0.35], color=TARGET_COLOUR, lw=2.5, zorder=4)
        ax.annotate("target", (targets[u], y + 0.35), xytext=(0, 1), textcoords="offset points", ha="center",
                    va="bottom", fontsize=7, color=TARGET_COLOUR)
        within = 100.0 * np.mean(v <= targets[u])
        ax.annotate(f"{within:.0f}% within {fmt_duration(targets[u])}", (1.0, y), xycoords=("axes fraction", "data"),
                    xytext=(4, 0), textcoords="offset points", va="center", fontsize=8)
    ax.set_yticks(range(len(groups)), [f"{_wrap(labels.get(u, u))}\n(n={len(v)})" for u, v in groups][::-1])
    ax.set_ylim(-0.6, len(groups) - 0.4)
    ax.set_xscale("log")
    values = np.concatenate([v for _, v in groups] + [np.array([targets[u] for u, _ in groups])])
    ax.set_xlim(max(values.min() / 1.5, 1.0), values.max() * 1.5)
    duration_axis(ax)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("decision to delivery (log scale)\nbox: quartiles; whiskers: 5th-95th percentile; dots: cases")
    headline(fig, f"Decision-to-delivery interval of {case_type} cases by urgency, against target")
    return fig


def binding_text(binding: str) -> str:
    """``NHOG/obstetric_surgeon + NHOG/anaesthetist`` -> ``NHOG obstetric surgeon + NHOG anaesthetist``."""
    return " + ".join(pool_label(p) if "/" in p else p for p in binding.split(" + ")) if binding else ""


def _waterfall_panel(ax: plt.Axes, path: pd.DataFrame, t0: float, delivery: float,
                     deteriorated: float = float("nan")) -> None:
    """One case's steps as consecutive bars from the decision; waits hatched and explained.

    The view ends a little after the delivery; longer steps (a NICU cot
    wait) are cut at the edge with an arrow, their full length in the label.
    A deterioration (``deteriorated``, minutes) is marked with its own line.
    """
    if path.empty:
        ax.text(0.5, 0.5, "no steps recorded", ha="center", va="center", transform=ax.transAxes, color=GREY)
        ax.set_axis_off()
        return
    start = min(float(path["start_min"].min()), t0)
    view_end = delivery + 0.3 * (delivery - start)
    scale = 60.0 if view_end - start > 600 else 1.0
    for j, row in enumerate(path.itertuples(index=False)):
        end = min(row.end_min, view_end)
        ax.barh(j, (end - row.start_min) / scale, left=(row.start_min - t0) / scale, color=KIND_COLOURS[row.kind],
                height=0.7, hatch="////" if row.kind == "wait" else None, edgecolor="white", lw=0)
        if row.end_min > view_end:
            ax.plot((end - t0) / scale, j, marker=">", color=KIND_COLOURS[row.kind], ms=6, clip_on=False)
        note = fmt_duration(row.end_min - row.start_min)
        if row.kind == "wait" and row.binding:
            note += f": {binding_text(row.binding)}"
        ax.annotate(note, (1.0, j), xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=7.5)
    ax.set_yticks(range(len(path)), path["label"])
    ax.set_ylim(len(path) - 0.5, -0.5)
    ax.set_xlim((start - t0) / scale, (view_end - t0) / scale)
    marks = [(0.0, f"decision {fmt_clock(t0, False)}"), ((delivery - t0) / scale,
                                                          f"delivery {fmt_clock(delivery, False)}")]
    if np.isfinite(deteriorated):  # named in the panel's title; a tick label would collide with the delivery's
        ax.axvline((deteriorated - t0) / scale, color=VERMILLION, lw=1.4, ls=":")
    for x in (0.0, (delivery - t0) / scale):
        ax.axvline(x, color=BLACK, lw=0.8, ls="--")
    top = ax.secondary_xaxis("top")
    top.set_xticks([m[0] for m in marks], [m[1] for m in marks], fontsize=7.5)
    top.tick_params(length=0)
    ax.grid(axis="y", visible=False)
    ax.set_xlabel(f"{'hours' if scale > 1 else 'minutes'} after the {'first ' if np.isfinite(deteriorated) else ''}"
                  "decision to operate")


TITLE_WIDTH = 80
"""Characters per line of a panel title (figures are at most 8 in wide)."""


def _panel_title(case: pd.Series, labels: dict[str, str], targets: dict[str, float]) -> str:
    """Which case a median-case panel shows (id and replication, for ``ihsim timeline``) and what happened."""
    u = str(case["urgency_group"])
    who = f"case {int(case['case_id'])}, replication {int(case['replication'])}"
    head = f"{labels.get(u, u)}: {who}, the median of {int(case['n_cases'])}"
    ddi = f"DDI {fmt_duration(case['decision_to_delivery_min'])} (target {fmt_duration(targets[u])})"
    if pd.notna(case["deteriorated_min"]):
        first = float(case["first_decision_min"])
        text = (f"{head} who deteriorated into it. Decided as {case['urgency_initial']} on {fmt_clock(first)}; "
                f"deteriorated {fmt_duration(float(case['deteriorated_min']) - first)} later (dotted line); "
                f"{ddi}, from the deterioration")
    else:
        text = f"{head} decided at it. {ddi}, decision on {fmt_clock(case['decision_min'])}"
    return textwrap.fill(text, TITLE_WIDTH)


def median_case_waterfall(picked: pd.DataFrame, waits: pd.DataFrame, targets: dict[str, float],
                          labels: dict[str, str] | None = None) -> Figure:
    """Where the time goes: for each urgency, the outreach case with the median DDI, step by step.

    ``picked`` holds the cases as :func:`sim.analysis.attribution.median_cases`
    chooses them (whole rows of the cases table): the median of the cases
    decided at each urgency that never deteriorated, and apart, the median of
    those that deteriorated into it (marked where they did).  Each panel names
    its case id and replication.  ``waits`` is
    :func:`sim.analysis.attribution.case_waits`; each wait is labelled with
    the resource (or schedule, or patient) that bound it.
    """
    from sim.analysis.attribution import case_path

    labels = labels or {}
    panels = []
    for _, case in picked.iterrows():
        mine = waits[(waits["replication"] == case["replication"]) & (waits["case_id"] == case["case_id"])]
        panels.append((case, case_path(case, mine)))
    if not panels:
        return empty_figure("no delivered outreach case")
    heights = [max(len(p), 1) + 1.8 for _, p in panels]
    fig, axes = plt.subplots(len(panels), 1, figsize=(8, 0.24 * sum(heights) + 0.4), layout="constrained",
                             gridspec_kw={"height_ratios": heights}, squeeze=False)
    for ax, (case, path) in zip(axes[:, 0], panels, strict=True):
        worse = pd.notna(case["deteriorated_min"])
        t0 = float(case["first_decision_min"]) if worse else float(case["decision_min"])
        _waterfall_panel(ax, path, t0, case["delivery_min"], float(case["deteriorated_min"]) if worse else np.nan)
        ax.set_title(_panel_title(case, labels, targets), loc="left", fontsize=9)
    handles = [plt.Rectangle((0, 0), 1, 1, color=KIND_COLOURS[k], hatch="////" if k == "wait" else None,
                             ec="white") for k in ("wait", "work", "prepare", "travel")]
    fig.legend(handles, [KIND_LABELS[k] for k in ("wait", "work", "prepare", "travel")], loc="outside lower center",
               ncols=4)
    headline(fig, "Where the time goes: the median outreach case of each urgency")
    return fig


ROOMS = {"operating_room", "icu_bed", "nicu_cot"}
GROUP_COLOURS = {"staff": BLUE, "rooms, beds and cots": GREEN, "equipment and vehicles": ORANGE}


def _pool_group(resource: str, staff_roles: set[str] | None) -> str:
    if resource in ROOMS:
        return "rooms, beds and cots"
    if staff_roles is not None:
        return "staff" if resource in staff_roles else "equipment and vehicles"
    return "equipment and vehicles" if resource == "ambulance" or "incubator" in resource or "kit" in resource \
        else "staff"


def utilisation_stats(resources: pd.DataFrame, days: float) -> pd.DataFrame:
    """Per pool: mean utilisation (%) with a 95% interval over replications, and call-outs per week."""
    res = resources[resources["capacity_mean"] > 0]
    g = res.groupby(["hospital", "resource"], observed=True)
    stats = pd.DataFrame({"mean": 100 * g["utilisation"].mean().fillna(0.0), "sem": 100 * g["utilisation"].sem(),
                          "call_ins_week": g["call_ins"].mean() * 7.0 / max(days, 1e-9)}).reset_index()
    stats["half"] = 1.96 * stats["sem"].fillna(0.0)
    order = stats.groupby("hospital")["mean"].max().sort_values(ascending=False).index
    stats["hospital"] = pd.Categorical(stats["hospital"], categories=list(order), ordered=True)
    return stats.sort_values(["hospital", "mean"], ascending=[True, False], ignore_index=True)


def _hospital_rows(stats: pd.DataFrame, names: dict[str, str]) -> tuple[list, list[tuple[int, str, bool]]]:
    """Y positions: a bold heading per hospital, then its pools; returns ``(pool rows, ticks)``."""
    rows, ticks, y = [], [], 0
    for hosp, grp in stats.groupby("hospital", observed=True, sort=False):
        ticks.append((y, f"{hosp}: {names.get(str(hosp), '')}".rstrip(": "), True))
        y += 1
        for r in grp.itertuples(index=False):
            rows.append((y, r))
            ticks.append((y, pool_words(r.resource), False))
            y += 1
    return rows, ticks


def utilisation_by_pool(resources: pd.DataFrame, days: float, staff_roles: set[str] | None = None,
                        names: dict[str, str] | None = None) -> Figure:
    """Utilisation of every pool, grouped by hospital, beside the on-call call-outs it needed.

    ``days`` is the measured span (horizon less warm-up) so call-outs read per week.
    """
    stats = utilisation_stats(resources, days)
    if stats.empty:
        return empty_figure("no resource pools")
    rows, ticks = _hospital_rows(stats, names or {})
    y = len(ticks)
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(8, 0.2 * y + 1.2), sharey=True, layout="constrained",
                                  gridspec_kw={"width_ratios": [3, 1]})
    for yy, r in rows:
        colour = GROUP_COLOURS[_pool_group(r.resource, staff_roles)]
        ax.barh(yy, r.mean, xerr=r.half, color=colour, height=0.7, error_kw={"lw": 0.8, "capsize": 1.5})
        ax.annotate(f"{r.mean:.0f}%" if r.mean >= 1 else f"{r.mean:.1f}%", (r.mean + r.half, yy), xytext=(3, 0),
                    textcoords="offset points", va="center", fontsize=7)
        if r.call_ins_week > 0:
            ax2.barh(yy, r.call_ins_week, color=PURPLE, height=0.7)
            text = f"{r.call_ins_week:.1f}" if r.call_ins_week >= 0.05 else "<0.1"
            ax2.annotate(text, (r.call_ins_week, yy), xytext=(3, 0), textcoords="offset points", va="center",
                         fontsize=7)
    ax.set_yticks([t[0] for t in ticks], [t[1] for t in ticks])
    for label, (_, _, heading) in zip(ax.get_yticklabels(), ticks, strict=True):
        label.set_fontweight("bold" if heading else "normal")
    ax.set_ylim(y - 0.5, -0.5)
    ax.set_xlim(0, max(100.0, float((stats["mean"] + stats["half"]).max()) * 1.1))
    ax.set_xlabel("utilisation (% of staffed capacity)\nmean and 95% CI over replications")
    ax2.set_xlabel("on-call call-outs\nper week")
    ax2.set_xlim(0, max(1.0, float(stats["call_ins_week"].max()) * 1.35))
    for a in (ax, ax2):
        a.grid(axis="y", visible=False)
    handles = [plt.Rectangle((0, 0), 1, 1, color=c) for c in GROUP_COLOURS.values()]
    fig.legend(handles, list(GROUP_COLOURS), loc="outside lower center", ncols=3)
    headline(fig, "Utilisation by hospital and pool, and on-call call-outs")
    return fig


def home_ddi_team_away(home: pd.DataFrame, targets: dict[str, float], labels: dict[str, str] | None = None) -> Figure:
    """Each obstetric hospital's own DDI when an outreach team of its own is away and when it is not.

    ``home`` holds home cases with ``urgency``, ``decision_to_delivery_min``,
    a boolean ``team_away`` (an outreach team from the case's hospital was
    away at the decision) and, with several obstetric hospitals, ``hospital``.
    One panel per urgency (and a row per hospital when there are several):
    the cumulative share delivered by each time.
    """
    sel = home[home["decision_to_delivery_min"].notna()]
    urgencies = [u for u in targets if (sel["urgency"] == u).any()]
    if not urgencies:
        return empty_figure("no home emergencies")
    labels = labels or {}
    hospitals = list(dict.fromkeys(sel["hospital"])) if "hospital" in sel else [None]
    fig, axes = plt.subplots(len(hospitals), len(urgencies), figsize=(8, 0.8 + 2.6 * len(hospitals)),
                             layout="constrained", squeeze=False, sharey=True)
    for row, hospital in zip(axes, hospitals, strict=True):
        mine = sel if hospital is None else sel[sel["hospital"] == hospital]
        for ax, u in zip(row, urgencies, strict=True):
            sub = mine[mine["urgency"] == u]
            for away, colour, name in ((False, BLUE, "team at home"), (True, VERMILLION, "team away")):
                v = np.sort(sub.loc[sub["team_away"] == away, "decision_to_delivery_min"].to_numpy(dtype=float))
                if len(v):
                    ax.step(v, 100 * np.arange(1, len(v) + 1) / len(v), where="post", color=colour, lw=1.6,
                            label=f"{name}: n={len(v)}, median {fmt_duration(float(np.median(v)))}")
            ax.axvline(targets[u], color=BLACK, ls="--", lw=0.9)
            ax.annotate(f"target {fmt_duration(targets[u])}", (targets[u], 100), xytext=(3, -2),
                        textcoords="offset points", fontsize=7, va="top")
            if len(sub):
                ax.set_xlim(0, float(np.nanpercentile(sub["decision_to_delivery_min"], 99.5)) * 1.05)
            where = "" if hospital is None or len(hospitals) == 1 else f"{hospital}: "
            ax.set_title(where + labels.get(u, u), fontsize=9)
            ax.set_xlabel("decision to delivery (minutes)")
            if ax.get_legend_handles_labels()[0]:
                ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.2))
        row[0].set_ylabel("caesareans delivered by then (%)")
    axes[0, 0].set_ylim(0, 101)
    headline(fig, "Home emergency caesareans with the outreach team at home or away")
    return fig


def occupancy_by_hour(occupancy: pd.DataFrame, names: dict[tuple[str, str], str] | None = None) -> Figure:
    """Busy units and staffed units by hour of day, one small panel per pool.

    ``occupancy`` is :func:`sim.analysis.occupancy.occupancy_by_hour`.  The
    night shift (19:00-07:00) is shaded; newborns admitted over a NICU's count
    (surge) are stacked above its busy cots.
    """
    if occupancy.empty:
        return empty_figure("no pool activity")
    pools = list(dict.fromkeys(zip(occupancy["hospital"], occupancy["resource"], strict=True)))  # input order
    fig, axes = wrapped_panels(len(pools), panel_height=2.1, extra_height=0.6)
    for ax, (hosp, res) in zip(axes, pools, strict=True):
        d = occupancy[(occupancy["hospital"] == hosp) & (occupancy["resource"] == res)].sort_values("hour")
        hours = np.append(d["hour"].to_numpy(), 24)
        for lo, hi in ((0, 7), (19, 24)):
            ax.axvspan(lo, hi, color=GREY, alpha=0.12, lw=0)
        ax.stairs(d["available_mean"].to_numpy(), hours, baseline=None, color=BLACK, ls="--", lw=1.0,
                  label="staffed (on duty, called in, overtime)")  # no drop to 0 at the day's edges
        busy = d["busy_mean"].to_numpy()
        ax.stairs(busy, hours, color=BLUE, fill=True, alpha=0.55, label="busy")
        surge = d["surge_mean"].to_numpy() if "surge_mean" in d else np.zeros(len(d))
        if (surge > 0).any():
            ax.stairs(busy + surge, hours, baseline=busy, color=VERMILLION, fill=True, alpha=0.55,
                      label="newborns over the count (surge)")
        ax.set_title((names or {}).get((hosp, res), f"{hosp} {pool_words(res)}"), fontsize=9)
        ax.set_xlim(0, 24)
        ax.set_ylim(0, max(1.0, float(max(d["available_mean"].max(), (busy + surge).max())) * 1.15))
        ax.set_xticks([0, 6, 12, 18, 24], ["00:00", "06:00", "12:00", "18:00", "24:00"])
        ax.set_ylabel("units")
    found: dict[str, Any] = {}
    for ax in axes:
        for handle, text in zip(*ax.get_legend_handles_labels(), strict=True):
            found.setdefault(text, handle)
    handles, texts = list(found.values()), list(found)
    handles.append(plt.Rectangle((0, 0), 1, 1, color=GREY, alpha=0.25))
    fig.legend(handles, [*texts, "night shift"], loc="outside lower center", ncols=min(4, len(texts) + 1))
    headline(fig, "Busy and staffed units by time of day (mean over days and replications)")
    return fig
