"""Staff-hours, vehicle and equipment hours, NICU days and what they cost: from the event log.

A case's use of a pool is read from its ``acquire`` and ``release`` events,
one unit (a person, a vehicle, an item, a cot) at a time: units of one case
and pool are released in the order they were granted, so a transfer
escort (granted first) is told apart from the surgical team that later
takes people of the same role for her caesarean.  A unit not released by the
horizon is counted to the horizon.

- **staff-hours away**: people granted to a case when its outreach team or
  its transfer crew is assembled (``team_assembled``, ``crew_assembled``),
  from that grant to their release (the team's return; the neonatal part at
  the NICU or on its own return; the escort at handover);
- **ambulance missions**: each ambulance granted to a case (a team's, a
  transfer crew's, or, when the newborn travels on its own, the newborn's);
- **NICU days**: a newborn's days from admission to discharge, surge
  admissions (over the count, no cot held) included.

Per-year figures count the cases created after the warm-up, and pool
integrals over ``[warmup, horizon]`` (overtime, call-in hours, vehicle and
equipment use), scaled by 365 days over the observed span.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.pools import kth_match, name_codes, pool_keys
from sim.scenario.economics import Costs

KEYS = ["replication", "case_id"]
USE_COLUMNS = ("staff_hours_away", "staff_hours", "ambulance_trips", "ambulance_hours", "nicu_days", "call_ins")
"""Per-case columns added to the cases table by :func:`with_resource_use` (hours, counts, days)."""


def unit_spans(events: pd.DataFrame, horizon_min: float) -> pd.DataFrame:
    """Every unit a case was granted: ``replication, case_id, hospital, resource, start_min, end_min``.

    The k-th unit granted to a case from a pool is the k-th released (first in, first out); a unit still
    held at the horizon ends there.  Rows: one per unit (a grant of 2 people gives 2 rows), in log order.
    """
    kind = name_codes(events["event"], ["acquire", "release"])
    rows = np.flatnonzero((kind >= 0) & (events["case_id"] >= 0).to_numpy())
    pool, _ = pool_keys(events[["hospital", "resource"]].iloc[rows])
    held = pd.factorize(events["replication"].to_numpy()[rows])[0] * (pool.max(initial=0) + 1) + pool
    held = pd.factorize(events["case_id"].to_numpy()[rows] * (held.max(initial=0) + 1) + held)[0]
    counts = events["value"].fillna(0).astype("int64").to_numpy()[rows]
    unit = np.repeat(np.arange(len(rows)), counts)  # each unit's row of ``rows``
    granted = unit[kind[rows][unit] == 0]
    released = unit[kind[rows][unit] == 1]
    both = np.concatenate([granted, released])
    end = kth_match(held[both], np.arange(len(granted)), len(granted) + np.arange(len(released)))
    time = events["time_min"].to_numpy()[rows][both]
    units = rows[granted]
    return pd.DataFrame({
        "replication": events["replication"].to_numpy()[units], "case_id": events["case_id"].to_numpy()[units],
        "hospital": events["hospital"].array.take(units), "resource": events["resource"].array.take(units),
        "start_min": time[:len(granted)], "end_min": np.minimum(np.where(end >= 0, time[end], horizon_min),
                                                                 horizon_min)})


def _assembly_times(events: pd.DataFrame) -> pd.DataFrame:
    sel = events[events["event"].isin(["team_assembled", "crew_assembled"])]
    return sel[[*KEYS, "time_min"]].drop_duplicates().rename(columns={"time_min": "start_min"}).assign(away=True)


def staff_away(spans: pd.DataFrame, events: pd.DataFrame, staff_roles: list[str]) -> pd.DataFrame:
    """The staff units of :func:`unit_spans` granted at a team's or crew's assembly (its case's
    ``team_assembled`` or ``crew_assembled`` time), in their order, with ``away`` (True) and ``hours``."""
    rows = np.flatnonzero(name_codes(events["event"], ["team_assembled", "crew_assembled"]) >= 0)
    assembled = pd.DataFrame({k: events[k].to_numpy()[rows] for k in KEYS})
    assembly_case, span_case = case_codes(assembled, spans)
    start = spans["start_min"].to_numpy()
    time = pd.factorize(np.concatenate([events["time_min"].to_numpy()[rows], start]))[0]
    width = time.max(initial=0) + 1
    at = np.isin(span_case * width + time[len(rows):], assembly_case * width + time[:len(rows)])
    away = spans[spans["resource"].isin(staff_roles).to_numpy(dtype=bool) & at].reset_index(drop=True)
    away["away"] = True
    return away.assign(hours=(away["end_min"] - away["start_min"]) / 60.0)


def case_codes(*frames: pd.DataFrame) -> list[np.ndarray]:
    """Each frame's ``(replication, case_id)`` as one integer (int64), the same case the same integer."""
    keys = [np.concatenate([f[k].to_numpy() for f in frames]) for k in KEYS]
    code = pd.factorize(keys[0])[0] * (keys[1].max(initial=0) + 1) + keys[1]
    return np.split(code, np.cumsum([len(f) for f in frames])[:-1])


