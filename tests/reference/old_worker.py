"""The per-replication tables of the report and the home-case KPIs as version d030d62 computed them: the
reference the faster ones must equal, frame for frame.

Pool levels were rebuilt with string comparisons on the event names and pools grouped on their text
columns (the waits are those of :mod:`tests.reference.old_waits` on those), occupancy
integrated pool by pool and measure by measure, and the home cases' context (team away, shift) worked
out once for the values and again for the counts.  Only the tests use this module.
"""

from __future__ import annotations

from unittest.mock import patch

import numpy as np
import pandas as pd

from sim.analysis.attribution import POOL_EVENTS
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
from tests.reference import old_waits


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


def case_waits(events: pd.DataFrame, cases: pd.DataFrame, end_min: float | None = None,
               case_ids: list[int] | None = None) -> pd.DataFrame:
    """:func:`tests.reference.old_waits.case_waits` on the pool levels and codes above."""
    with patch.object(old_waits, "free_levels", free_levels), patch.object(old_waits, "pool_codes", pool_codes):
        return old_waits.case_waits(events, cases, end_min, case_ids)


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
    """The old :func:`sim.analysis.occupancy.hourly_occupancy`: pool by pool, measure by measure."""
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
    """The old :func:`sim.analysis.case_kpis.home_values`: data frames selected case group by group."""
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


