"""The event-log tables as version 6b19476 built them, kept as the reference the faster ones must equal.

``events_frame`` went through ``DataFrame.from_records`` and a string cast,
``cases_table`` filtered the whole log once per column and added its derived
columns one by one, ``resources_table`` sorted every quantity's rows pool by pool.  Only the tests use this module.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.tables import EVENT_COLUMNS, FLAGS, INTERVALS, MILESTONES, filled


def events_frame(rows: list[tuple], replication: int) -> pd.DataFrame:
    """The model's rows as a typed DataFrame with a ``replication`` column."""
    df = pd.DataFrame.from_records(rows, columns=EVENT_COLUMNS[1:])
    df.insert(0, "replication", np.int32(replication))
    df["case_id"] = df["case_id"].astype("int64")
    df["time_min"] = df["time_min"].astype("float64")
    df["value"] = df["value"].astype("float64")
    for col in ("event", "hospital", "resource", "detail"):
        df[col] = df[col].astype("string")
    return df


def _first(events: pd.DataFrame, name: str, column: str) -> pd.Series:
    sel = events[events["event"] == name]
    return sel.groupby(["replication", "case_id"])[column].first()


def _last(events: pd.DataFrame, name: str, column: str) -> pd.Series:
    sel = events[events["event"] == name]
    return sel.groupby(["replication", "case_id"])[column].last()


def _flag(events: pd.DataFrame, name: str, detail: str | None = None, value: float | None = None) -> pd.Series:
    """True for the cases with an event ``name`` (with that detail or value, when given)."""
    sel = events[events["event"] == name]
    if detail is not None:
        sel = sel[sel["detail"] == detail]
    if value is not None:
        sel = sel[sel["value"] == value]
    return pd.Series(True, index=pd.MultiIndex.from_frame(sel[["replication", "case_id"]].drop_duplicates()))


def dispatch_decisions(ev: pd.DataFrame) -> pd.DataFrame:
    """Per case: ``time_min`` of the last decision at or before the last request of a team or crew,
    and ``dispatch_urgency``, her urgency then."""
    keys = ["replication", "case_id"]
    asked = ev[ev["event"].isin(["team_requested", "crew_requested"])].groupby(keys)["time_min"].max()
    asked = asked.rename("asked_min").reset_index()
    out = []
    for name, column in (("decision", "time_min"), ("urgency", "detail")):
        sel = ev.loc[ev["event"] == name, [*keys, "time_min", "detail"]].merge(asked, on=keys)
        sel = sel[sel["time_min"] <= sel["asked_min"]]
        out.append(sel.groupby(keys)[column].last())
    return pd.DataFrame({"time_min": out[0], "dispatch_urgency": out[1]})


def cases_table(events: pd.DataFrame, urgency_targets: dict[str, float]) -> pd.DataFrame:
    """The old cases table, a filter of the whole log per column: as :func:`sim.analysis.tables.cases_table`."""
    ev = events[events["case_id"] >= 0]
    # the consultation's decision names the pathway; a deterioration before it logs a decision without one
    decided = ev[(ev["event"] == "decision") & (ev["detail"] != "")]
    cases = pd.DataFrame({
        "case_type": _first(ev, "case_created", "detail"),
        "hospital": _first(ev, "case_created", "hospital"),
        "gestation_weeks": _first(ev, "case_created", "value"),
        "urgency_initial": _first(ev, "urgency", "detail"),
        "urgency": _last(ev, "urgency", "detail"),
        "severity": _first(ev, "severity", "detail"),
        "pathway": _first(decided, "decision", "detail"),
        "team_home": _last(ev, "team_chosen", "hospital").combine_first(_first(ev, "team_assembled", "hospital")),
        "birth_weight_g": _first(ev, "delivery", "value"),
        "nicu_hospital": _first(ev, "nicu_admission", "hospital"),
        "team": _last(ev, "team_chosen", "resource"),
        "team_expected_arrival_min": _last(ev, "team_chosen", "value"),
        "booked_slot_min": _first(ev, "surgery_scheduled", "value"),
    })
    flags = {"nicu_diverted": _flag(ev, "newborn_diverted"),
             "nicu_surge": _flag(ev, "nicu_admission", detail="surge"),
             "icu_bed_wait": _flag(ev, "icu_bed_wait"),
             "host_started": _flag(ev, "crash_start"),
             "deteriorated_in_transit": _flag(ev, "deteriorated", value=1.0)}
    for name in FLAGS:
        cases[name] = flags[name].reindex(cases.index, fill_value=False).astype(bool)
    milestones = ev[ev["event"].isin(MILESTONES)]
    times = milestones.pivot_table(index=["replication", "case_id"], columns="event", values="time_min",
                                   aggfunc="first", observed=True)
    times = times.reindex(columns=MILESTONES)
    times.columns = [f"{m}_min" for m in MILESTONES]
    times["decision_min"] = _last(ev, "decision", "time_min")
    for asked in ("team_requested", "crew_requested"):  # a re-booked case is asked for again: the request that held
        times[f"{asked}_min"] = _last(ev, asked, "time_min")
    times["first_decision_min"] = _first(decided, "decision", "time_min")
    dispatch = dispatch_decisions(ev)
    times["dispatch_decision_min"] = dispatch["time_min"]
    cases = cases.join(times, how="left").join(dispatch[["dispatch_urgency"]], how="left").reset_index()
    return derived_columns(cases, urgency_targets)


