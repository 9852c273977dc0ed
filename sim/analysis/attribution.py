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
from dataclasses import dataclass, fields

import numpy as np
import pandas as pd

from sim.analysis.pools import capacity_changes, kth_match, name_codes, pool_keys, running_sum

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
    at = np.flatnonzero(kind >= 0)
    code, names = pool_codes(events, at)
    levels = pool_levels(code, kind[at], events["value"].to_numpy(dtype=float)[at],
                         events.index.to_numpy()[at], events["time_min"].to_numpy()[at])
    return {names[levels.pool[a]]: (levels.row[a:b], levels.time_min[a:b], levels.free[a:b])
            for a, b in levels.spans()}


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


@dataclass
class PoolLevels:
    """Every pool's free units over one replication, the pools one after another: ``pool`` codes (rising),
    ``row`` log rows (rising within a pool), ``time_min``, and ``free`` (units from that row until the
    pool's next)."""

    pool: np.ndarray
    row: np.ndarray
    time_min: np.ndarray
    free: np.ndarray

    def spans(self) -> list[tuple[int, int]]:
        """``(start, stop)`` of each pool's rows, pools in code order."""
        if not len(self.pool):
            return []
        bounds = np.flatnonzero(np.diff(self.pool)) + 1
        return list(zip(np.r_[0, bounds].tolist(), np.r_[bounds, len(self.pool)].tolist(), strict=True))


def pool_levels(code: np.ndarray, kind: np.ndarray, value: np.ndarray, row: np.ndarray,
                time_min: np.ndarray) -> PoolLevels:
    """The :class:`PoolLevels` of one replication's pool events (``kind``: positions in
    :data:`POOL_EVENTS`; rows in log order, ``code`` their pools)."""
    order = np.argsort(code, kind="stable")  # pool by pool, log order kept within each
    delta = _free_change(kind, value)
    is_cap = kind == POOL_EVENTS.index("capacity")
    delta[is_cap] = capacity_changes(code[is_cap], value[is_cap])
    levels = PoolLevels(code[order], row[order], time_min[order], delta[order])
    for a, b in levels.spans():
        levels.free[a:b] = running_sum(levels.free[a:b])
    return levels


def pool_codes(events: pd.DataFrame, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """``(codes, names)``: each row's pool as an integer, and the pool names (``HOSPITAL/pool``) by code
    (``rows``: only these positions)."""
    codes, pools = pool_keys(events, rows)
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


def sufficient_times(levels: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]], pool: np.ndarray,
                     need: np.ndarray, start_row: np.ndarray, end_row: np.ndarray) -> np.ndarray:
    """:func:`sufficient_from` for many requests at once (``end_row`` inf when never granted), by
    :func:`ready_times` on ``levels`` (:func:`free_levels`)."""
    code = {name: i for i, name in enumerate(levels)}
    parts = list(levels.values())
    laid = PoolLevels(np.repeat(np.arange(len(parts)), [len(rows) for rows, _, _ in parts]),
                      *(np.concatenate([p[k] for p in parts]) if parts else np.array([]) for k in range(3)))
    pools = np.array([code.get(str(name), -1) for name in pool], dtype=np.int64)
    return ready_times(laid, pools, need, start_row, end_row)


