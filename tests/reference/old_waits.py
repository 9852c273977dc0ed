"""The waits of :func:`sim.analysis.attribution.case_waits` as version 84842e6 computed them: the reference
the faster one must equal, frame for frame.

Requests were matched to their grants with a pandas group-by count and merge (``pool_requests``, like
the milestones unchanged since and imported), each pool's levels searched pool by pool and need by need,
one wait built per Python loop turn, and the replications sorted at the end.  Only the tests use this
module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.attribution import (
    MOTHER,
    PLANNED_TIME,
    POOL_EVENTS,
    STEP_POOLS,
    WAIT_COLUMNS,
    _free_change,
    _milestones,
    pool_requests,
)
from sim.analysis.pools import capacity_changes, name_codes, pool_keys, running_sum


def free_levels(events: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """:func:`sim.analysis.attribution.free_levels` of the time, pool by pool."""
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


def pool_codes(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, names)``: each row's pool as an integer, and the pool names (``HOSPITAL/pool``) by code."""
    codes, pools = pool_keys(events)
    return codes, np.array([f"{h}/{r}" for h, r in pools], dtype=object)


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


def case_waits(events: pd.DataFrame, cases: pd.DataFrame, end_min: float | None = None,
               case_ids: list[int] | None = None) -> pd.DataFrame:
    """The waits of :func:`sim.analysis.attribution.case_waits` (same arguments, same table)."""
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

