"""The per-replication tables of the report and the home-case KPIs as version d030d62 computed them: the
reference the faster ones must equal, frame for frame.

Pool levels were rebuilt with string comparisons on the event names and split pool by pool, occupancy
integrated pool by pool and measure by measure, and the home cases' context (team away, shift) worked
out once for the values and again for the counts.  Only the tests use this module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.attribution import (
    POOL_EVENTS,
    WAIT_COLUMNS,
    _milestones,
    _step,
    _timed_waits,
    sufficient_times,
)
from sim.analysis.case_kpis import AWAY_STATES, HOME_COLUMNS, SHIFTS, narrowed
from sim.analysis.occupancy import (
    HOURS_PER_DAY,
    MEASURES,
    MIN_PER_HOUR,
    OCCUPANCY_COLUMNS,
    flag_team_away,
    step_integral,
    team_away_intervals,
)
from sim.model import clock


def free_levels(events: pd.DataFrame) -> dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Each pool's free units after every event that changes them, for one replication.

    ``events`` must be in log order with a rising integer index (its row
    numbers).  Returns ``pool -> (rows, times_min, free)`` where ``rows`` are
    index labels of ``events`` and ``free[i]`` holds from ``times_min[i]``
    until the next change.
    """
    ev = events[events["event"].isin(POOL_EVENTS)]
    code, names = pool_codes(ev)
    event, value = ev["event"].to_numpy(dtype=object), ev["value"].to_numpy(dtype=float)
    is_cap = event == "capacity"
    signs = {"call_in_arrival": 1.0, "call_in_home": -1.0, "overtime_start": 1.0, "overtime_end": -1.0,
             "acquire": -1.0, "release": 1.0}
    sign = np.select([event == name for name in signs], list(signs.values()), np.nan)
    unit = (event == "call_in_arrival") | (event == "call_in_home")
    delta = sign * np.where(unit, 1.0, value)
    capacity = pd.Series(value[is_cap])
    delta[is_cap] = capacity.groupby(code[is_cap]).diff().fillna(capacity).to_numpy()  # each change of capacity
    rows, times = ev.index.to_numpy(), ev["time_min"].to_numpy()
    order = np.argsort(code, kind="stable")  # pool by pool, log order kept within each
    bounds = np.flatnonzero(np.diff(code[order])) + 1
    out = {}
    for idx in np.split(order, bounds) if len(order) else []:
        out[names[code[idx[0]]]] = (rows[idx], times[idx], pd.Series(delta[idx]).cumsum().to_numpy())
    return out


def pool_codes(events: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, names)``: each row's pool as an integer, and the pool names (``HOSPITAL/pool``) by code."""
    groups = events.groupby(["hospital", "resource"], sort=True, observed=True)
    names = np.array([f"{h}/{r}" for h, r in groups.size().index], dtype=object)
    return groups.ngroup().to_numpy(), names


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


def _pool_steps(ev: pd.DataFrame) -> pd.DataFrame:
    """Signed changes of busy units, of available units (on duty + called in + staff on overtime)
    and of newborns admitted over a NICU's count (``surge``, on the ``nicu_cot`` pool) per event."""
    cols = ["hospital", "resource", "time_min"]
    surge = _surge_steps(ev)
    ev = ev[ev["event"].isin(POOL_EVENTS)]
    event, value = ev["event"], ev["value"].astype(float)
    busy = np.select([event == "acquire", event == "release"], [value, -value], 0.0)
    is_cap = event == "capacity"
    cap = ev.loc[is_cap]
    cap_step = cap["value"] - cap.groupby(["hospital", "resource"], observed=True)["value"].shift(1).fillna(0.0)
    avail = np.select([is_cap, event == "call_in_arrival", event == "call_in_home", event == "overtime_start",
                       event == "overtime_end"],
                      [cap_step.reindex(ev.index).fillna(0.0), 1.0, -1.0, value, -value], 0.0)
    steps = ev[cols].assign(busy=busy, available=avail, surge=0.0)
    return pd.concat([steps, surge], ignore_index=True).sort_values("time_min", kind="stable", ignore_index=True)


def _surge_steps(ev: pd.DataFrame) -> pd.DataFrame:
    """+1 at each ``surge`` NICU admission and -1 at that newborn's discharge, on its unit's ``nicu_cot`` pool."""
    admitted = ev[(ev["event"] == "nicu_admission") & (ev["detail"] == "surge")]
    keys = admitted[["case_id", "hospital"]].drop_duplicates()
    left = ev[(ev["event"] == "nicu_discharge") & (ev["resource"] == "")].merge(keys, on=["case_id", "hospital"])
    rows = pd.concat([admitted[["hospital", "time_min"]].assign(surge=1.0),
                      left[["hospital", "time_min"]].assign(surge=-1.0)], ignore_index=True)
    return rows.assign(resource="nicu_cot", busy=0.0, available=0.0)[
        ["hospital", "resource", "time_min", "busy", "available", "surge"]]