def nicu_days(events: pd.DataFrame, horizon_min: float) -> pd.Series:
    """Days each newborn spent in a NICU (index replication, case_id), to the horizon if still there."""
    ev = events.loc[events["event"].isin(["nicu_admission", "nicu_discharge"]).to_numpy(dtype=bool)
                    & (events["case_id"] >= 0).to_numpy(), [*KEYS, "event", "time_min"]]
    admitted = ev[ev["event"] == "nicu_admission"].groupby(KEYS)["time_min"].first()
    left = ev[ev["event"] == "nicu_discharge"].groupby(KEYS)["time_min"].first()
    return ((left.reindex(admitted.index).fillna(horizon_min) - admitted) / 1440.0).rename("nicu_days")


def _nicu_stays(events: pd.DataFrame, horizon_min: float) -> pd.DataFrame:
    """:func:`nicu_days` as a frame ``replication, case_id, nicu_days``, one row a newborn admitted (in
    the order of their first admission)."""
    kind = name_codes(events["event"], ["nicu_admission", "nicu_discharge"])
    rows = np.flatnonzero((kind >= 0) & (events["case_id"] >= 0).to_numpy())
    rep, case_id = events["replication"].to_numpy()[rows].astype(np.int64), events["case_id"].to_numpy()[rows]
    key = rep * (case_id.max(initial=0) + 1) + case_id
    time, kind = events["time_min"].to_numpy()[rows], kind[rows]
    admitted, admitted_min = _first_times(key[kind == 0], time[kind == 0])
    left, left_min = _first_times(key[kind == 1], time[kind == 1])
    at = pd.Index(left).get_indexer(admitted)
    end = np.full(len(admitted), np.nan)
    end[at >= 0] = left_min[at[at >= 0]]
    days = (np.where(np.isnan(end), horizon_min, end) - admitted_min) / 1440.0
    first = np.unique(key[kind == 0], return_index=True)[1]
    first = first[np.argsort(first)]
    return pd.DataFrame({"replication": rep[kind == 0][first], "case_id": case_id[kind == 0][first],
                         "nicu_days": days})