def derived_columns(cases: pd.DataFrame, urgency_targets: dict[str, float]) -> pd.DataFrame:
    """The old derived columns, added one by one to the cases table (changes ``cases``)."""
    for name, (start, end) in INTERVALS.items():
        cases[name] = cases[f"{end}_min"] - cases[f"{start}_min"]
    # after a host-started caesarean the team arrives when she is already in theatre: no wait of a ready team
    cases["ready_to_theatre_min"] = cases["ready_to_theatre_min"].where(~cases["host_started"])
    cases["target_min"] = cases["urgency"].map(urgency_targets).astype("float64")
    delivered = cases["decision_to_delivery_min"].notna()
    cases["within_target"] = (cases["decision_to_delivery_min"] <= cases["target_min"]).where(delivered)
    cases["status"] = np.where(cases["case_closed_min"].notna(), "completed", "in_progress")
    reached = cases[[f"{m}_min" for m in MILESTONES]].notna().to_numpy()
    last = reached.shape[1] - 1 - np.argmax(reached[:, ::-1], axis=1)
    cases["stage"] = np.array(MILESTONES)[last]
    cases["deteriorated"] = cases["deteriorated_min"].notna()
    for col in ("case_type", "hospital", "urgency_initial", "urgency", "dispatch_urgency", "severity", "pathway",
                "team", "team_home",
                "nicu_hospital", "status", "stage"):
        cases[col] = cases[col].astype("string")
    return cases


def _integrate(df: pd.DataFrame, delta: str, start: float, end: float) -> pd.Series:
    """Integral over [start, end] of a per-pool step function given by time-sorted ``delta``s."""
    df = df.sort_values(["hospital", "resource", "time_min"], kind="stable")
    keys = ["hospital", "resource"]
    level = df.groupby(keys, observed=True)[delta].cumsum()
    t0 = df["time_min"].clip(lower=start, upper=end)
    t1 = df.groupby(keys, observed=True)["time_min"].shift(-1).fillna(end).clip(lower=start, upper=end)
    return (level * (t1 - t0)).groupby([df["hospital"], df["resource"]], observed=True).sum()


def _max_level(df: pd.DataFrame, delta: str) -> pd.Series:
    df = df.sort_values(["hospital", "resource", "time_min"], kind="stable")
    level = df.groupby(["hospital", "resource"], observed=True)[delta].cumsum()
    return level.groupby([df["hospital"], df["resource"]], observed=True).max()


def request_waits(events: pd.DataFrame, horizon_min: float) -> pd.DataFrame:
    """Each pool request with its wait, to its grant or its withdrawal; requests still waiting at the
    horizon are censored there.

    A case's k-th request of a pool ends with its k-th ``acquire`` or ``withdraw`` of that pool
    (a case never queues twice for one pool at once).  ``time_min_acquire`` is the grant's time
    (empty unless granted); ``granted`` and ``withdrawn`` say how the wait ended.
    """
    keys = ["replication", "case_id", "hospital", "resource"]
    req = events[events["event"] == "request"][[*keys, "time_min"]].copy()
    end = events[events["event"].isin(["acquire", "withdraw"])][[*keys, "time_min", "event"]].copy()
    req["k"] = req.groupby(keys, observed=True).cumcount()
    end["k"] = end.groupby(keys, observed=True).cumcount()
    out = req.merge(end, on=[*keys, "k"], how="left", suffixes=("_request", "_end"))
    out["granted"] = (out["event"] == "acquire").fillna(False).astype(bool)
    out["withdrawn"] = (out["event"] == "withdraw").fillna(False).astype(bool)
    out["wait_min"] = out["time_min_end"].fillna(horizon_min) - out["time_min_request"]
    out["time_min_acquire"] = out["time_min_end"].where(out["granted"])
    return out.drop(columns=["k", "event"])


