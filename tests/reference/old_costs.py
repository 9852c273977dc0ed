"""Resource use per case as version 69b9655 worked it out, kept as the reference the faster code must equal.

Units were matched to their releases with a grouped count and a merge, and each per-case figure was a
grouping on the case keys merged onto the cases table (the NICU days and assembly times are the
current ones: unchanged).  Only the tests use this module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.costs import KEYS, USE_COLUMNS, _assembly_times, nicu_days
from sim.scenario.economics import Costs


def unit_spans(events: pd.DataFrame, horizon_min: float) -> pd.DataFrame:
    """Every unit a case was granted: ``replication, case_id, hospital, resource, start_min, end_min``.

    The k-th unit granted to a case from a pool is the k-th released (first in, first out); a unit still
    held at the horizon ends there.  Rows: one per unit (a grant of 2 people gives 2 rows).
    """
    cols = [*KEYS, "hospital", "resource", "time_min"]
    rows = (events["case_id"] >= 0).to_numpy() & events["event"].isin(["acquire", "release"]).to_numpy(dtype=bool)
    ev = events.loc[rows, [*cols, "event", "value"]]
    spans = []
    for name in ("acquire", "release"):
        sel = ev[ev["event"] == name]
        counts = sel["value"].fillna(0).astype("int64").to_numpy()
        units = sel[cols].iloc[np.repeat(np.arange(len(sel)), counts)].reset_index(drop=True)
        units["k"] = units.groupby(cols[:-1], observed=True).cumcount()
        spans.append(units)
    out = spans[0].merge(spans[1], on=[*cols[:-1], "k"], how="left", suffixes=("", "_end"))
    out = out.rename(columns={"time_min": "start_min", "time_min_end": "end_min"})
    out["end_min"] = out["end_min"].fillna(horizon_min).clip(upper=horizon_min)
    return out.drop(columns="k")


def staff_away(spans: pd.DataFrame, events: pd.DataFrame, staff_roles: list[str]) -> pd.DataFrame:
    """The staff units of :func:`unit_spans` granted at a team's or crew's assembly, with ``hours``."""
    staff = spans[spans["resource"].isin(staff_roles)]
    away = staff.merge(_assembly_times(events), on=[*KEYS, "start_min"], how="inner")
    return away.assign(hours=(away["end_min"] - away["start_min"]) / 60.0)


def resource_use(cases: pd.DataFrame, events: pd.DataFrame, staff_roles: list[str], horizon_min: float,
                 costs: Costs | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(cases with their resource use, staff away)``: :func:`with_resource_use`, and the staff units away
    of :func:`staff_away` it was worked out from (for :func:`hours_kpis`, which need not work them out again)."""
    spans = unit_spans(events, horizon_min)
    spans["hours"] = (spans["end_min"] - spans["start_min"]) / 60.0
    away = staff_away(spans, events, staff_roles)
    staff = spans[spans["resource"].isin(staff_roles)]
    ambulance = spans[spans["resource"] == "ambulance"]
    calls = events[(events["event"] == "call_in") & (events["case_id"] >= 0)]
    use = pd.DataFrame({
        "staff_hours_away": away.groupby(KEYS)["hours"].sum(),
        "staff_hours": staff.groupby(KEYS)["hours"].sum(),
        "ambulance_trips": ambulance.groupby(KEYS).size().astype("float64"),
        "ambulance_hours": ambulance.groupby(KEYS)["hours"].sum(),
        "nicu_days": nicu_days(events, horizon_min),
        "call_ins": calls.groupby(KEYS).size().astype("float64"),
    }).reset_index()
    out = cases.drop(columns=[c for c in (*USE_COLUMNS, "cost") if c in cases]).merge(use, on=KEYS, how="left")
    for col in USE_COLUMNS:
        out[col] = out[col].fillna(0.0)
    out["nicu_days"] = out["nicu_days"].where(out["nicu_admission_min"].notna())
    out["cost"] = case_costs(out, away, costs) if costs is not None else math.nan
    return out, away


def case_costs(cases: pd.DataFrame, away: pd.DataFrame, costs: Costs) -> pd.Series:
    """Each case's cost (aligned with ``cases``): staff-hours away by role, ambulance missions,
    NICU days and call-ins, at the rates of ``costs``."""
    rate = away["resource"].astype("string").map(costs.staff_hour).astype("float64").fillna(0.0)
    staff = (away["hours"] * rate).groupby([away["replication"], away["case_id"]]).sum()
    staff = staff.reindex(pd.MultiIndex.from_frame(cases[KEYS])).fillna(0.0).to_numpy()
    return pd.Series(staff + cases["ambulance_trips"].to_numpy() * costs.ambulance_trip
                     + cases["nicu_days"].fillna(0.0).to_numpy() * costs.nicu_cot_day
                     + cases["call_ins"].to_numpy() * costs.call_in, index=cases.index)
