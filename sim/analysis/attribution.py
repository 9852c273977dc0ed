"""Delay attribution: for every wait in a case, what was it waiting for?

Pure functions of the event log (and the cases table).  Three kinds of wait:

* ``resource``: a request at the broker (``request`` -> ``acquire``).  The
  broker grants all or nothing, so a request waits while at least one of its
  pools has fewer free units than it needs.  Each pool's free level
  (on-duty capacity + called-in staff - busy units) is rebuilt from the
  ``capacity``, ``call_in_arrival``, ``call_in_home``, ``acquire`` and
  ``release`` events, in log order.  A pool is *short* if its level was below
  the need at some moment of the wait; the *binding* pools are the short ones
  that were the last to become sufficient: the grant came when they did.
* ``schedule``: a planned case waiting for its planned time (``decision`` ->
  ``team_requested``, and a ready team and mother waiting for the surgery slot).
* ``patient``: a team ready on site waiting for the mother's stabilisation
  (``team_ready`` -> ``stabilisation_end``).

Pools are named ``HOSPITAL/pool`` (e.g. ``NHOG/anaesthetist``); times are
minutes from the start of the run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

POOL_EVENTS = ("capacity", "call_in_arrival", "call_in_home", "acquire", "release")
WAIT_COLUMNS = ["replication", "case_id", "step", "cause", "start_min", "end_min", "wait_min", "granted",
                "short", "binding"]
STEP_POOLS = {"operating_room": "theatre", "nicu_cot": "NICU cot", "icu_bed": "ICU bed"}
"""A request holding one of these pools is named after it; others are consultation or team."""
PLANNED_TIME = "planned surgery time"
MOTHER = "mother's stabilisation"


def pool_words(name: str) -> str:
    """``nicu_cot`` -> ``NICU cot``: a pool name in words, with the usual capitals."""
    return " ".join(w.upper() if w in ("icu", "nicu") else w for w in str(name).split("_"))


def pool_label(key: str) -> str:
    """``NHOG/obstetric_surgeon`` -> ``NHOG obstetric surgeon`` for charts and tables."""
    return " ".join(pool_words(part) for part in key.split("/"))


def free_levels(events: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each pool's free units after every event that changes them, for one replication.

    ``events`` must be in log order with a rising integer index (its row
    numbers).  Returns ``pool -> (rows, times_min, free)`` where ``rows`` are
    index labels of ``events`` and ``free[i]`` holds from ``times_min[i]``
    until the next change.
    """
    ev = events[events["event"].isin(POOL_EVENTS)]
    key = ev["hospital"].astype(str) + "/" + ev["resource"].astype(str)
    value = ev["value"].astype(float)
    is_cap = ev["event"] == "capacity"
    cap_step = value.where(is_cap).groupby(key[is_cap]).diff().fillna(value.where(is_cap))
    sign = ev["event"].map({"call_in_arrival": 1.0, "call_in_home": -1.0, "acquire": -1.0, "release": 1.0})
    unit = ev["event"].isin(["call_in_arrival", "call_in_home"])
    delta = np.where(is_cap, cap_step.reindex(ev.index).fillna(0.0), sign * np.where(unit, 1.0, value))
    frame = pd.DataFrame({"key": key, "row": ev.index.to_numpy(), "time": ev["time_min"].to_numpy(),
                          "delta": delta})
    out = {}
    for name, grp in frame.groupby("key", sort=False):
        out[str(name)] = (grp["row"].to_numpy(), grp["time"].to_numpy(), grp["delta"].cumsum().to_numpy())
    return out


def pool_requests(events: pd.DataFrame) -> pd.DataFrame:
    """Every request of a pool, matched to its grant, for one replication.

    Columns ``case_id, pool, need, request_row, request_min, acquire_row,
    acquire_min`` (NaN when never granted).  A case's k-th request of a pool
    is matched with its k-th acquisition of that pool (the broker takes a
    grant's pools at once, and one case never queues the same pool twice).
    """
    ev = events
    keys = ["case_id", "pool"]
    sel = ev[ev["event"].isin(["request", "acquire"])]
    sel = sel.assign(pool=sel["hospital"].astype(str) + "/" + sel["resource"].astype(str), row=sel.index)
    req = sel[sel["event"] == "request"][[*keys, "value", "row", "time_min"]]
    acq = sel[sel["event"] == "acquire"][[*keys, "row", "time_min"]]
    req = req.assign(k=req.groupby(keys).cumcount())
    acq = acq.assign(k=acq.groupby(keys).cumcount())
    out = req.merge(acq, on=[*keys, "k"], how="left", suffixes=("_request", "_acquire"))
    return out.rename(columns={"value": "need", "row_request": "request_row", "time_min_request": "request_min",
                               "row_acquire": "acquire_row", "time_min_acquire": "acquire_min"}).drop(columns="k")


