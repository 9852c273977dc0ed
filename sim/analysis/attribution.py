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
* ``schedule``: a booked (planned) case waiting for its dispatch time (the
  consultation's decision -> ``team_requested`` or ``crew_requested``) once
  the mother is stable, and a ready team and mother waiting for the booked
  slot.  The part of the wait for dispatch before she is stable
  (``stabilisation_end``) is a ``patient`` wait (step ``planned wait: mother``):
  the slot was booked after her stabilisation, so she, not the schedule,
  held the case.
* ``patient``: a team ready on site (outreach: ``team_ready``) or an ambulance
  crew at the host (transfer: ``crew_on_site``) waiting until the mother can
  go (``stabilisation_end``: her minimum resuscitation, or a booked mother's
  capped stabilisation).

The consultation is a telephone call and holds nobody, so it never waits at
the broker.  A host ICU bed is asked for at the decision, for after surgery,
and never delays theatre: only the part of its wait after ``surgery_end`` (she
is cared for in recovery) is a wait.  A request withdrawn unserved
(``withdraw``: a NICU cot when the newborn's wait reached the NICU-full limit)
ends there, not granted.

Pools are named ``HOSPITAL/pool`` (e.g. ``NHOG/anaesthetist``); times are
minutes from the start of the run.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.pools import capacity_changes, name_codes, pool_keys, running_sum

POOL_EVENTS = ("capacity", "call_in_arrival", "call_in_home", "overtime_start", "overtime_end", "acquire", "release")
WAIT_COLUMNS = ["replication", "case_id", "step", "cause", "start_min", "end_min", "wait_min", "granted",
                "short", "binding"]
STEP_POOLS = {"operating_room": "theatre", "nicu_cot": "NICU cot", "icu_bed": "ICU bed"}
"""A request holding one of these pools is named after it; others are the team's or the transfer crew's."""
PLANNED_TIME = "planned surgery time"
MOTHER = "mother's resuscitation or stabilisation"


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
    kind = name_codes(events["event"], POOL_EVENTS)
    keep = kind >= 0
    ev, kind = events[keep], kind[keep]
    code, names = pool_codes(ev)
    value = ev["value"].to_numpy(dtype=float)
    delta = _free_change(kind, value)
    is_cap = kind == POOL_EVENTS.index("capacity")
    delta[is_cap] = capacity_changes(code[is_cap], value[is_cap])
    rows, times = ev.index.to_numpy(), ev["time_min"].to_numpy()
    order = np.argsort(code, kind="stable")  # pool by pool, log order kept within each
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    out = {}
    for idx in np.split(order, bounds) if len(order) else []:
        out[names[code[idx[0]]]] = (rows[idx], times[idx], running_sum(delta[idx]))
    return out


FREE_SIGNS = {"call_in_arrival": 1.0, "call_in_home": -1.0, "overtime_start": 1.0, "overtime_end": -1.0,
              "acquire": -1.0, "release": 1.0}
"""How each pool event changes the free units: by its value, or by one person for a call-in's arrival or
return home (the capacity is set, not changed: see :func:`sim.analysis.pools.capacity_changes`)."""


def _free_change(kind: np.ndarray, value: np.ndarray) -> np.ndarray:
    """Each row's change of free units by :data:`FREE_SIGNS` (``kind``: positions in :data:`POOL_EVENTS`;
    NaN for a capacity row)."""
    signs = np.array([FREE_SIGNS.get(name, np.nan) for name in POOL_EVENTS])
    unit = np.isin(kind, [POOL_EVENTS.index("call_in_arrival"), POOL_EVENTS.index("call_in_home")])
    return signs[kind] * np.where(unit, 1.0, value)


def pool_codes(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, names)``: each row's pool as an integer, and the pool names (``HOSPITAL/pool``) by code."""
    codes, pools = pool_keys(events)
    return codes, np.array([f"{h}/{r}" for h, r in pools], dtype=object)


def pool_requests(events: pd.DataFrame) -> pd.DataFrame:
    """Every request of a pool, matched to its grant or withdrawal, for one replication.

    Columns ``case_id, pool, need, request_row, request_min, acquire_row,
    acquire_min`` (NaN when not granted), ``withdraw_row, withdraw_min`` (NaN
    unless withdrawn unserved).  A request ends in one grant or one
    withdrawal; a case's k-th request of a pool is matched with its k-th such
    end in that pool (the broker takes a grant's pools at once, and one case
    never queues the same pool twice at once).
    """
    keys = ["case_id", "code"]
    sel = events[events["event"].isin(["request", "acquire", "withdraw"])]
    code, names = pool_codes(sel)
    sel = pd.DataFrame({"case_id": sel["case_id"].to_numpy(), "code": code,
                        "event": sel["event"].to_numpy(dtype=object), "value": sel["value"].to_numpy(),
                        "row": sel.index.to_numpy(), "time_min": sel["time_min"].to_numpy()})
    is_request = sel["event"] == "request"
    req = sel[is_request][[*keys, "value", "row", "time_min"]]
    end = sel[~is_request][[*keys, "event", "row", "time_min"]]
    req = req.assign(k=req.groupby(keys).cumcount())
    end = end.assign(k=end.groupby(keys).cumcount())
    out = req.merge(end, on=[*keys, "k"], how="left", suffixes=("_request", "_end"))
    granted, withdrawn = out["event"] == "acquire", out["event"] == "withdraw"
    return pd.DataFrame({
        "case_id": out["case_id"], "pool": names[out["code"].to_numpy()], "need": out["value"],
        "request_row": out["row_request"],
        "request_min": out["time_min_request"], "acquire_row": out["row_end"].where(granted),
        "acquire_min": out["time_min_end"].where(granted), "withdraw_row": out["row_end"].where(withdrawn),
        "withdraw_min": out["time_min_end"].where(withdrawn)})


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


def _step(pools: list[str], request_min: float, dispatch: tuple[float, float] | None) -> str:
    """The step a request belongs to: its room, bed or cot; else the team's or the crew's dispatch
    (``dispatch`` = the case's ``(team_requested, crew_requested)`` times)."""
    for pool in pools:
        name = pool.split("/", 1)[1]
        if name in STEP_POOLS:
            return STEP_POOLS[name]
    team, crew = dispatch if dispatch is not None else (math.nan, math.nan)
    if request_min == team:
        return "team dispatch"
    return "crew dispatch" if request_min == crew else "other staff"


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


def _broker_waits(ev: pd.DataFrame, requests: pd.DataFrame, cases: pd.DataFrame, end: float) -> pd.DataFrame:
    """Waits at the broker of one replication (requests not granted at once).

    ``cases`` (indexed by case id) gives each case's dispatch times and the end
    of surgery (an ICU bed is waited for only after it).  A withdrawn request's
    wait ends at its withdrawal, not granted.
    """
    columns = [c for c in WAIT_COLUMNS if c not in ("replication", "wait_min")]
    w = requests[~(requests["acquire_min"] <= requests["request_min"])]
    if w.empty:
        return pd.DataFrame(columns=columns)
    w = w.assign(acq=w["acquire_min"].fillna(w["withdraw_min"]).fillna(-1.0))
    w = w.sort_values(["case_id", "request_min", "acq"], kind="stable")
    keys = w[["case_id", "request_min", "acq"]].to_numpy(dtype=float)
    starts = np.flatnonzero(np.r_[True, (np.diff(keys, axis=0) != 0).any(axis=1)])
    grant = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(w)]))
    acq_row = w["acquire_row"].fillna(w["withdraw_row"]).to_numpy(dtype=float)
    is_granted = w["acquire_row"].notna().to_numpy()
    start_row = np.minimum.reduceat(w["request_row"].to_numpy(dtype=float), starts)[grant]
    end_row = np.fmin.reduceat(np.where(np.isnan(acq_row), np.inf, acq_row), starts)[grant]
    pools = w["pool"].to_numpy(dtype=object)
    ready = sufficient_times(free_levels(ev), pools.astype(str), w["need"].to_numpy(dtype=float), start_row, end_row)
    last = np.maximum.reduceat(ready, starts)[grant]
    is_short, is_binding = ready > -np.inf, (ready == last) & (ready > -np.inf)
    dispatch = dict(zip(cases.index, zip(cases["team_requested_min"], cases["crew_requested_min"], strict=True),
                        strict=True))
    surgery_end = cases["surgery_end_min"].to_dict()
    rows = []
    for a, b in zip(starts, np.r_[starts[1:], len(w)], strict=True):
        case_id, t_req = int(keys[a, 0]), float(keys[a, 1])
        granted, ended = bool(is_granted[a]), not np.isnan(acq_row[a])
        step = _step(list(pools[a:b]), t_req, dispatch.get(case_id))
        start, stop = t_req, float(keys[a, 2]) if ended else end
        if step == "ICU bed":  # asked for at the decision, needed only once surgery is over
            start = max(start, surgery_end.get(case_id, math.nan))
        if not stop > start:  # NaN (no surgery yet) or nothing left of the wait
            continue
        rows.append({"case_id": case_id, "step": step, "cause": "resource", "start_min": start, "end_min": stop,
                     "granted": granted, "short": " + ".join(pools[a:b][is_short[a:b]]),
                     "binding": " + ".join(pools[a:b][is_binding[a:b]])})
    return pd.DataFrame(rows, columns=columns)


