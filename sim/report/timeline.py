"""One case's story as a Gantt chart: who waited for what, where, and when by the clock.

``case_steps`` turns the case's events into bars grouped by who or what they
concern (consultation, the mother, the team or the transfer crew, the operating room,
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
    png_dpi,
)
from sim.report.manifest import checked_manifest

CLOCK_STEPS_MIN = [10, 15, 30, 60, 120, 180, 360, 720, 1440, 2880]

# (group, label, kind, start event, end event, wait steps of attribution.case_waits that explain it)
CONSULT = [
    ("Consultation", "waiting for the on-call senior to answer", "wait", "case_created", "consult_start", ()),
    ("Consultation", "telephone consultation", "work", "consult_start", "decision", ()),
]
SURGERY = [
    ("anaesthesia", "work", "theatre_entry", "incision", ()),
    ("incision to delivery", "work", "incision", "delivery", ()),
    ("closure", "work", "delivery", "surgery_end", ()),
]
NICU_STAY = ("Newborn", "in the NICU", "stay", "nicu_admission", "nicu_discharge", ())
TEAM = "Team from {home}"
MOTHER = "Mother at {host}"
PREPARE_MOTHER = "resuscitation or stabilisation"
RECOVERY = [
    ("waiting for an ICU bed (in recovery)", "wait", "surgery_end", "icu_admission", ("ICU bed",)),
    ("postoperative ICU", "stay", "icu_admission", "icu_discharge", ()),
]
OUTREACH_STEPS = [
    *CONSULT,
    (TEAM, "waiting for the planned time", "wait", "decision", "team_requested",
     ("planned wait: mother", "planned wait")),
    (TEAM, "assembling team and equipment", "wait", "team_requested", "team_assembled", ("team dispatch",)),
    (TEAM, "mobilisation", "prepare", "team_assembled", "team_departed", ()),
    (TEAM, "travel to {host}", "travel", "team_departed", "team_on_site", ()),
    (TEAM, "set-up on site", "prepare", "team_on_site", "team_ready", ()),
    (TEAM, "ready, waiting to operate", "wait", "team_ready", "theatre_entry",
     ("waiting for the mother", "waiting for the surgery slot", "theatre")),
    (TEAM, "in theatre", "work", "theatre_entry", "surgery_end", ()),
    (TEAM, "travel home", "travel", "team_leaves", "team_returned", ()),
    (MOTHER, PREPARE_MOTHER, "work", "stabilisation_start", "stabilisation_end", ()),
    (MOTHER, "ready, waiting for theatre", "wait", "stabilisation_end", "theatre_entry",
     ("planned wait", "team dispatch", "waiting for the surgery slot", "theatre")),
    (MOTHER, "host's own staff called to start", "wait", "crash_call", "crash_start", ()),
    *[(MOTHER, *step) for step in SURGERY],
    *[(MOTHER, *step) for step in RECOVERY],
    ("Operating room at {host}", "waiting for a room", "wait", "theatre_request", "theatre_entry", ("theatre",)),
    ("Operating room at {host}", "in use", "stay", "theatre_entry", "surgery_end", ()),
    ("Newborn", "neonatal stabilisation", "work", "delivery", "neonatal_stabilised", ()),
    ("Newborn", "waiting for the team", "wait", "neonatal_stabilised", "newborn_departed", ()),
    ("Newborn", "incubator transport to {home}", "travel", "newborn_departed", "nicu_arrival", ()),
    ("Newborn", "waiting for a NICU cot", "wait", "nicu_arrival", "nicu_released", ("NICU cot",)),
    ("Newborn", "diverted to {nicu}", "travel", "newborn_diverted", "nicu_admission", ("NICU cot",)),
    NICU_STAY,
    ("Equipment", "restocking the kit", "restock", "team_returned", "restocked_kit", ()),
    ("Equipment", "restocking the incubator", "restock", "nicu_admission", "restocked_incubator", ()),
]
CREW = "Ambulance and escort from {home}"
TRANSFER_STEPS = [
    *CONSULT,
    (CREW, "waiting for the planned time", "wait", "decision", "crew_requested",
     ("planned wait: mother", "planned wait")),
    (CREW, "waiting for ambulance and escort", "wait", "crew_requested", "crew_assembled", ("crew dispatch",)),
    (CREW, "mobilisation", "prepare", "crew_assembled", "crew_departed", ()),
    (CREW, "travel to {host}", "travel", "crew_departed", "crew_on_site", ()),
    (CREW, "waiting for the mother", "wait", "crew_on_site", "stabilisation_end", ("waiting for the mother",)),
    (CREW, "packaging the mother", "prepare", "packaging_start", "mother_packaged", ()),
    ("Mother", PREPARE_MOTHER, "work", "stabilisation_start", "stabilisation_end", ()),
    ("Mother", "ready, waiting for the ambulance", "wait", "stabilisation_end", "crew_on_site",
     ("planned wait", "crew dispatch")),
    ("Mother", "transfer to {home}", "travel", "mother_departed", "mother_arrived", ()),
    ("Mother", "handover and theatre preparation", "prepare", "mother_arrived", "handover_done", ()),
    ("Mother", "waiting to operate", "wait", "handover_done", "theatre_entry",
     ("waiting for the surgery slot", "theatre")),
    *[("Mother", *step) for step in SURGERY],
    *[("Mother", *step) for step in RECOVERY],
    ("Newborn", "neonatal stabilisation", "work", "delivery", "neonatal_stabilised", ()),
    ("Newborn", "waiting for a NICU cot", "wait", "neonatal_stabilised", "nicu_released", ("NICU cot",)),
    ("Newborn", "diverted to {nicu}", "travel", "newborn_diverted", "nicu_admission", ("NICU cot",)),
    NICU_STAY,
]
HOME_STEPS = [
    ("Mother at {host}", "preparation and waiting for theatre", "wait", "decision", "theatre_entry", ("theatre",)),
    *[("Mother at {host}", *step) for step in SURGERY],
    ("Operating room and team at {host}", "in use", "stay", "theatre_entry", "surgery_end", ()),
    ("Newborn", "neonatal stabilisation", "work", "delivery", "neonatal_stabilised", ()),
    ("Newborn", "waiting for a NICU cot", "wait", "neonatal_stabilised", "nicu_released", ("NICU cot",)),
    ("Newborn", "diverted to {nicu}", "travel", "newborn_diverted", "nicu_admission", ("NICU cot",)),
    NICU_STAY,
]
STEPS = {"outreach": OUTREACH_STEPS, "transfer": TRANSFER_STEPS, "home": HOME_STEPS}
STEP_COLUMNS = ["group", "label", "kind", "start_min", "end_min", "note"]

LONG_STAYS = {"postoperative ICU", "in the NICU"}
"""Stays that run days past the rest of the story; drawn cut at the edge of the view."""


def event_times(events: pd.DataFrame, incubator: str | None) -> dict[str, float]:
    """First time of each event of one case, plus derived moments: the theatre request, each
    item's restock, when the team could leave for home (``team_leaves``: after surgery, once it had
    arrived), when crew and mother were both ready (``packaging_start``) and when the wait for the
    first unit's cot ended (``nicu_released``: the admission, or the diversion)."""
    first = events.groupby("event", sort=False)["time_min"].first()
    times = {str(k): float(v) for k, v in first.items()}
    if "detail" in events:  # the consultation's decision names the pathway (a deterioration before it does not)
        decided = events.loc[(events["event"] == "decision") & (events["detail"] != ""), "time_min"]
        if len(decided):
            times["decision"] = float(decided.iloc[0])
    room = events[(events["event"] == "request") & (events["resource"] == "operating_room")]
    if len(room):
        times["theatre_request"] = float(room["time_min"].iloc[0])
    restock = events[events["event"] == "equipment_restocked"]
    for item, t in zip(restock["resource"], restock["time_min"], strict=True):
        times.setdefault("restocked_incubator" if item == incubator else "restocked_kit", float(t))
    nan = math.nan
    if "team_returned" in times:
        times["team_leaves"] = max(times.get("surgery_end", nan), times.get("team_ready", nan))
    if "mother_packaged" in times:
        times["packaging_start"] = max(times.get("crew_on_site", nan), times.get("stabilisation_end", nan))
    released = times.get("newborn_diverted", times.get("nicu_admission"))
    if released is not None:
        times["nicu_released"] = released
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
    crash = "crash_start" in times
    admitted = events[events["event"] == "nicu_admission"]
    surge = "detail" in admitted and bool((admitted["detail"] == "surge").any())
    rows = []
    for group, label, bar, a, b, explained_by in STEPS.get(kind, OUTREACH_STEPS):
        if crash and group == TEAM and label in ("ready, waiting to operate", "in theatre"):
            continue  # the host's own staff operated; the team came for the newborn
        start, end = times.get(a, math.nan), times.get(b, math.nan)
        if not (math.isfinite(start) and math.isfinite(end) and end > start):
            continue
        note = fmt_duration(end - start)
        why = _explain(waits, explained_by, start, end) if bar == "wait" else ""
        if label == "in the NICU" and surge:
            why = "admitted over the unit's count (surge)"
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
    names = {"first_decision": "decision", "deteriorated": "deteriorated", "crash_start": "host starts",
             "delivery": "delivery"}
    first = case.get("first_decision_min")
    times = {**{m: case.get(f"{m}_min") for m in names},
             "first_decision": first if first is not None and pd.notna(first) else case.get("decision_min")}
    marks = sorted((float(t), m) for m, t in times.items() if t is not None and pd.notna(t))
    for t, m in marks:
        ax.axvline(t, color=BLACK, lw=0.8, ls="--" if m in ("first_decision", "delivery") else ":")
    left, right = ax.get_xlim()
    ticks: list[float] = []
    labels: list[str] = []
    for t, m in marks:  # marks closer than 4% of the view share one label
        text = f"{names[m]} {fmt_clock(t, False)}"
        if ticks and t - ticks[-1] < 0.04 * (right - left):
            labels[-1] += f", {text}"
        else:
            ticks.append(t)
            labels.append(text)
    top = ax.secondary_xaxis("top")
    top.set_xticks(ticks, labels, fontsize=7.5, rotation=30, ha="left", rotation_mode="anchor")  # no overlap
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
    manifest = checked_manifest(folder)
    cases = store.read_table(folder, "cases")
    reps = sorted(int(r) for r in cases["replication"].unique())
    if not reps:
        raise InputError(f"{folder} has no cases (cases.parquet is empty): there is no timeline to draw")
    if replication not in reps:
        raise InputError(f"--replication {replication}: {folder} has replications "
                         f"{reps[0]} to {reps[-1]}")
    mine = cases[(cases["replication"] == replication) & (cases["case_id"] == case_id)]
    if mine.empty:
        ids = cases.loc[cases["replication"] == replication, "case_id"]
        raise InputError(f"--case {case_id}: no such case in replication {replication} "
                         f"(case ids {ids.min()} to {ids.max()}; see cases.parquet)")
    events = store.read_table(folder, "events", replication=replication).reset_index(drop=True)
    if not (events["case_id"] == case_id).any():
        raise InputError(f"--case {case_id}: {folder / 'events.parquet'} has no events of it in replication "
                         f"{replication} (the folder's tables do not match: run it again)")
    return mine.iloc[0], events, manifest