def sufficient_from(levels: tuple[np.ndarray, np.ndarray, np.ndarray], need: float, start_row: int,
                    end_row: float, start_min: float) -> float:
    """When a pool last became able to serve ``need`` between two log rows.

    The pool's level at ``start_row`` and every level it takes before
    ``end_row`` are compared with ``need``.  Returns ``-inf`` if it had
    enough free units throughout, ``+inf`` if it still had too few just
    before ``end_row`` (``inf`` for a request never granted).
    """
    rows, times, free = levels
    i0 = int(np.searchsorted(rows, start_row, side="right")) - 1
    i1 = len(rows) if math.isinf(end_row) else int(np.searchsorted(rows, end_row, side="left"))
    level0 = free[i0] if i0 >= 0 else 0.0  # before its first event a pool has no units
    seq_times = np.concatenate(([start_min], times[i0 + 1:i1]))
    seq_free = np.concatenate(([level0], free[i0 + 1:i1]))
    short = np.flatnonzero(seq_free < need)
    if len(short) == 0:
        return -math.inf
    last = int(short[-1])
    return math.inf if last + 1 >= len(seq_times) else float(seq_times[last + 1])


def _step(pools: list[str], request_min: float, team_requested_min: float | None) -> str:
    for pool in pools:
        name = pool.split("/", 1)[1]
        if name in STEP_POOLS:
            return STEP_POOLS[name]
    return "team dispatch" if request_min == team_requested_min else "consultation"


def sufficient_times(levels: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], pool: np.ndarray,
                     need: np.ndarray, start_row: np.ndarray, end_row: np.ndarray) -> np.ndarray:
    """:func:`sufficient_from` for many requests at once (``end_row`` inf when never granted).

    For each pool and each distinct need, the last row at or before every
    position where the pool had too few units is found with a running
    maximum, so the cost is a few array passes instead of a loop per request.
    """
    out = np.full(len(pool), -np.inf)
    for name in np.unique(pool):
        idx = np.flatnonzero(pool == name)
        rows, times, free = levels.get(str(name), (np.array([], dtype=int), np.array([]), np.array([])))
        if len(rows) == 0:
            out[idx] = np.inf  # a pool without a single event never had a unit
            continue
        i0 = np.searchsorted(rows, start_row[idx], side="right") - 1
        i1 = np.where(np.isinf(end_row[idx]), len(rows),
                      np.searchsorted(rows, np.where(np.isinf(end_row[idx]), 0, end_row[idx]), side="left"))
        positions = np.arange(len(free))
        for n in np.unique(need[idx]):
            m = need[idx] == n
            last_short = np.maximum.accumulate(np.where(free < n, positions, -1))
            last = np.where(i1[m] > 0, last_short[np.clip(i1[m] - 1, 0, None)], -1)
            short = (last >= np.maximum(i0[m], 0)) | (i0[m] < 0)
            nxt = np.where(last >= np.maximum(i0[m], 0), last + 1, 0)
            became = np.where(nxt < i1[m], times[np.clip(nxt, 0, len(times) - 1)], np.inf)
            out[idx[m]] = np.where(short, became, -np.inf)
    return out


def _broker_waits(ev: pd.DataFrame, requests: pd.DataFrame, team_requested: dict, end: float) -> pd.DataFrame:
    """Waits at the broker of one replication (requests not granted at once)."""
    columns = [c for c in WAIT_COLUMNS if c not in ("replication", "wait_min")]
    w = requests[~(requests["acquire_min"] <= requests["request_min"])]
    if w.empty:
        return pd.DataFrame(columns=columns)
    w = w.assign(acq=w["acquire_min"].fillna(-1.0)).sort_values(["case_id", "request_min", "acq"], kind="stable")
    keys = w[["case_id", "request_min", "acq"]].to_numpy(dtype=float)
    starts = np.flatnonzero(np.r_[True, (np.diff(keys, axis=0) != 0).any(axis=1)])
    grant = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(w)]))
    acq_row = w["acquire_row"].to_numpy(dtype=float)
    start_row = np.minimum.reduceat(w["request_row"].to_numpy(dtype=float), starts)[grant]
    end_row = np.fmin.reduceat(np.where(np.isnan(acq_row), np.inf, acq_row), starts)[grant]
    pools = w["pool"].to_numpy(dtype=object)
    ready = sufficient_times(free_levels(ev), pools.astype(str), w["need"].to_numpy(dtype=float), start_row, end_row)
    last = np.maximum.reduceat(ready, starts)[grant]
    is_short, is_binding = ready > -np.inf, (ready == last) & (ready > -np.inf)
    rows = []
    for a, b in zip(starts, np.r_[starts[1:], len(w)], strict=True):
        case_id, t_req = int(keys[a, 0]), float(keys[a, 1])
        granted = not np.isnan(acq_row[a])
        rows.append({"case_id": case_id, "step": _step(list(pools[a:b]), t_req, team_requested.get(case_id)),
                     "cause": "resource", "start_min": t_req, "end_min": float(keys[a, 2]) if granted else end,
                     "granted": granted, "short": " + ".join(pools[a:b][is_short[a:b]]),
                     "binding": " + ".join(pools[a:b][is_binding[a:b]])})
    return pd.DataFrame(rows, columns=columns)


