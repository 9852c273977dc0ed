"""Activity over the clock: busy units by hour of day, and when the outreach team is away.

Pure functions of the event log and the cases table.  Times are minutes from
Monday 00:00 of week one; hours of day run 0-23.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.pools import capacity_changes, name_codes, pool_keys, running_sum

MIN_PER_HOUR = 60.0
HOURS_PER_DAY = 24


def step_integral(times: np.ndarray, levels: np.ndarray, at: np.ndarray) -> np.ndarray:
    """Integral from ``times[0]`` of a step function (``levels[..., i]`` from ``times[i]``), at each of ``at``.

    ``levels`` may hold several functions of the same steps, one per leading index (shape ``(..., n)``);
    the result then has shape ``(..., len(at))``.
    """
    widths = np.diff(times, append=times[-1])
    steps = np.cumsum(levels * widths, axis=-1)
    cum = np.concatenate((np.zeros((*steps.shape[:-1], 1)), steps), axis=-1)[..., :-1]
    k = np.clip(np.searchsorted(times, at, side="right") - 1, 0, None)
    inside = at >= times[0]
    return np.where(inside, cum[..., k] + levels[..., k] * (at - times[k]), 0.0)


POOL_EVENTS = ["acquire", "release", "capacity", "call_in_arrival", "call_in_home", "overtime_start", "overtime_end"]
NICU_EVENTS = ["nicu_admission", "nicu_discharge"]


@dataclass
class PoolSteps:
    """Signed changes of busy units, of available units (on duty + called in + staff on overtime) and of
    newborns admitted over a NICU's count (``surge``, on the ``nicu_cot`` pool), row by row in time order
    (ties in log order, the surge rows after the pools' own): ``pool`` codes into ``pools``
    (``(hospital, resource)``), ``time_min`` and one array of changes per measure of :data:`MEASURES`."""

    pool: np.ndarray
    time_min: np.ndarray
    changes: dict[str, np.ndarray]
    pools: list[tuple[str, str]]

    def by_pool(self) -> list[tuple[tuple[str, str], np.ndarray]]:
        """``(pool, rows)`` for each pool in the order of its first row, its rows in time order."""
        seen, first = np.unique(self.pool, return_index=True)
        rank = np.empty(len(self.pools), dtype=np.int64)
        rank[seen[np.argsort(first)]] = np.arange(len(seen))
        order = np.argsort(rank[self.pool], kind="stable")
        bounds = np.flatnonzero(np.diff(rank[self.pool][order])) + 1
        return [(self.pools[self.pool[rows[0]]], rows) for rows in np.split(order, bounds) if len(rows)]


def _pool_steps(ev: pd.DataFrame) -> PoolSteps:
    """The :class:`PoolSteps` of one replication's log (in log order)."""
    kind = name_codes(ev["event"], [*POOL_EVENTS, *NICU_EVENTS])
    on_pool = (kind >= 0) & (kind < len(POOL_EVENTS))
    sel, kind_sel = ev[on_pool], kind[on_pool]
    pool, pools = pool_keys(sel)
    value = sel["value"].to_numpy(dtype=float)
    is_ = {name: kind_sel == i for i, name in enumerate(POOL_EVENTS)}
    cap_step = np.zeros(len(sel))
    cap_step[is_["capacity"]] = capacity_changes(pool[is_["capacity"]], value[is_["capacity"]])
    cap_step[np.isnan(cap_step)] = 0.0
    busy = np.select([is_["acquire"], is_["release"]], [value, -value], 0.0)
    avail = np.select([is_["capacity"], is_["call_in_arrival"], is_["call_in_home"], is_["overtime_start"],
                       is_["overtime_end"]], [cap_step, 1.0, -1.0, value, -value], 0.0)
    hospital, time_min, surge = _surge_steps(ev, kind - len(POOL_EVENTS))
    cot = [_pool_index(pools, (h, "nicu_cot")) for h in hospital]
    none = np.zeros(len(surge))
    order = np.argsort(np.concatenate([sel["time_min"].to_numpy(dtype=float), time_min]), kind="stable")
    changes = {"busy": np.concatenate([busy, none]), "available": np.concatenate([avail, none]),
               "surge": np.concatenate([np.zeros(len(sel)), surge])}
    return PoolSteps(np.concatenate([pool, np.array(cot, dtype=np.int64)])[order],
                     np.concatenate([sel["time_min"].to_numpy(dtype=float), time_min])[order],
                     {m: c[order] for m, c in changes.items()}, pools)


def _pool_index(pools: list[tuple[str, str]], pool: tuple[str, str]) -> int:
    """The code of ``pool`` in ``pools``, added at the end when it is not there yet."""
    if pool not in pools:
        pools.append(pool)
    return pools.index(pool)


def _surge_steps(ev: pd.DataFrame, nicu: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray]:
    """``(hospitals, times, changes)``: +1 at each ``surge`` NICU admission and -1 at that newborn's
    discharge, admissions first, each in log order (``nicu``: each row's position in :data:`NICU_EVENTS`)."""
    admitted = ev[nicu == 0]
    admitted = admitted[(admitted["detail"] == "surge").to_numpy(dtype=bool)]
    keys = set(zip(admitted["case_id"].tolist(), admitted["hospital"].astype(str).tolist(), strict=True))
    left = ev[nicu == 1]
    left = left[(left["resource"] == "").to_numpy(dtype=bool)]
    gone = [k in keys for k in zip(left["case_id"].tolist(), left["hospital"].astype(str).tolist(), strict=True)]
    left = left[np.array(gone, dtype=bool)]
    return ([*admitted["hospital"].astype(str), *left["hospital"].astype(str)],
            np.concatenate([admitted["time_min"].to_numpy(dtype=float), left["time_min"].to_numpy(dtype=float)]),
            np.concatenate([np.ones(len(admitted)), -np.ones(len(left))]))


OCCUPANCY_COLUMNS = ["hospital", "resource", "hour", "available_mean", "busy_mean", "surge_mean"]
MEASURES = {"busy": "busy_mean", "available": "available_mean", "surge": "surge_mean"}


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
    steps = _pool_steps(events)
    for pool, rows in steps.by_pool():
        pools.append(pool)
        levels = np.stack([running_sum(steps.changes[measure][rows]) for measure in MEASURES])
        per_hour = np.diff(step_integral(steps.time_min[rows], levels, edges), axis=-1) / MIN_PER_HOUR
        for column, units in zip(MEASURES.values(), per_hour, strict=True):
            means[column].append(np.bincount(hour, weights=units, minlength=HOURS_PER_DAY)[seen] / hours[seen])
    k = int(seen.sum())
    table = pd.DataFrame({"hospital": np.repeat([h for h, _ in pools], k).astype(object),
                          "resource": np.repeat([r for _, r in pools], k).astype(object),
                          "hour": np.tile(np.flatnonzero(seen), len(pools))})
    for column, parts in means.items():
        table[column] = np.concatenate(parts) if parts else np.array([], dtype=float)
    table["hours"] = np.tile(hours[seen], len(pools))
    return table[[*OCCUPANCY_COLUMNS, "hours"]]


def pooled_occupancy(hourly: pd.DataFrame, pools: list[tuple[str, str]]) -> pd.DataFrame:
    """Replications' :func:`hourly_occupancy` tables pooled: each pool's and hour's mean over every
    whole hour of every replication (means weighted by ``hours``), for ``pools`` in the order asked.

    Returns ``hospital, resource, hour, available_mean, busy_mean, surge_mean``.
    """
    rank = {pool: i for i, pool in enumerate(pools)}
    hourly = hourly.assign(hospital=hourly["hospital"].astype(str), resource=hourly["resource"].astype(str))
    wanted = [(h, r) in rank for h, r in zip(hourly["hospital"], hourly["resource"], strict=True)]
    sel = hourly[np.array(wanted, dtype=bool)]
    if sel.empty:
        return pd.DataFrame(columns=OCCUPANCY_COLUMNS)
    weight = sel["hours"].astype(float)
    sums = sel[list(MEASURES.values())].mul(weight, axis=0).assign(hours=weight)
    table = sums.groupby([sel["hospital"], sel["resource"], sel["hour"].astype(int)]).sum().reset_index()
    for column in MEASURES.values():
        table[column] = table[column] / table["hours"]
    order = [rank[(h, r)] for h, r in zip(table["hospital"], table["resource"], strict=True)]
    return table.assign(_order=order).sort_values(["_order", "hour"], ignore_index=True)[OCCUPANCY_COLUMNS]


def occupancy_by_hour(events: pd.DataFrame, pools: list[tuple[str, str]], start_min: float,
                      end_min: float) -> pd.DataFrame:
    """Mean busy and available units of each pool by hour of day.

    Parameters
    ----------
    events : the event log (one or more replications), in log order.
    pools : ``(hospital, pool)`` pairs to measure.
    start_min, end_min : the window averaged over (minutes); whole hours are used.

    Returns
    -------
    One row per pool and hour, pools in the order asked: ``hospital, resource,
    hour, available_mean, busy_mean, surge_mean`` (units, time averages over
    the window's days and the replications; ``surge_mean``: newborns admitted
    over a NICU's count, who hold no cot, on ``nicu_cot`` pools, else 0).
    """
    reps = events.groupby("replication", sort=True) if "replication" in events else [(0, events)]
    hourly = [hourly_occupancy(ev, start_min, end_min) for _, ev in reps]
    return pooled_occupancy(pd.concat(hourly, ignore_index=True) if hourly else
                            pd.DataFrame(columns=[*OCCUPANCY_COLUMNS, "hours"]), pools)


def team_away_intervals(cases: pd.DataFrame, end_min: float = np.inf) -> pd.DataFrame:
    """When an outreach team is away from home: ``team_assembled`` to ``team_returned``.

    Teams still away at the end of the run are away until ``end_min``.
    Returns ``replication, case_id, hospital`` (the team's home hospital, from
    the cases table's ``team_home``; empty for a table without it), ``start_min, end_min``.
    """
    sel = cases[(cases["pathway"] == "outreach") & cases["team_assembled_min"].notna()]
    home = sel["team_home"] if "team_home" in sel else pd.Series("", index=sel.index)
    return pd.DataFrame({
        "replication": sel["replication"].to_numpy(), "case_id": sel["case_id"].to_numpy(),
        "hospital": home.fillna("").astype(str).to_numpy(),
        "start_min": sel["team_assembled_min"].to_numpy(dtype=float),
        "end_min": sel["team_returned_min"].fillna(end_min).to_numpy(dtype=float),
    })


def flag_team_away(cases: pd.DataFrame, intervals: pd.DataFrame, at: str = "decision_min") -> pd.Series:
    """Whether an outreach team was away at each case's ``at`` time (same replication).

    A team counts only for cases of its own home hospital (``hospital`` of
    both tables) when the intervals name one.  Returns a boolean Series
    aligned with ``cases``.
    """
    away = pd.Series(False, index=cases.index)
    for rep, grp in intervals.groupby("replication"):
        sel = cases["replication"] == rep
        t = cases.loc[sel, at].to_numpy(dtype=float)
        starts, ends = grp["start_min"].to_numpy(), grp["end_min"].to_numpy()
        inside = (t[:, None] >= starts[None, :]) & (t[:, None] < ends[None, :])
        if "hospital" in grp and "hospital" in cases and (grp["hospital"] != "").all():
            inside &= cases.loc[sel, "hospital"].astype(str).to_numpy()[:, None] == grp["hospital"].to_numpy()[None, :]
        away[sel] = inside.any(axis=1)
    return away
