"""Occupancy by hour of day as version 6b19476 computed it, on the whole event log at once: the reference
the per-replication tables, pooled, must equal (up to float rounding).  Only the tests use this module."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis.occupancy import HOURS_PER_DAY, MIN_PER_HOUR, step_integral
from tests.reference.old_worker import _pool_steps


def occupancy_by_hour(events: pd.DataFrame, pools: list[tuple[str, str]], start_min: float,
                      end_min: float) -> pd.DataFrame:
    """The old whole-log occupancy: same inputs and columns as :func:`sim.analysis.occupancy.occupancy_by_hour`."""
    edges = np.arange(np.ceil(start_min / MIN_PER_HOUR), np.floor(end_min / MIN_PER_HOUR) + 1) * MIN_PER_HOUR
    hours = (edges[:-1] // MIN_PER_HOUR % HOURS_PER_DAY).astype(int)
    rows = []
    reps = events.groupby("replication", sort=True) if "replication" in events else [(0, events)]
    wanted = set(pools)
    for _, ev in reps:
        steps = _pool_steps(ev)
        for (hosp, res), grp in steps.groupby(["hospital", "resource"], observed=True, sort=False):
            if (hosp, res) not in wanted or len(edges) < 2:
                continue
            times = grp["time_min"].to_numpy(dtype=float)
            for measure in ("busy", "available", "surge"):
                per_hour = np.diff(step_integral(times, grp[measure].cumsum().to_numpy(), edges)) / MIN_PER_HOUR
                rows.append(pd.DataFrame({"hospital": hosp, "resource": res, "measure": measure,
                                          "hour": hours, "units": per_hour}))
    if not rows:
        return pd.DataFrame(columns=["hospital", "resource", "hour", "busy_mean", "available_mean", "surge_mean"])
    table = pd.concat(rows).pivot_table(index=["hospital", "resource", "hour"], columns="measure", values="units",
                                        aggfunc="mean", observed=True)
    table = table.rename(columns={"busy": "busy_mean", "available": "available_mean", "surge": "surge_mean"})
    table = table.reset_index()
    table.columns.name = None
    rank = {pool: i for i, pool in enumerate(pools)}
    order = [rank[(h, r)] for h, r in zip(table["hospital"], table["resource"], strict=True)]
    return table.assign(_order=order).sort_values(["_order", "hour"], ignore_index=True).drop(columns="_order")
