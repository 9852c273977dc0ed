"""One case's story as a Gantt chart: who waited for what, where, and when by the clock.

``case_steps`` turns the case's events into bars grouped by who or what they
concern (consultation, the mother, the team or escort, the operating room,
the newborn, equipment); ``case_timeline`` draws them against clock time;
``write_timeline`` does both for a case of a results folder.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from sim import store
from sim.analysis.attribution import case_waits
from sim.errors import InputError
from sim.report.charts import (
    BLACK,
    KIND_COLOURS,
    KIND_LABELS,
    binding_text,
    fmt_clock,
    fmt_duration,
    headline,
    plt,
)

CLOCK_STEPS_MIN = [10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880]

# (group, label, kind, start event, end event, wait steps of attribution.case_waits that explain it)
CONSULT = [
    ("Consultation", "waiting for seniors", "wait", "case_created", "consult_start", ("consultation",)),
    ("Consultation", "consultation", "work", "consult_start", "decision", ()),
]
SURGERY = [
    ("anaesthesia", "work", "theatre_entry", "incision", ()),
    ("incision to delivery", "work", "incision", "delivery", ()),
    ("closure", "work", "delivery", "surgery_end", ()),
]
NICU = [
    ("Newborn", "waiting for a NICU cot", "wait", "nicu_arrival", "nicu_admission", ("NICU cot",)),
    ("Newborn", "in the NICU", "stay", "nicu_admission", "nicu_discharge", ()),
]
TEAM = "Team from {home}"
MOTHER = "Mother at {host}"
OUTREACH_STEPS = [
    *CONSULT,
    (TEAM, "waiting for the planned time", "wait", "decision", "team_requested", ("planned wait",)),
    (TEAM, "assembling team and equipment", "wait", "team_requested", "team_assembled", ("team dispatch",)),
    (TEAM, "mobilisation", "prepare", "team_assembled", "team_departed", ()),
    (TEAM, "travel to {host}", "travel", "team_departed", "team_on_site", ()),
    (TEAM, "set-up on site", "prepare", "team_on_site", "team_ready", ()),
    (TEAM, "ready, waiting to operate", "wait", "team_ready", "theatre_entry",
     ("waiting for the mother", "waiting for the surgery slot", "theatre")),
    (TEAM, "in theatre", "work", "theatre_entry", "surgery_end", ()),
    (TEAM, "travel home", "travel", "surgery_end", "team_returned", ()),
    (MOTHER, "waiting for an ICU bed", "wait", "decision", "stabilisation_start", ("ICU bed",)),
    (MOTHER, "stabilisation in ICU", "stay", "stabilisation_start", "stabilisation_end", ()),
    *[(MOTHER, *step) for step in SURGERY],
    (MOTHER, "postoperative ICU", "stay", "surgery_end", "icu_discharge", ()),
    ("Operating room at {host}", "waiting for a room", "wait", "theatre_request", "theatre_entry", ("theatre",)),
    ("Operating room at {host}", "in use", "stay", "theatre_entry", "surgery_end", ()),
    ("Newborn", "neonatal stabilisation", "work", "delivery", "neonatal_stabilised", ()),
    ("Newborn", "incubator transport to {nicu}", "travel", "newborn_departed", "nicu_arrival", ()),
    *NICU,
    ("Equipment", "restocking the kit", "restock", "team_returned", "restocked_kit", ()),
    ("Equipment", "restocking the incubator", "restock", "nicu_admission", "restocked_incubator", ()),
]
ESCORT = "Ambulance and escort from {home}"
TRANSFER_STEPS = [
    *CONSULT,
    (ESCORT, "waiting for ambulance and escort", "wait", "team_requested", "team_assembled", ("team dispatch",)),
    (ESCORT, "travel to {host}", "travel", "team_assembled", "team_on_site", ()),
    (ESCORT, "packaging the mother", "prepare", "team_on_site", "team_ready", ()),
    ("Mother", "waiting for an ICU bed", "wait", "decision", "stabilisation_start", ("ICU bed",)),
    ("Mother", "stabilisation in ICU", "stay", "stabilisation_start", "stabilisation_end", ()),
    ("Mother", "transfer to {home}", "travel", "mother_departed", "mother_arrived", ()),
    ("Mother", "waiting to operate", "wait", "mother_arrived", "theatre_entry",
     ("waiting for the surgery slot", "theatre")),
    *[("Mother", *step) for step in SURGERY],
    ("Mother", "postoperative ICU", "stay", "surgery_end", "icu_discharge", ()),
    ("Newborn", "neonatal stabilisation", "work", "delivery", "neonatal_stabilised", ()),
    ("Newborn", "waiting for a NICU cot", "wait", "neonatal_stabilised", "nicu_admission", ("NICU cot",)),
    NICU[1],
]
HOME_STEPS = [
    ("Mother at {host}", "preparation and waiting for theatre", "wait", "decision", "theatre_entry", ("theatre",)),
    *[("Mother at {host}", *step) for step in SURGERY],
    ("Operating room and team at {host}", "in use", "stay", "theatre_entry", "surgery_end", ()),
    ("Newborn", "neonatal stabilisation", "work", "delivery", "neonatal_stabilised", ()),
    ("Newborn", "waiting for a NICU cot", "wait", "neonatal_stabilised", "nicu_admission", ("NICU cot",)),
    NICU[1],
]
STEPS = {"outreach": OUTREACH_STEPS, "transfer": TRANSFER_STEPS, "home": HOME_STEPS}
STEP_COLUMNS = ["group", "label", "kind", "start_min", "end_min", "note"]

LONG_STAYS = {"postoperative ICU", "in the NICU"}
"""Stays that run days past the rest of the story; drawn cut at the edge of the view."""


def event_times(events: pd.DataFrame, incubator: str | None) -> dict[str, float]:
    """First time of each event of one case, plus the theatre request and each item's restock."""
    first = events.groupby("event", sort=False)["time_min"].first()
    times = {str(k): float(v) for k, v in first.items()}
    room = events[(events["event"] == "request") & (events["resource"] == "operating_room")]
    if len(room):
        times["theatre_request"] = float(room["time_min"].iloc[0])
    restock = events[events["event"] == "equipment_restocked"]
    for item, t in zip(restock["resource"], restock["time_min"], strict=True):
        times.setdefault("restocked_incubator" if item == incubator else "restocked_kit", float(t))
    return times