def ready_times(levels: PoolLevels, pool: np.ndarray, need: np.ndarray, start_row: np.ndarray,
                end_row: np.ndarray) -> np.ndarray:
    """When each request's pool last became able to serve its need, as :func:`sufficient_from` finds it.

    ``pool`` are codes of ``levels.pool`` (one without a row never had a unit: ``inf``), ``need`` units,
    ``start_row`` and ``end_row`` log rows (``end_row`` inf when never granted).  For each distinct need,
    the last row at or before every position where a pool had too few units is found with one running
    maximum over all the pools, so the cost is a few array passes however many requests and pools.
    """
    out = np.full(len(pool), -np.inf)
    first = np.searchsorted(levels.pool, pool, side="left")
    stop = np.searchsorted(levels.pool, pool, side="right")
    out[stop == first] = np.inf  # a pool without a single event never had a unit
    if not len(levels.pool):
        return out
    never = np.isinf(end_row)
    span = float(max(np.max(levels.row), np.max(start_row, initial=0), np.max(end_row[~never], initial=0))) + 1
    key = levels.pool * span + levels.row  # rising: pool by pool, row by row
    i0 = np.searchsorted(key, pool * span + start_row, side="right") - 1  # the last change at or before the start
    i1 = np.where(never, stop, np.searchsorted(key, pool * span + np.where(never, 0, end_row), side="left"))
    positions = np.arange(len(key))
    for n in np.unique(need[stop > first]):
        m = np.flatnonzero((need == n) & (stop > first))
        last_short = np.maximum.accumulate(np.where(levels.free < n, positions, -1))
        last = np.where(i1[m] > first[m], last_short[np.maximum(i1[m] - 1, 0)], -1)
        inside = last >= np.maximum(i0[m], first[m])  # too few at some change during the wait
        nxt = np.where(inside, last + 1, first[m])
        became = np.where(nxt < i1[m], levels.time_min[np.minimum(nxt, len(key) - 1)], np.inf)
        out[m] = np.where(inside | (i0[m] < first[m]), became, -np.inf)
    return out


WAIT_EVENTS = (*POOL_EVENTS, "request", "withdraw")
"""The events case waits are read from: the pools' own, a request, and a request withdrawn unserved."""
REQUEST, WITHDRAW, ACQUIRE = len(POOL_EVENTS), len(POOL_EVENTS) + 1, POOL_EVENTS.index("acquire")


@dataclass
class PoolLog:
    """The rows of :data:`WAIT_EVENTS` of an event log, in log order, as arrays: ``row`` (positions in the
    log), ``kind`` (positions in :data:`WAIT_EVENTS`), ``pool`` (codes into ``names``, the pools'
    ``HOSPITAL/pool``), ``case_id``, ``time_min``, ``value`` and ``replication``."""

    row: np.ndarray
    kind: np.ndarray
    pool: np.ndarray
    case_id: np.ndarray
    time_min: np.ndarray
    value: np.ndarray
    replication: np.ndarray
    names: np.ndarray

    @classmethod
    def of(cls, events: pd.DataFrame) -> PoolLog:
        """The pool log of ``events`` (with a ``replication`` column)."""
        kind = name_codes(events["event"], WAIT_EVENTS)
        at = np.flatnonzero(kind >= 0)
        pool, names = pool_codes(events, at)
        return cls(at, kind[at], pool, events["case_id"].to_numpy()[at], events["time_min"].to_numpy()[at],
                   events["value"].to_numpy(dtype=float)[at], events["replication"].to_numpy()[at], names)

    def part(self, keep: np.ndarray) -> PoolLog:
        """The rows where ``keep`` holds (pool names unchanged)."""
        return PoolLog(self.row[keep], self.kind[keep], self.pool[keep], self.case_id[keep], self.time_min[keep],
                       self.value[keep], self.replication[keep], self.names)