def _timed_waits(cases: pd.DataFrame, theatre_request: pd.Series) -> pd.DataFrame:
    """Schedule and patient waits of one replication, from milestones."""
    c = cases.set_index("case_id")
    outreach = c["pathway"] == "outreach"
    ready = np.where(outreach, np.fmax(c["team_ready_min"], c["stabilisation_end_min"]), c["mother_arrived_min"])
    spans = [
        ("planned wait", "schedule", PLANNED_TIME, c["decision_min"], c["team_requested_min"], outreach),
        ("waiting for the mother", "patient", MOTHER, c["team_ready_min"], c["stabilisation_end_min"], outreach),
        ("waiting for the surgery slot", "schedule", PLANNED_TIME, pd.Series(ready, index=c.index),
         theatre_request.reindex(c.index), c["case_type"] == "outreach"),
    ]
    frames = []
    for step, cause, binding, start, end, mask in spans:
        keep = mask & (end > start)
        frames.append(pd.DataFrame({"case_id": c.index[keep], "step": step, "cause": cause,
                                    "start_min": start[keep].to_numpy(), "end_min": end[keep].to_numpy(),
                                    "granted": True, "short": binding, "binding": binding}))
    return pd.concat(frames, ignore_index=True)


def case_waits(events: pd.DataFrame, cases: pd.DataFrame, end_min: float | None = None,
               case_ids: list[int] | None = None) -> pd.DataFrame:
    """Every wait of every case, with what it waited for.

    Parameters
    ----------
    events : the event log, in log order (one or more replications).
    cases : the cases table of the same replications (``tables.cases_table``).
    end_min : where waits still open at the end are cut (default: the last
        event of the replication).
    case_ids : only these cases (every pool's level is still rebuilt from
        the whole log).

    Returns
    -------
    One row per wait: ``replication, case_id, step, cause, start_min, end_min,
    wait_min, granted, short, binding`` (minutes).
    """
    if "replication" not in events.columns:
        events = events.assign(replication=0)
        cases = cases.assign(replication=0)
    frames = []
    for rep, ev in events.groupby("replication", sort=True):
        ev = ev.reset_index(drop=True)
        cs = cases[cases["replication"] == rep]
        end = float(ev["time_min"].max()) if end_min is None else end_min
        requests = pool_requests(ev[ev["case_id"] >= 0])
        if case_ids is not None:
            cs = cs[cs["case_id"].isin(case_ids)]
            requests = requests[requests["case_id"].isin(case_ids)]
        team_requested = dict(zip(cs["case_id"], cs["team_requested_min"], strict=True))
        theatre = requests[requests["pool"].str.endswith("/operating_room")].groupby("case_id")["request_min"].first()
        both = pd.concat([_broker_waits(ev, requests, team_requested, end), _timed_waits(cs, theatre)],
                         ignore_index=True)
        frames.append(both.assign(replication=rep))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=WAIT_COLUMNS)
    out["wait_min"] = out["end_min"] - out["start_min"]
    return out[WAIT_COLUMNS].sort_values(["replication", "case_id", "start_min"], ignore_index=True)