def resources_table(events: pd.DataFrame, horizon_min: float, warmup_min: float = 0.0) -> pd.DataFrame:
    """The old resources table: same inputs and columns as :func:`sim.analysis.tables.resources_table`."""
    frames = []
    for rep, ev in events.groupby("replication", sort=True):
        frames.append(_resources_one(ev, horizon_min, warmup_min).assign(replication=rep))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _signed(ev: pd.DataFrame, up: str, down: str) -> pd.DataFrame:
    """Rows of events ``up`` (+value) and ``down`` (-value) as signed level changes ``d`` per pool."""
    sel = ev[ev["event"].isin([up, down])]
    sign = np.where(sel["event"] == up, 1.0, -1.0)
    return sel[["hospital", "resource", "time_min"]].assign(d=sign * sel["value"].to_numpy())


def _resources_one(ev: pd.DataFrame, horizon: float, warmup: float) -> pd.DataFrame:
    span = horizon - warmup
    cols = ["hospital", "resource", "time_min"]
    busy = ev[ev["event"].isin(["acquire", "release"])][cols].assign(
        d=np.where(ev.loc[ev["event"].isin(["acquire", "release"]), "event"] == "acquire", 1, -1)
        * ev.loc[ev["event"].isin(["acquire", "release"]), "value"].to_numpy())
    cap = ev[ev["event"] == "capacity"][[*cols, "value"]].sort_values(cols, kind="stable")
    cap["d"] = cap.groupby(["hospital", "resource"], observed=True)["value"].diff().fillna(cap["value"])
    called = _signed(ev, "call_in_arrival", "call_in_home")
    overtime = _signed(ev, "overtime_start", "overtime_end")
    avail = pd.concat([cap[[*cols, "d"]], called, overtime], ignore_index=True)
    waits = request_waits(ev, horizon)
    waits = waits[waits["time_min_request"] >= warmup]
    queue = pd.concat([
        waits[["hospital", "resource", "time_min_request"]].rename(
            columns={"time_min_request": "time_min"}).assign(d=1),
        waits[waits["granted"] | waits["withdrawn"]][["hospital", "resource", "time_min_end"]].rename(
            columns={"time_min_end": "time_min"}).assign(d=-1),
    ], ignore_index=True)
    table = pd.DataFrame({
        "capacity_mean": _integrate(avail, "d", warmup, horizon) / span,
        "busy_min": _integrate(busy, "d", warmup, horizon),
    })
    table["busy_min"] = table["busy_min"].fillna(0.0)  # a pool nobody used was busy 0 minutes
    table["overtime_min"] = _integrate(overtime, "d", warmup, horizon) if len(overtime) else 0.0
    table["overtime_min"] = table["overtime_min"].fillna(0.0)
    table["call_in_min"] = _integrate(called, "d", warmup, horizon) if len(called) else 0.0
    table["call_in_min"] = table["call_in_min"].fillna(0.0)
    table["utilisation"] = table["busy_min"] / (table["capacity_mean"] * span)
    table["mean_queue"] = _integrate(queue, "d", warmup, horizon) / span if len(queue) else 0.0
    table["max_queue"] = _max_level(queue, "d") if len(queue) else 0
    g = waits.groupby(["hospital", "resource"], observed=True)
    table["requests"] = g.size()
    table["mean_wait_min"] = g["wait_min"].mean()
    table["max_wait_min"] = g["wait_min"].max()
    table["withdrawn"] = g["withdrawn"].sum()
    table["not_granted"] = g.size() - g["granted"].sum() - g["withdrawn"].sum()
    call_ins = ev[(ev["event"] == "call_in") & (ev["time_min"] >= warmup)].groupby(
        ["hospital", "resource"], observed=True).size()
    table["call_ins"] = call_ins
    return filled(table.reset_index())  # unchanged: shared with the new table