def _explain(waits: pd.DataFrame, steps: tuple[str, ...], start: float, end: float) -> str:
    sel = waits[waits["step"].isin(steps) & (waits["start_min"] < end) & (waits["end_min"] > start)]
    return "; ".join(dict.fromkeys(binding_text(b) for b in sel["binding"] if b))


def case_steps(case: pd.Series, events: pd.DataFrame, waits: pd.DataFrame, home: str,
               incubator: str | None = None) -> pd.DataFrame:
    """The bars of one case's Gantt chart.

    Parameters
    ----------
    case : the case's row of the cases table.
    events : the case's own events, in log order.
    waits : the case's rows of :func:`sim.analysis.attribution.case_waits`.
    home : the team's (obstetric) hospital.
    incubator : the team's incubator item, to tell its restock from the kit's.

    Returns
    -------
    ``group, label, kind, start_min, end_min, note``: steps that happened, in
    story order; ``note`` gives the duration and, for a wait, what bound it.
    """
    kind = "home" if case["case_type"] == "home" else str(case["pathway"])
    nicu = case.get("nicu_hospital")
    names = {"home": home, "host": case["hospital"], "nicu": nicu if isinstance(nicu, str) else home}
    times = event_times(events, incubator)
    rows = []
    for group, label, bar, a, b, explained_by in STEPS.get(kind, OUTREACH_STEPS):
        start, end = times.get(a, math.nan), times.get(b, math.nan)
        if not (math.isfinite(start) and math.isfinite(end) and end > start):
            continue
        note = fmt_duration(end - start)
        why = _explain(waits, explained_by, start, end) if bar == "wait" else ""
        rows.append({"group": group.format(**names), "label": label.format(**names), "kind": bar,
                     "start_min": start, "end_min": end, "note": f"{note}: {why}" if why else note})
    return pd.DataFrame(rows, columns=STEP_COLUMNS)


