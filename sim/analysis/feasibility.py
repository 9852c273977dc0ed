"""After a run: which requests were never granted, and why.

Pure functions of one replication's event log.  A request still waiting at
the horizon is *unserved* (one withdrawn before, e.g. a NICU cot when the
wait limit passed, is not).  The broker grants all or nothing, so a request
waits because one or more of its pools are short; for each short pool the
reason is either

- ``never``: it needs more units than the pool can ever hold (its largest
  shift plus on-call staff), so no amount of time would serve it; or
- ``busy``: the pool exists but its units were taken (or off shift) up to the
  horizon.

``limits`` maps ``"HOSPITAL/pool"`` to ``(most on duty, on call, is staff)``,
from the scenario (``sim.scenario.feasibility.limit_table``).  Times are minutes.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.attribution import free_levels, pool_requests

UNSERVED_COLUMNS = ["replication", "case_id", "case_type", "urgency", "pool", "needed", "free_at_horizon",
                    "most_on_duty", "on_call", "requested_min", "waited_min", "reason", "message"]


def _case_info(events: pd.DataFrame) -> pd.DataFrame:
    """Case type and last urgency of every case of one replication."""
    created = events[events["event"] == "case_created"].groupby("case_id")["detail"].first()
    urgency = events[events["event"] == "urgency"].groupby("case_id")["detail"].last()
    return pd.DataFrame({"case_type": created, "urgency": urgency})


def _why(pool: str, need: float, free: float, limit: tuple[int, int, bool]) -> tuple[str, str]:
    most, on_call, staff = limit
    if need > most + on_call:
        has = f"{most} on duty at most and {on_call} on call" if staff else f"{most}"
        return "never", f"can never be served: {pool} has {has}; {need:g} needed"
    return "busy", f"still waiting at the horizon: {pool} had {max(free, 0):g} of {need:g} free"


def unserved_requests(events: pd.DataFrame, horizon_min: float,
                      limits: dict[str, tuple[int, int, bool]]) -> pd.DataFrame:
    """One row per pool that keeps a request of one replication waiting at the horizon.

    Parameters
    ----------
    events : one replication's event log in log order (``tables.events_frame``).
    horizon_min : the end of the run (minutes).
    limits : ``"HOSPITAL/pool" -> (most on duty, on call, is staff)``.

    Returns
    -------
    Columns :data:`UNSERVED_COLUMNS`; empty when every request was granted.
    """
    ev = events.reset_index(drop=True)
    counts = ev["event"].value_counts()
    if counts.get("request", 0) == counts.get("acquire", 0) + counts.get("withdraw", 0):
        return _empty()  # each grant or withdrawal answers one request: none open
    requests = pool_requests(ev[ev["case_id"] >= 0])
    waiting = requests[requests["acquire_min"].isna() & requests["withdraw_min"].isna()]
    if waiting.empty:
        return _empty()
    levels = free_levels(ev)
    free_end = {pool: float(level[2][-1]) if len(level[2]) else 0.0 for pool, level in levels.items()}
    rows = []
    for req in waiting.itertuples(index=False):
        free = free_end.get(req.pool, 0.0)
        if free >= req.need:  # not the pool that holds this request back
            continue
        limit = limits.get(req.pool, (0, 0, False))
        reason, message = _why(req.pool, float(req.need), free, limit)
        most, on_call, _ = limit
        rows.append({"case_id": int(req.case_id), "pool": req.pool, "needed": float(req.need),
                     "free_at_horizon": free, "most_on_duty": most, "on_call": on_call,
                     "requested_min": float(req.request_min), "waited_min": horizon_min - float(req.request_min),
                     "reason": reason, "message": message})
    if not rows:
        return _empty()
    out = pd.DataFrame(rows).join(_case_info(ev), on="case_id")
    rep = int(ev["replication"].iloc[0]) if "replication" in ev.columns and len(ev) else 0
    return _typed(out.assign(replication=rep)[UNSERVED_COLUMNS])


def _empty() -> pd.DataFrame:
    return _typed(pd.DataFrame({c: [] for c in UNSERVED_COLUMNS}))


def _typed(df: pd.DataFrame) -> pd.DataFrame:
    """Stable column types, so parts of different replications combine."""
    types = {"replication": "int32", "case_id": "int64", "needed": "float64", "free_at_horizon": "float64",
             "most_on_duty": "int64", "on_call": "int64", "requested_min": "float64", "waited_min": "float64"}
    for col in ("case_type", "urgency", "pool", "reason", "message"):
        types[col] = "string"
    return df.astype(types)


def unserved_summary(unserved: pd.DataFrame, replications: int, min_busy_wait_min: float = 1440.0) -> list[str]:
    """Sentences for the run's warnings: what could not be served, how often, and why.

    A request that can never be served is always reported.  One that was only
    waiting for busy units is reported when it had waited at least
    ``min_busy_wait_min`` (a day by default): a short wait cut off by the end
    of the run is ordinary and stays in ``unserved.csv`` only.
    """
    keep = (unserved["reason"] == "never") | (unserved["waited_min"] >= min_busy_wait_min)
    unserved = unserved[keep] if len(unserved) else unserved
    if unserved.empty:
        return []
    notes = []
    for (pool, _), grp in unserved.groupby(["pool", "reason"], sort=True):
        cases = grp[["replication", "case_id"]].drop_duplicates()
        kinds = ", ".join(sorted(grp["case_type"].dropna().astype(str).unique())) or "cases"
        per_rep = len(cases) / replications
        notes.append(f"{pool}: {len(cases)} {kinds} request(s) ({per_rep:.3g} per replication) "
                     f"not served by the horizon; {grp['message'].iloc[0]} (see unserved.csv)")
    return notes