def case_team(sc: dict, events: pd.DataFrame) -> dict:
    """The scenario entry (a mapping) of the team sent to the case whose ``events`` these are:
    the one named by ``team_chosen``, else the first team."""
    teams = sc.get("teams") or [sc["team"]]
    chosen = events.loc[events["event"] == "team_chosen", "resource"]
    name = chosen.iloc[-1] if len(chosen) else None
    return next((t for t in teams if (t.get("id") or t["home"]) == name), teams[0])


def obstetric_hospital(case: pd.Series, events: pd.DataFrame, team_home: str) -> str:
    """The obstetric hospital of a case: its own (home case), the one its transfer went to,
    or its team's home."""
    if case["case_type"] == "home":
        return str(case["hospital"])
    crew = events.loc[events["event"] == "crew_requested", "hospital"]
    return str(crew.iloc[-1]) if len(crew) else team_home


def png_name(out: str | Path) -> Path:
    """The PNG to write for ``--out``: the name as given when it ends in ``.png`` (any case), with ``.png``
    added when it has no suffix.  InputError for another suffix, a name that is only ``.png`` or one
    ending in a separator (a folder)."""
    text, path = str(out), Path(out)
    if text.endswith(("/", "\\")) or path.name.lower() == ".png" or path.suffix.lower() not in ("", ".png"):
        raise InputError(f"--out {out}: give a .png file name (the SVG is written beside it)")
    return path if path.suffix else path.with_suffix(".png")