@dataclass
class Requests:
    """Requests of one replication in log order, each with its grant or withdrawal: ``pool`` codes,
    ``need``, ``row`` and ``time_min`` of the request and ``end_row``, ``end_min`` of its grant or
    withdrawal (NaN when neither), ``granted``."""

    case_id: np.ndarray
    pool: np.ndarray
    need: np.ndarray
    row: np.ndarray
    time_min: np.ndarray
    end_row: np.ndarray
    end_min: np.ndarray
    granted: np.ndarray

    @classmethod
    def of(cls, log: PoolLog) -> Requests:
        """A case's k-th request of a pool matched with its k-th grant or withdrawal of that pool, as
        :func:`pool_requests` does (rows of cases only)."""
        mine = log.case_id >= 0
        asks = np.flatnonzero(mine & (log.kind == REQUEST))
        ends = np.flatnonzero(mine & ((log.kind == ACQUIRE) | (log.kind == WITHDRAW)))
        both = np.concatenate([asks, ends])
        key = pd.factorize(log.case_id[both])[0].astype(np.int64) * len(log.names) + log.pool[both]
        at = kth_match(key, np.arange(len(asks)), np.arange(len(asks), len(both)))
        found = at >= 0
        end = np.where(found, both[np.maximum(at, 0)], -1)
        end_row = np.where(found, log.row[end], np.nan)
        return cls(log.case_id[asks], log.pool[asks], log.value[asks], log.row[asks], log.time_min[asks],
                   end_row, np.where(found, log.time_min[end], np.nan), found & (log.kind[end] == ACQUIRE))

    def part(self, keep: np.ndarray) -> Requests:
        """The requests where ``keep`` holds."""
        return Requests(*(getattr(self, f.name)[keep] for f in fields(self)))


def _case_rows(case_ids: np.ndarray, wanted: np.ndarray, last: bool) -> np.ndarray:
    """For each of ``wanted``, its row in ``case_ids`` (the last of equal ones if ``last``, else the first),
    -1 when absent."""
    if not len(case_ids):
        return np.full(len(wanted), -1, dtype=np.int64)
    order = np.argsort(case_ids, kind="stable")
    ids = case_ids[order]
    at = np.searchsorted(ids, wanted, side="right") - 1 if last else np.searchsorted(ids, wanted, side="left")
    at = np.clip(at, 0, len(ids) - 1)
    return np.where(ids[at] == wanted, order[at], -1)


def _from_cases(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``values[rows]``, NaN where a row is -1 (a case not in the table)."""
    return np.where(rows >= 0, values[np.maximum(rows, 0)], np.nan) if len(values) else np.full(len(rows), np.nan)


def _broker_waits(log: PoolLog, requests: Requests, c: pd.DataFrame, end: float) -> dict[str, np.ndarray]:
    """Waits at the broker of one replication (requests not granted at once), as columns.

    ``c`` (:func:`_milestones`) gives each case's dispatch times and the end of surgery (an ICU bed is
    waited for only after it).  Requests granted together (same case, request time and end) form one
    wait; a withdrawn request's wait ends at its withdrawal, not granted, and one still open at ``end``.
    """
    w = requests.part(~(requests.granted & (requests.end_min <= requests.time_min)))
    if not len(w.pool):
        return {}
    ended = ~np.isnan(w.end_min)
    acq = np.where(ended, w.end_min, -1.0)
    order = np.lexsort((acq, w.time_min, w.case_id))
    w, acq, ended = w.part(order), acq[order], ended[order]
    new = np.r_[True, (w.case_id[1:] != w.case_id[:-1]) | (w.time_min[1:] != w.time_min[:-1])
                | (acq[1:] != acq[:-1])]
    starts = np.flatnonzero(new)
    grant = np.cumsum(new) - 1  # each request's wait
    start_row = np.minimum.reduceat(w.row.astype(float), starts)[grant]
    end_row = np.fmin.reduceat(np.where(ended, w.end_row, np.inf), starts)[grant]
    on_pool = log.kind < len(POOL_EVENTS)
    levels = pool_levels(*(column[on_pool] for column in (log.pool, log.kind, log.value, log.row, log.time_min)))
    ready = ready_times(levels, w.pool, w.need, start_row, end_row)
    last = np.maximum.reduceat(ready, starts)[grant]
    is_short, is_binding = ready > -np.inf, (ready == last) & (ready > -np.inf)
    case_id, t_req = w.case_id[starts], w.time_min[starts]
    rows = _case_rows(c.index.to_numpy(), case_id, last=True)
    step = _steps(log.names, w.pool, starts, t_req, _from_cases(c["team_requested_min"].to_numpy(), rows),
                  _from_cases(c["crew_requested_min"].to_numpy(), rows))
    start = t_req.astype(float)
    surgery_end = _from_cases(c["surgery_end_min"].to_numpy(), rows)
    icu = step == STEP_POOLS["icu_bed"]  # asked for at the decision, needed only once surgery is over
    start[icu] = np.maximum(start[icu], surgery_end[icu])  # NaN while she has not left theatre: no wait yet
    stop = np.where(ended[starts], acq[starts], end)
    keep = stop > start  # nothing left of the wait (a bed granted before surgery ended, or not yet needed)
    joined = np.array([" + " + name for name in log.names], dtype=object)[w.pool]
    nothing = np.full(len(w.pool), "", dtype=object)
    return {"case_id": case_id[keep], "step": step[keep], "cause": np.full(int(keep.sum()), "resource", dtype=object),
            "start_min": start[keep], "end_min": stop[keep], "granted": w.granted[starts][keep],
            "short": _joined(np.where(is_short, joined, nothing), starts)[keep],
            "binding": _joined(np.where(is_binding, joined, nothing), starts)[keep]}


def _joined(parts: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """Each group's `` + ``-led names (groups from ``starts``) joined, the leading separator dropped."""
    return np.array([s[3:] for s in np.add.reduceat(parts, starts)], dtype=object)