def _timed_waits(c: pd.DataFrame, theatre_request: pd.Series, end_min: float) -> pd.DataFrame:
    """Schedule and patient waits of one replication, from milestones (``c`` indexed by case id); a wait
    still going on at ``end_min`` (the end of the run) ends there."""
    outreach = (c["pathway"] == "outreach").fillna(False).astype(bool)  # no pathway yet: still in consultation
    transfer = (c["pathway"] == "transfer").fillna(False).astype(bool)
    requested = c["team_requested_min"].where(outreach, c["crew_requested_min"])
    on_site = c["team_ready_min"].where(outreach, c["crew_on_site_min"])
    ready = np.where(outreach, np.fmax(c["team_ready_min"], c["stabilisation_end_min"]), c["handover_done_min"])
    stable = c["stabilisation_end_min"].fillna(end_min)  # not stable by the end: the mother held it throughout
    spans = [  # a booked mother not yet stable holds the case, whatever the schedule says; after that, the schedule
        ("planned wait: mother", "patient", MOTHER, c["first_decision_min"], np.fmin(stable, requested),
         outreach | transfer),
        ("planned wait", "schedule", PLANNED_TIME, np.fmax(stable, c["first_decision_min"]), requested,
         outreach | transfer),
        ("waiting for the mother", "patient", MOTHER, on_site, c["stabilisation_end_min"], outreach | transfer),
        ("waiting for the surgery slot", "schedule", PLANNED_TIME, pd.Series(ready, index=c.index),
         theatre_request.reindex(c.index), (c["case_type"] == "outreach").fillna(False).astype(bool)),
    ]
    frames = []
    for step, cause, binding, start, end, mask in spans:
        keep = mask & (end > start)
        frames.append(pd.DataFrame({"case_id": c.index[keep], "step": step, "cause": cause,
                                    "start_min": start[keep].to_numpy(), "end_min": end[keep].to_numpy(),
                                    "granted": True, "short": binding, "binding": binding}))
    return pd.concat(frames, ignore_index=True)