def write_timeline(folder: str | Path, replication: int, case_id: int, out: str | Path | None = None) -> Path:
    """Draw one case's Gantt chart; write PNG (300 dpi, at most 2,000 px wide) and SVG; return the PNG's path.

    The default is ``figures/timeline-r<replication>-c<case>.png`` in the results folder.  Only the
    case's replication of the event log is read.  Raises InputError for an ``out`` that is not a
    ``.png`` name (nothing is written) and for a folder, replication or case that is not there.
    """
    png = None if out is None else png_name(out)
    case, events, manifest = load_case(Path(folder), replication, case_id)
    sc = manifest["scenario"]
    run_end = 1440.0 * float(sc["run"]["horizon_days"])
    waits = case_waits(events, pd.DataFrame([case]), end_min=run_end, case_ids=[case_id])
    mine = events[events["case_id"] == case_id]
    team = case_team(sc, mine)
    steps = case_steps(case, mine, waits, obstetric_hospital(case, mine, team["home"]), team.get("incubator"))
    target = sc["urgency"].get(str(case["urgency"]), {}).get("target_min")
    fig = case_timeline(case, steps, target)
    png = png or Path(folder) / "figures" / f"timeline-r{replication}-c{case_id}.png"
    png.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(png, dpi=png_dpi(fig))
    fig.savefig(png.with_suffix(".svg"), format="svg", metadata={"Date": None})
    plt.close(fig)
    return png