def _steps(names: np.ndarray, pool: np.ndarray, starts: np.ndarray, request_min: np.ndarray, team: np.ndarray,
           crew: np.ndarray) -> np.ndarray:
    """The step each wait (rows from ``starts``) belongs to: the room, bed or cot of its first pool that
    has one; else the team's or the crew's dispatch when requested at their times (``team``, ``crew``)."""
    labels = np.array([STEP_POOLS.get(str(name).split("/", 1)[1], "") for name in names], dtype=object)
    own = labels[pool]
    position = np.where(own != "", np.arange(len(pool)), len(pool))
    first = np.minimum.reduceat(position, starts)
    named = first < len(pool)
    staff = np.where(request_min == team, "team dispatch",
                     np.where(request_min == crew, "crew dispatch", "other staff")).astype(object)
    return np.where(named, own[np.minimum(first, len(pool) - 1)], staff)


def _timed_waits(c: pd.DataFrame, theatre_request: np.ndarray, end_min: float) -> dict[str, np.ndarray]:
    """Schedule and patient waits of one replication, from milestones (``c`` indexed by case id;
    ``theatre_request``: each case's first theatre request, NaN if none), as columns; a wait still going
    on at ``end_min`` (the end of the run) ends there."""
    def col(name: str) -> np.ndarray:
        return c[name].to_numpy(dtype=float)

    pathway = name_codes(c["pathway"], ["outreach", "transfer"])  # -1: no pathway yet, still in consultation
    outreach, sent = pathway == 0, pathway >= 0
    booked = name_codes(c["case_type"], ["outreach"]) == 0
    decided, stable_min = col("first_decision_min"), col("stabilisation_end_min")
    requested = np.where(outreach, col("team_requested_min"), col("crew_requested_min"))
    on_site = np.where(outreach, col("team_ready_min"), col("crew_on_site_min"))
    ready = np.where(outreach, np.fmax(col("team_ready_min"), stable_min), col("handover_done_min"))
    stable = np.where(np.isnan(stable_min), end_min, stable_min)  # not stable by the end: she held it throughout
    spans = [  # a booked mother not yet stable holds the case, whatever the schedule says; after that, the schedule
        ("planned wait: mother", "patient", MOTHER, decided, np.fmin(stable, requested), sent),
        ("planned wait", "schedule", PLANNED_TIME, np.fmax(stable, decided), requested, sent),
        ("waiting for the mother", "patient", MOTHER, on_site, stable_min, sent),
        ("waiting for the surgery slot", "schedule", PLANNED_TIME, ready, theatre_request, booked),
    ]
    kept = [(step, cause, binding, np.flatnonzero(mask & (end > start)), start, end)
            for step, cause, binding, start, end, mask in spans]
    counts = [len(at) for _, _, _, at, _, _ in kept]
    binding = np.repeat(np.array([b for _, _, b, _, _, _ in kept], dtype=object), counts)
    return {"case_id": np.concatenate([c.index.to_numpy()[at] for _, _, _, at, _, _ in kept]),
            "step": np.repeat(np.array([s for s, _, _, _, _, _ in kept], dtype=object), counts),
            "cause": np.repeat(np.array([k for _, k, _, _, _, _ in kept], dtype=object), counts),
            "start_min": np.concatenate([start[at] for _, _, _, at, start, _ in kept]),
            "end_min": np.concatenate([end[at] for _, _, _, at, _, end in kept]),
            "granted": np.ones(sum(counts), dtype=bool), "short": binding, "binding": binding}


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