def binding_summary(waits: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """What cases wait for: per step and binding cause, how often and how long.

    Returns one row per (step, binding): ``waits`` (count), ``cases_pct``
    (share of ``cases`` with such a wait), ``mean_wait_min``, ``p90_wait_min``
    and ``total_wait_min``, sorted by total wait.
    """
    keys = cases[["replication", "case_id"]]
    sel = waits.merge(keys, on=["replication", "case_id"])
    if sel.empty:
        return pd.DataFrame(columns=["step", "binding", "waits", "cases_pct", "mean_wait_min", "p90_wait_min",
                                     "total_wait_min"])
    sel = sel.assign(case_key=sel["replication"].astype(str) + ":" + sel["case_id"].astype(str))
    out = sel.groupby(["step", "binding"]).agg(
        waits=("wait_min", "size"), cases=("case_key", "nunique"), mean_wait_min=("wait_min", "mean"),
        p90_wait_min=("wait_min", lambda s: float(np.percentile(s, 90))), total_wait_min=("wait_min", "sum"),
    ).reset_index()
    out["cases_pct"] = 100.0 * out.pop("cases") / max(len(keys), 1)
    return out.sort_values("total_wait_min", ascending=False, ignore_index=True)[
        ["step", "binding", "waits", "cases_pct", "mean_wait_min", "p90_wait_min", "total_wait_min"]]


PATH_STEPS = {
    "outreach": [
        ("waiting for seniors", "wait", "case_created", "consult_start", "consultation"),
        ("consultation", "work", "consult_start", "decision", None),
        ("waiting for the planned time", "wait", "decision", "team_requested", "planned wait"),
        ("assembling the team", "wait", "team_requested", "team_assembled", "team dispatch"),
        ("mobilisation", "prepare", "team_assembled", "team_departed", None),
        ("travel to the host", "travel", "team_departed", "team_on_site", None),
        ("set-up on site", "prepare", "team_on_site", "team_ready", None),
        ("waiting for the mother", "wait", "team_ready", "stabilisation_end", "waiting for the mother"),
        ("waiting for the surgery slot", "wait", "ready", "theatre_request", "waiting for the surgery slot"),
        ("waiting for a theatre", "wait", "theatre_request", "theatre_entry", "theatre"),
        ("anaesthesia", "work", "theatre_entry", "incision", None),
        ("incision to delivery", "work", "incision", "delivery", None),
        ("neonatal stabilisation", "work", "delivery", "neonatal_stabilised", None),
        ("newborn transport", "travel", "newborn_departed", "nicu_arrival", None),
        ("waiting for a NICU cot", "wait", "nicu_arrival", "nicu_admission", "NICU cot"),
    ],
    "transfer": [
        ("waiting for seniors", "wait", "case_created", "consult_start", "consultation"),
        ("consultation", "work", "consult_start", "decision", None),
        ("waiting for ambulance and escort", "wait", "team_requested", "team_assembled", "team dispatch"),
        ("ambulance to the host", "travel", "team_assembled", "team_on_site", None),
        ("packaging the mother", "prepare", "team_on_site", "team_ready", None),
        ("waiting for the mother", "wait", "team_ready", "mother_departed", None),
        ("mother's transfer", "travel", "mother_departed", "mother_arrived", None),
        ("waiting for the surgery slot", "wait", "ready", "theatre_request", "waiting for the surgery slot"),
        ("waiting for a theatre", "wait", "theatre_request", "theatre_entry", "theatre"),
        ("anaesthesia", "work", "theatre_entry", "incision", None),
        ("incision to delivery", "work", "incision", "delivery", None),
        ("neonatal stabilisation", "work", "delivery", "neonatal_stabilised", None),
        ("waiting for a NICU cot", "wait", "neonatal_stabilised", "nicu_admission", "NICU cot"),
    ],
}
"""The critical path of a case by pathway: (label, kind, start, end, wait step in :func:`case_waits`)."""


def case_path(case: pd.Series, waits: pd.DataFrame) -> pd.DataFrame:
    """The consecutive steps of one outreach case, each wait with what bound it.

    Parameters
    ----------
    case : one row of the cases table.
    waits : :func:`case_waits` rows of this case.

    Returns
    -------
    ``label, kind, start_min, end_min, binding`` (kind: wait, work, prepare,
    travel); steps that did not happen or took no time are left out.
    """
    times = {m[:-4]: float(case[m]) for m in case.index if m.endswith("_min") and pd.api.types.is_number(case[m])}
    theatre = waits.loc[waits["step"] == "theatre", "start_min"]
    times["theatre_request"] = float(theatre.iloc[0]) if len(theatre) else times.get("theatre_entry", math.nan)
    if case.get("pathway") == "transfer":
        times["ready"] = times.get("mother_arrived", math.nan)
    else:
        times["ready"] = np.fmax(times.get("team_ready", math.nan), times.get("stabilisation_end", math.nan))
    rows = []
    for label, kind, a, b, step in PATH_STEPS.get(str(case.get("pathway")), PATH_STEPS["outreach"]):
        start, end = times.get(a, math.nan), times.get(b, math.nan)
        if not (np.isfinite(start) and np.isfinite(end) and end > start):
            continue
        bound = waits.loc[waits["step"] == step, "binding"].tolist() if step else []
        rows.append({"label": label, "kind": kind, "start_min": float(start), "end_min": float(end),
                     "binding": str(bound[0]) if bound else ""})
    return pd.DataFrame(rows, columns=["label", "kind", "start_min", "end_min", "binding"])