def clock_ticks(start: float, end: float, max_ticks: int = 9) -> tuple[list[float], list[str]]:
    """Ticks at round clock times over [start, end] (minutes) and their labels; the day is named
    at the first tick and wherever a new day begins."""
    step = next((s for s in CLOCK_STEPS_MIN if (end - start) / s <= max_ticks), CLOCK_STEPS_MIN[-1])
    ticks = list(np.arange(math.ceil(start / step) * step, end + 1e-9, step))
    labels, last_day = [], None
    for t in ticks:
        day = int(t // 1440)
        labels.append(fmt_clock(t, False) + (f"\n{fmt_clock(t).rsplit(' ', 1)[0]}" if day != last_day else ""))
        last_day = day
    return ticks, labels


def _rows(steps: pd.DataFrame) -> tuple[list[tuple[int, str, bool]], list[int]]:
    """Y positions: a heading row per group, then one row per step."""
    ticks, ys, y = [], [], 0
    for group, grp in steps.groupby("group", sort=False):
        ticks.append((y, str(group), True))
        y += 1
        for label in grp["label"]:
            ticks.append((y, label, False))
            ys.append(y)
            y += 1
    return ticks, ys


def case_timeline(case: pd.Series, steps: pd.DataFrame, target_min: float | None = None) -> Figure:
    """A Gantt chart of one case against clock time (``steps`` from :func:`case_steps`)."""
    steps = steps.assign(_g=pd.Categorical(steps["group"], categories=list(dict.fromkeys(steps["group"]))))
    steps = steps.sort_values("_g", kind="stable").drop(columns="_g")
    ticks, ys = _rows(steps)
    short = steps[~steps["label"].isin(LONG_STAYS)]
    start = float(steps["start_min"].min())
    end = float((short if len(short) else steps)["end_min"].max())
    start, end = start - 0.02 * (end - start), end + 0.04 * (end - start)
    fig, ax = plt.subplots(figsize=(8.5, 0.24 * len(ticks) + 1.6), layout="constrained")
    for y, row in zip(ys, steps.itertuples(index=False), strict=True):
        right = min(row.end_min, end)
        ax.barh(y, right - row.start_min, left=row.start_min, height=0.7, color=KIND_COLOURS[row.kind],
                hatch="////" if row.kind == "wait" else None, edgecolor="white", lw=0)
        note = row.note if row.end_min <= end else f"{row.note}, until {fmt_clock(row.end_min)}"
        if row.end_min > end:
            ax.plot(right, y, marker=">", color=KIND_COLOURS[row.kind], ms=6, clip_on=False)
        ax.annotate(note, (1.0, y), xycoords=("axes fraction", "data"), xytext=(6, 0), textcoords="offset points",
                    va="center", fontsize=7.5)
    ax.set_yticks([t[0] for t in ticks], [t[1] for t in ticks])
    for label, (_, _, heading) in zip(ax.get_yticklabels(), ticks, strict=True):
        label.set_fontweight("bold" if heading else "normal")
    ax.set_ylim(len(ticks) - 0.5, -0.5)
    ax.set_xlim(start, end)
    ax.set_xticks(*clock_ticks(start, end))
    ax.grid(axis="y", visible=False)
    ax.set_xlabel("clock time (day of week and day of the run)")
    _milestones(ax, case)
    kinds = [k for k in KIND_COLOURS if k in set(steps["kind"])]
    handles = [plt.Rectangle((0, 0), 1, 1, color=KIND_COLOURS[k], hatch="////" if k == "wait" else None, ec="white")
               for k in kinds]
    fig.legend(handles, [KIND_LABELS[k] for k in kinds], loc="outside lower center", ncols=len(kinds))
    headline(fig, _title(case, target_min))
    return fig


def _milestones(ax: plt.Axes, case: pd.Series) -> None:
    marks = [(case.get(f"{m}_min"), m) for m in ("decision", "deteriorated", "delivery")]
    marks = [(float(t), m) for t, m in marks if t is not None and pd.notna(t)]
    for t, _ in marks:
        ax.axvline(t, color=BLACK, lw=0.8, ls="--" if _ != "deteriorated" else ":")
    top = ax.secondary_xaxis("top")
    top.set_xticks([t for t, _ in marks], [f"{m} {fmt_clock(t, False)}" for t, m in marks], fontsize=7.5)
    top.tick_params(length=0)


def _title(case: pd.Series, target_min: float | None) -> str:
    urgency = str(case["urgency"])
    if case.get("urgency_initial") and case["urgency_initial"] != case["urgency"]:
        urgency = f"{case['urgency_initial']}, deteriorated to {case['urgency']}"
    where = f"at {case['hospital']}"
    first = f"Case {case['case_id']} (replication {case['replication']}): {case['case_type']} case {where}, {urgency}"
    ddi = case.get("decision_to_delivery_min")
    second = f"DDI {fmt_duration(ddi)}" if pd.notna(ddi) else "not delivered within the run"
    if target_min is not None and pd.notna(ddi):
        second += f" (target {fmt_duration(target_min)})"
    if pd.notna(case.get("birth_weight_g")):
        second += f"; birth weight {case['birth_weight_g']:,.0f} g"
    return f"{first}\n{second}"


def load_case(folder: Path, replication: int, case_id: int) -> tuple[pd.Series, pd.DataFrame, dict]:
    """The case's row, its replication's events (log order) and the manifest; InputError if absent."""
    folder = Path(folder)
    if not store.is_results_folder(folder):
        raise InputError(f"{folder} is not a results folder (no manifest.json)")
    cases = store.read_table(folder, "cases")
    reps = sorted(int(r) for r in cases["replication"].unique())
    if replication not in reps:
        raise InputError(f"--replication {replication}: {folder} has replications "
                         f"{reps[0] if reps else '-'} to {reps[-1] if reps else '-'}")
    mine = cases[(cases["replication"] == replication) & (cases["case_id"] == case_id)]
    if mine.empty:
        ids = cases.loc[cases["replication"] == replication, "case_id"]
        raise InputError(f"--case {case_id}: no such case in replication {replication} "
                         f"(case ids {ids.min()} to {ids.max()}; see cases.parquet)")
    events = store.read_table(folder, "events")
    return mine.iloc[0], events[events["replication"] == replication], store.read_json(folder)


def write_timeline(folder: str | Path, replication: int, case_id: int, out: str | Path | None = None) -> Path:
    """Draw one case's Gantt chart; write PNG (300 dpi) and SVG; return the PNG's path.

    The default is ``figures/timeline-r<replication>-c<case>.png`` in the results folder.
    """
    case, events, manifest = load_case(Path(folder), replication, case_id)
    sc = manifest["scenario"]
    run_end = 1440.0 * float(sc["run"]["horizon_days"])
    waits = case_waits(events, pd.DataFrame([case]), end_min=run_end, case_ids=[case_id])
    mine = events[events["case_id"] == case_id]
    steps = case_steps(case, mine, waits, sc["team"]["home"], sc["team"].get("incubator"))
    target = sc["urgency"].get(str(case["urgency"]), {}).get("target_min")
    fig = case_timeline(case, steps, target)
    png = Path(out) if out else Path(folder) / "figures" / f"timeline-r{replication}-c{case_id}.png"
    png = png.with_suffix(".png")
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=300)
    fig.savefig(png.with_suffix(".svg"), format="svg", metadata={"Date": None})
    plt.close(fig)
    return png