def _first_theatre(log: PoolLog, requests: Requests, case_ids: np.ndarray) -> np.ndarray:
    """Each case's first request of an operating room (minutes; NaN if none)."""
    theatre = np.array([str(name).endswith("/operating_room") for name in log.names], dtype=bool)
    asks = requests.part(theatre[requests.pool])
    return _from_cases(asks.time_min, _case_rows(asks.case_id, case_ids, last=False))


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
    wait_min, granted, short, binding`` (minutes).  The columns' types are
    those of a frame joined replication by replication from each one's broker
    waits and timed waits: object throughout but ``replication`` when some
    replication has no wait at the broker.
    """
    if "replication" not in events.columns:
        events = events.assign(replication=0)
        cases = cases.assign(replication=0)
    log = PoolLog.of(events)
    narrow = cases[[c for c in ("case_id", *MILESTONE_COLUMNS, "case_type", "pathway") if c in cases.columns]]
    reps, times = events["replication"].to_numpy(), events["time_min"].to_numpy(dtype=float)
    replications = sorted(pd.unique(reps[~pd.isna(reps)]).tolist())
    parts, typed = [], True
    for rep in replications:
        mine = log.part(log.replication == rep) if len(replications) > 1 else log
        end = float(np.fmax.reduce(times[reps == rep])) if end_min is None else end_min
        requests = Requests.of(mine)
        cs = narrow[cases["replication"].to_numpy() == rep]
        if case_ids is not None:
            cs = cs[cs["case_id"].isin(case_ids)]
            requests = requests.part(np.isin(requests.case_id, case_ids))
        c = _milestones(cs)
        broker = _broker_waits(mine, requests, c, end)
        typed &= bool(broker) and len(broker["case_id"]) > 0
        timed = _timed_waits(c, _first_theatre(mine, requests, c.index.to_numpy()), end)
        parts.append((rep, broker, timed))
    return _wait_table(parts, typed)


def _wait_table(parts: list[tuple[object, dict[str, np.ndarray], dict[str, np.ndarray]]], typed: bool) -> pd.DataFrame:
    """The waits of :func:`case_waits` from each replication's ``(replication, broker, timed)`` columns,
    sorted once by replication, case and start (ties in that order); object columns unless ``typed``."""
    if not parts:
        out = pd.DataFrame(columns=WAIT_COLUMNS)
        out["wait_min"] = out["end_min"] - out["start_min"]
        return out
    blocks = [block for _, broker, timed in parts for block in (broker, timed) if block]
    data = {name: np.concatenate([block[name] for block in blocks]) for name in WAIT_COLUMNS[1:] if name != "wait_min"}
    counts = [len(broker.get("case_id", ())) + len(timed["case_id"]) for _, broker, timed in parts]
    data["replication"] = np.repeat(np.array([rep for rep, _, _ in parts]), counts)
    data["wait_min"] = data["end_min"] - data["start_min"]
    order = np.lexsort((data["start_min"], data["case_id"], data["replication"]))
    out = pd.DataFrame({name: data[name][order] for name in WAIT_COLUMNS})
    return out if typed else out.astype({name: object for name in WAIT_COLUMNS[1:]})


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