MILESTONE_COLUMNS = ["decision_min", "first_decision_min", "team_requested_min", "team_ready_min",
                     "crew_requested_min", "crew_on_site_min", "stabilisation_end_min", "handover_done_min",
                     "surgery_end_min"]
"""The cases-table columns the waits are built from (missing ones count as never reached)."""


def _milestones(cases: pd.DataFrame) -> pd.DataFrame:
    """The milestones of :data:`MILESTONE_COLUMNS` per case id (NaN where the cases table lacks one)."""
    c = cases.set_index("case_id")
    c = c.reindex(columns=[*MILESTONE_COLUMNS, "case_type", "pathway"])
    c["first_decision_min"] = c["first_decision_min"].fillna(c["decision_min"])
    return c


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
        milestones = _milestones(cs)
        theatre = requests[requests["pool"].str.endswith("/operating_room")].groupby("case_id")["request_min"].first()
        both = pd.concat([_broker_waits(ev, requests, milestones, end), _timed_waits(milestones, theatre, end)],
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
    def key(table: pd.DataFrame) -> np.ndarray:  # one integer per case (case ids are far below 2**32)
        return table["replication"].to_numpy(dtype="int64") * 2**32 + table["case_id"].to_numpy(dtype="int64")

    keys = key(cases)
    sel = waits[np.isin(key(waits), keys)]
    if sel.empty:
        return pd.DataFrame(columns=["step", "binding", "waits", "cases_pct", "mean_wait_min", "p90_wait_min",
                                     "total_wait_min"])
    sel = sel.assign(case_key=key(sel))
    out = sel.groupby(["step", "binding"]).agg(
        waits=("wait_min", "size"), cases=("case_key", "nunique"), mean_wait_min=("wait_min", "mean"),
        p90_wait_min=("wait_min", lambda s: float(np.percentile(s, 90))), total_wait_min=("wait_min", "sum"),
    ).reset_index()
    out["cases_pct"] = 100.0 * out.pop("cases") / max(len(keys), 1)
    return out.sort_values("total_wait_min", ascending=False, ignore_index=True)[
        ["step", "binding", "waits", "cases_pct", "mean_wait_min", "p90_wait_min", "total_wait_min"]]


CONSULT_STEPS = [
    ("waiting for the on-call senior", "wait", "case_created", "consult_start", None),
    ("telephone consultation", "work", "consult_start", "first_decision", None),
]
THEATRE_STEPS = [
    ("waiting for the surgery slot", "wait", "ready", "theatre_request", "waiting for the surgery slot"),
    ("waiting for a theatre", "wait", "theatre_request", "theatre_entry", "theatre"),
    ("anaesthesia", "work", "theatre_entry", "incision", None),
    ("incision to delivery", "work", "incision", "delivery", None),
    ("neonatal stabilisation", "work", "delivery", "neonatal_stabilised", None),
]
PATH_STEPS = {
    "outreach": [
        *CONSULT_STEPS,
        ("waiting for the mother to be stable", "wait", "first_decision", "planned_stable", "planned wait: mother"),
        ("waiting for the planned time", "wait", "planned_stable", "team_requested", "planned wait"),
        ("assembling the team", "wait", "team_requested", "team_assembled", "team dispatch"),
        ("mobilisation", "prepare", "team_assembled", "team_departed", None),
        ("travel to the host", "travel", "team_departed", "team_on_site", None),
        ("set-up on site", "prepare", "team_on_site", "team_ready", None),
        ("waiting for the mother", "wait", "team_ready", "stabilisation_end", "waiting for the mother"),
        ("host's own staff called to start", "wait", "crash_call", "crash_start", None),
        *THEATRE_STEPS,
        ("waiting for the team to carry the newborn", "wait", "neonatal_stabilised", "newborn_departed", None),
        ("newborn transport", "travel", "newborn_departed", "nicu_arrival", None),
        ("waiting for a NICU cot", "wait", "nicu_arrival", "nicu_admission", "NICU cot"),
    ],
    "transfer": [
        *CONSULT_STEPS,
        ("waiting for the mother to be stable", "wait", "first_decision", "planned_stable", "planned wait: mother"),
        ("waiting for the planned time", "wait", "planned_stable", "crew_requested", "planned wait"),
        ("waiting for ambulance and escort", "wait", "crew_requested", "crew_assembled", "crew dispatch"),
        ("crew mobilisation", "prepare", "crew_assembled", "crew_departed", None),
        ("ambulance to the host", "travel", "crew_departed", "crew_on_site", None),
        ("waiting for the mother", "wait", "crew_on_site", "stabilisation_end", "waiting for the mother"),
        ("packaging the mother", "prepare", "packaging_start", "mother_packaged", None),
        ("mother's transfer", "travel", "mother_departed", "mother_arrived", None),
        ("handover and theatre preparation", "prepare", "mother_arrived", "handover_done", None),
        *THEATRE_STEPS,
        ("waiting for a NICU cot", "wait", "neonatal_stabilised", "nicu_admission", "NICU cot"),
    ],
}
"""The critical path of a case by pathway: (label, kind, start, end, wait step in :func:`case_waits`).

``first_decision`` is the consultation's decision; ``planned_stable`` is when
a booked mother became stable (at most when her team or crew was sent: until
then the mother, not the planned time, held the case); ``ready`` is when team and
mother (outreach) or the handed-over mother (transfer) could go to theatre;
``packaging_start`` is when both crew and mother were ready at the host.
"""


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
    if not math.isfinite(times.get("first_decision", math.nan)):
        times["first_decision"] = times.get("decision", math.nan)
    theatre = waits.loc[waits["step"] == "theatre", "start_min"]
    times["theatre_request"] = float(theatre.iloc[0]) if len(theatre) else times.get("theatre_entry", math.nan)
    sent = times.get("crew_requested" if case.get("pathway") == "transfer" else "team_requested", math.nan)
    stable = times.get("stabilisation_end", math.nan)
    times["planned_stable"] = float(np.fmin(sent, stable if math.isfinite(stable) else math.inf))
    if case.get("pathway") == "transfer":
        times["ready"] = times.get("handover_done", times.get("mother_arrived", math.nan))
        times["packaging_start"] = float(np.fmax(times.get("crew_on_site", math.nan),
                                                 times.get("stabilisation_end", math.nan)))
    else:
        times["ready"] = float(np.fmax(times.get("team_ready", math.nan), times.get("stabilisation_end", math.nan)))
    rows = []
    for label, kind, a, b, step in PATH_STEPS.get(str(case.get("pathway")), PATH_STEPS["outreach"]):
        start, end = times.get(a, math.nan), times.get(b, math.nan)
        if not (np.isfinite(start) and np.isfinite(end) and end > start):
            continue
        bound = waits.loc[waits["step"] == step, "binding"].tolist() if step else []
        rows.append({"label": label, "kind": kind, "start_min": float(start), "end_min": float(end),
                     "binding": str(bound[0]) if bound else ""})
    return pd.DataFrame(rows, columns=["label", "kind", "start_min", "end_min", "binding"])


def median_cases(cases: pd.DataFrame, urgencies: list[str]) -> pd.DataFrame:
    """Representative delivered outreach cases: the median DDI of each urgency, deteriorated ones apart.

    For each urgency ``u`` (in order): the case with the median DDI among
    those *decided* at ``u`` that never deteriorated (``group`` = ``u``); then,
    where some mothers deteriorated into ``u``, the median of those
    (``group`` = ``u + " after a deterioration"``).  The median of ``n`` is the
    ``(n - 1) // 2``-th by DDI (ties by replication and case id).  Returns
    those rows of ``cases`` with ``group``, ``urgency_group`` (``u``) and
    ``n_cases`` (how many it is the median of).
    """
    sel = cases[(cases["case_type"] == "outreach") & cases["decision_to_delivery_min"].notna()]
    deteriorated = sel["deteriorated_min"].notna()
    picks = []
    for u in urgencies:
        for group, sub in ((u, sel[~deteriorated & (sel["urgency_initial"] == u) & (sel["urgency"] == u)]),
                           (f"{u} after a deterioration", sel[deteriorated & (sel["urgency"] == u)])):
            if sub.empty:
                continue
            sub = sub.sort_values(["decision_to_delivery_min", "replication", "case_id"])
            picks.append(sub.iloc[[(len(sub) - 1) // 2]].assign(group=group, urgency_group=u, n_cases=len(sub)))
    return pd.concat(picks, ignore_index=True) if picks else sel.iloc[0:0].assign(group="", urgency_group="",
                                                                                   n_cases=0)