def hourly_occupancy(events: pd.DataFrame, start_min: float, end_min: float) -> pd.DataFrame:
    """Mean busy and available units of every pool by hour of day, for one replication.

    Parameters
    ----------
    events : one replication's event log, in log order.
    start_min, end_min : the window averaged over (minutes); whole hours are used.

    Returns
    -------
    One row per pool (with an event) and hour of day: ``hospital, resource, hour, available_mean,
    busy_mean, surge_mean`` (units, time averages over the window's days) and ``hours`` (how many
    whole hours of the window fall at that hour of day: the weight of the row when replications are
    pooled by :func:`pooled_occupancy`).
    """
    edges = np.arange(np.ceil(start_min / MIN_PER_HOUR), np.floor(end_min / MIN_PER_HOUR) + 1) * MIN_PER_HOUR
    if len(edges) < 2:
        return pd.DataFrame(columns=[*OCCUPANCY_COLUMNS, "hours"])
    hour = (edges[:-1] // MIN_PER_HOUR % HOURS_PER_DAY).astype(int)
    hours = np.bincount(hour, minlength=HOURS_PER_DAY)
    seen = hours > 0
    pools: list[tuple[str, str]] = []
    means: dict[str, list[np.ndarray]] = {column: [] for column in MEASURES.values()}
    for (hosp, res), grp in _pool_steps(events).groupby(["hospital", "resource"], observed=True, sort=False):
        pools.append((str(hosp), str(res)))
        times = grp["time_min"].to_numpy(dtype=float)
        for measure, column in MEASURES.items():
            per_hour = np.diff(step_integral(times, grp[measure].cumsum().to_numpy(), edges)) / MIN_PER_HOUR
            means[column].append(np.bincount(hour, weights=per_hour, minlength=HOURS_PER_DAY)[seen] / hours[seen])
    k = int(seen.sum())
    table = pd.DataFrame({"hospital": np.repeat([h for h, _ in pools], k).astype(object),
                          "resource": np.repeat([r for _, r in pools], k).astype(object),
                          "hour": np.tile(np.flatnonzero(seen), len(pools))})
    for column, parts in means.items():
        table[column] = np.concatenate(parts) if parts else np.array([], dtype=float)
    table["hours"] = np.tile(hours[seen], len(pools))
    return table[[*OCCUPANCY_COLUMNS, "hours"]]


def target_shares(within: pd.Series) -> pd.Series:
    """Per case 100 (DDI within target) or 0; NaN for a case not delivered (``within_target`` empty)."""
    return within.map({True: 100.0, False: 0.0}).astype("float64")


def _shares(out: dict[str, pd.Series], within: pd.Series, within_name: str, over_name: str | None = None) -> None:
    """Add the per-case within-target shares (and, when named, their complement: over target)."""
    shares = target_shares(within)
    out[within_name] = shares
    if over_name:
        out[over_name] = 100.0 - shares


def home_context(home: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Home cases (their :data:`HOME_COLUMNS`) with ``team_away`` (a team from their hospital away at the
    decision) and ``shift``."""
    home = narrowed(home, HOME_COLUMNS)
    away = flag_team_away(home, team_away_intervals(cases))
    shift = [clock.shift(t) if np.isfinite(t) else "" for t in home["decision_min"].to_numpy(dtype=float)]
    return home.assign(team_away=away.to_numpy(dtype=bool), shift=shift)


def home_values(home: pd.DataFrame, cases: pd.DataFrame, urgencies: list[str]) -> dict[str, pd.Series]:
    """Per-case values of the home-emergency KPIs: by urgency, then by team away or at home and shift.

    ``home_ddi_within_target_pct_<u>`` and ``home_ddi_over_target_pct_<u>``
    (shares per case); for each home hospital ``<H>``, state ``<s>``
    (``team_away``, ``team_home``) and shift ``<sh>``:
    ``home_decision_to_delivery_min_<u>_<s>_<H>``,
    ``home_ddi_within_target_pct_<u>_<s>_<H>`` and the same with ``_<sh>``
    before ``_<s>``.  ``home`` is the home cases, ``cases`` every case of the
    replication (the outreach teams' trips).
    """
    out: dict[str, pd.Series] = {}
    ctx = home_context(home, cases)
    for u in urgencies:
        sel = ctx[ctx["urgency"] == u]
        _shares(out, sel["within_target"], f"home_ddi_within_target_pct_{u}", f"home_ddi_over_target_pct_{u}")
        for hospital, mine in sel.groupby("hospital", observed=True, sort=True):
            for state, away in AWAY_STATES.items():
                now = mine[mine["team_away"] == away]
                for part, rows in [("", now), *((f"_{sh}", now[now["shift"] == sh]) for sh in SHIFTS)]:
                    key = f"{u}{part}_{state}_{hospital}"
                    out[f"home_decision_to_delivery_min_{key}"] = rows["decision_to_delivery_min"]
                    _shares(out, rows["within_target"], f"home_ddi_within_target_pct_{key}")
    return out


def home_counts(home: pd.DataFrame, cases: pd.DataFrame) -> dict[str, float]:
    """``home_cases_team_away_<H>``: home cases decided while a team from ``<H>`` was away."""
    ctx = home_context(home, cases)
    return {f"home_cases_team_away_{h}": float(grp["team_away"].sum())
            for h, grp in ctx.groupby("hospital", observed=True, sort=True)}