def _first_times(key: np.ndarray, time: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(keys, times)``: each key in the order of its first row, and the first non-empty time of its
    rows (NaN if none)."""
    group, keys = pd.factorize(key)
    first = np.full(len(keys), len(time))
    filled = np.flatnonzero(~np.isnan(time))
    np.minimum.at(first, group[filled], filled)
    found = first < len(time)
    out = np.full(len(keys), np.nan)
    out[found] = time[first[found]]
    return keys, out


def with_resource_use(cases: pd.DataFrame, events: pd.DataFrame, staff_roles: list[str], horizon_min: float,
                      costs: Costs | None = None) -> pd.DataFrame:
    """``cases`` with each case's use of people, vehicles and cots (:data:`USE_COLUMNS`), and with
    ``costs`` its ``cost``: staff-hours away at each role's rate, ambulance missions, NICU days and the
    call-ins made for it, at their rates (empty without ``costs``)."""
    return resource_use(cases, events, staff_roles, horizon_min, costs)[0]


def resource_use(cases: pd.DataFrame, events: pd.DataFrame, staff_roles: list[str], horizon_min: float,
                 costs: Costs | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(cases with their resource use, staff away)``: :func:`with_resource_use`, and the staff units away
    of :func:`staff_away` it was worked out from (for :func:`hours_kpis`, which need not work them out again).
    ``cases`` must have one row a case."""
    spans = unit_spans(events, horizon_min)
    spans["hours"] = (spans["end_min"] - spans["start_min"]) / 60.0
    away = staff_away(spans, events, staff_roles)
    is_call = (events["event"] == "call_in").to_numpy(dtype=bool) & (events["case_id"] >= 0).to_numpy()
    calls = events.loc[is_call, KEYS]
    days = _nicu_stays(events, horizon_min)
    case, span_case, away_case, call_case, nicu_case = case_codes(cases, spans, away, calls, days)
    at = pd.Index(case)
    span_row, away_row = at.get_indexer(span_case), at.get_indexer(away_case)
    staff = spans["resource"].isin(staff_roles).to_numpy(dtype=bool)
    ambulance = (spans["resource"] == "ambulance").to_numpy(dtype=bool)
    out = cases.drop(columns=[c for c in (*USE_COLUMNS, "cost") if c in cases]).reset_index(drop=True)
    out["staff_hours_away"] = _case_sums(away_row, away["hours"].to_numpy(), len(cases))
    out["staff_hours"] = _case_sums(span_row[staff], spans["hours"].to_numpy()[staff], len(cases))
    out["ambulance_trips"] = _case_counts(span_row[ambulance], len(cases))
    out["ambulance_hours"] = _case_sums(span_row[ambulance], spans["hours"].to_numpy()[ambulance], len(cases))
    nicu = _case_sums(at.get_indexer(nicu_case), days["nicu_days"].to_numpy(), len(cases))
    out["nicu_days"] = np.where(out["nicu_admission_min"].isna(), np.nan, nicu)
    out["call_ins"] = _case_counts(at.get_indexer(call_case), len(cases))
    out["cost"] = case_costs(out, away, costs) if costs is not None else math.nan
    return out, away


def _case_sums(row: np.ndarray, values: np.ndarray, n: int) -> np.ndarray:
    """Sum of ``values`` by case (``row``: each value's case row, -1 for none), summed as pandas sums a
    group (so the same to the last digit), 0 for a case with none."""
    kept = row >= 0
    sums = pd.Series(values[kept]).groupby(row[kept]).sum()
    out = np.zeros(n)
    out[sums.index.to_numpy()] = sums.to_numpy()
    return out


def _case_counts(row: np.ndarray, n: int) -> np.ndarray:
    """How many entries of ``row`` (case rows, -1 for none) name each case, as float64."""
    return np.bincount(row[row >= 0], minlength=n).astype("float64")


def case_costs(cases: pd.DataFrame, away: pd.DataFrame, costs: Costs) -> pd.Series:
    """Each case's cost (aligned with ``cases``, one row a case): staff-hours away by role, ambulance
    missions, NICU days and call-ins, at the rates of ``costs``."""
    rate = away["resource"].astype("string").map(costs.staff_hour).astype("float64").fillna(0.0).to_numpy()
    case, away_case = case_codes(cases, away)
    staff = _case_sums(pd.Index(case).get_indexer(away_case), away["hours"].to_numpy() * rate, len(cases))
    return pd.Series(staff + cases["ambulance_trips"].to_numpy() * costs.ambulance_trip
                     + cases["nicu_days"].fillna(0.0).to_numpy() * costs.nicu_cot_day
                     + cases["call_ins"].to_numpy() * costs.call_in, index=cases.index)


def observed_years(horizon_min: float, warmup_min: float) -> float:
    """The span the KPIs count, in years of 365 days."""
    return (horizon_min - warmup_min) / (365.0 * 1440.0)


def _pool_hours(resources: pd.DataFrame, column: str, pools: list[str]) -> float:
    if not len(resources) or column not in resources:
        return 0.0
    return float(resources.loc[resources["resource"].isin(pools), column].sum()) / 60.0


def hours_kpis(cases: pd.DataFrame, events: pd.DataFrame, resources: pd.DataFrame, staff_roles: list[str],
               equipment: list[str], horizon_min: float, warmup_min: float,
               away: pd.DataFrame | None = None) -> dict[str, float]:
    """Per-year hours, missions and days of one replication (cases created after the warm-up); ``away`` is
    :func:`staff_away` of ``events`` when already worked out (by :func:`resource_use`).

    ``staff_hours_away_per_year`` (and ``_<role>``), ``overtime_hours_per_year``,
    ``call_in_hours_per_year`` (called-in people on site), ``call_ins_per_year``,
    ``ambulance_trips_per_year``, ``ambulance_hours_per_year``, ``equipment_hours_per_year_<item>``
    (in use, cleaning and restocking included) and ``nicu_cot_days_per_year``.
    """
    years = observed_years(horizon_min, warmup_min)
    kept = cases[cases["case_created_min"] >= warmup_min]
    if away is None:
        away = staff_away(unit_spans(events, horizon_min), events, staff_roles)
    away = away.merge(kept[KEYS], on=KEYS)
    out = {"staff_hours_away_per_year": float(away["hours"].sum()) / years}
    for role in staff_roles:
        hours = float(away.loc[away["resource"] == role, "hours"].sum())
        if hours or role in set(away["resource"]):
            out[f"staff_hours_away_per_year_{role}"] = hours / years
    out["overtime_hours_per_year"] = _pool_hours(resources, "overtime_min", staff_roles) / years
    out["call_in_hours_per_year"] = _pool_hours(resources, "call_in_min", staff_roles) / years
    out["call_ins_per_year"] = (float(resources["call_ins"].sum()) if len(resources) else 0.0) / years
    out["ambulance_trips_per_year"] = float(kept["ambulance_trips"].sum()) / years
    out["ambulance_hours_per_year"] = _pool_hours(resources, "busy_min", ["ambulance"]) / years
    for item in equipment:
        out[f"equipment_hours_per_year_{item}"] = _pool_hours(resources, "busy_min", [item]) / years
    out["nicu_cot_days_per_year"] = float(kept["nicu_days"].sum()) / years
    return out


def cost_kpis(hours: dict[str, float], costs: Costs, staff_roles: list[str],
              outreach_case_costs: float = 0.0) -> dict[str, float]:
    """Per-year costs of one replication from its :func:`hours_kpis`, at the rates of ``costs``.

    ``cost_per_year`` (the network's: every newborn's NICU days, every overtime hour and call-in) is the
    sum of ``cost_staff_away_per_year``, ``cost_overtime_per_year``, ``cost_call_ins_per_year``,
    ``cost_ambulance_trips_per_year``, ``cost_nicu_per_year`` and ``cost_fixed_per_year``.
    ``cost_outreach_per_year`` is what the outreach service costs: ``outreach_case_costs`` (the per-year
    sum of the outreach cases' ``cost``) plus the fixed costs; the home emergencies' own NICU days and the
    overtime no case is charged with are left out.
    """
    parts = {
        "cost_staff_away_per_year": sum(hours.get(f"staff_hours_away_per_year_{role}", 0.0) * rate
                                        for role, rate in costs.staff_hour.items() if role in staff_roles),
        "cost_overtime_per_year": hours["overtime_hours_per_year"] * costs.overtime_hour,
        "cost_call_ins_per_year": hours["call_ins_per_year"] * costs.call_in,
        "cost_ambulance_trips_per_year": hours["ambulance_trips_per_year"] * costs.ambulance_trip,
        "cost_nicu_per_year": hours["nicu_cot_days_per_year"] * costs.nicu_cot_day,
        "cost_fixed_per_year": float(sum(costs.fixed_per_year.values())),
    }
    return {**parts, "cost_per_year": float(np.sum(list(parts.values()))),
            "cost_outreach_per_year": outreach_case_costs + parts["cost_fixed_per_year"]}


COST_KPIS = ("cost_outreach_per_year", "cost_staff_away_per_year", "cost_overtime_per_year", "cost_call_ins_per_year",
             "cost_ambulance_trips_per_year", "cost_nicu_per_year", "cost_fixed_per_year", "cost_per_year",
             "cost_per_outreach_case")


def resource_kpi_names(staff_roles: list[str], equipment: list[str], with_costs: bool) -> set[str]:
    """Every KPI name of this module (for checking a name a user types, e.g. a ``target`` goal)."""
    names = {"staff_hours_away_per_year", "staff_hours_away_per_outreach_case", "overtime_hours_per_year",
             "call_in_hours_per_year", "call_ins_per_year", "ambulance_trips_per_year", "ambulance_hours_per_year",
             "nicu_cot_days_per_year"}
    names |= {f"staff_hours_away_per_year_{role}" for role in staff_roles}
    names |= {f"equipment_hours_per_year_{item}" for item in equipment}
    return names | set(COST_KPIS) if with_costs else names
