"""(b) Little's law on every resource pool: mean queue = arrival rate x mean wait.

For each pool of a baseline run, over the window after the warm-up: the
arrival rate ``lam`` of requests, their mean wait ``W`` (a wait still open at
the end of the window is cut there), and the time-average number waiting
``L`` twice: as the resources table reports it, and rebuilt here from the
``request`` and ``acquire`` events.  On one sample path, with waits cut at the
window's end, ``L = lam W`` is an identity (Little, 1961; El-Taha and Stidham,
*Sample-Path Analysis of Queueing Systems*, 1999), so any gap is an error in
how the tables integrate queues or match grants to requests.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.analysis import theory
from sim.experiment.runner import replication_tables
from sim.validation.common import scenario

WARMUP_DAYS = 3.0


def request_pairs(events: pd.DataFrame, start: float, end: float) -> pd.DataFrame:
    """Each request made in ``[start, end)`` with the time it stopped waiting (cut at ``end``):
    its grant or, for a request withdrawn unserved, its withdrawal (``time_min_acq`` is the end
    of the wait either way; ``granted`` says which)."""
    keys = ["case_id", "hospital", "resource"]
    req = events[events["event"] == "request"][[*keys, "time_min"]].copy()
    acq = events[events["event"].isin(["acquire", "withdraw"])][[*keys, "time_min", "event"]].copy()
    req["k"] = req.groupby(keys).cumcount()  # a case's k-th request of a pool meets its k-th grant or withdrawal
    acq["k"] = acq.groupby(keys).cumcount()
    pairs = req.merge(acq, on=[*keys, "k"], how="left", suffixes=("_req", "_acq"))
    pairs = pairs[(pairs["time_min_req"] >= start) & (pairs["time_min_req"] < end)]
    return pairs.assign(end=pairs["time_min_acq"].fillna(end).clip(upper=end), granted=pairs["event"] == "acquire")


def pool_rows(pairs: pd.DataFrame, resources: pd.DataFrame, start: float, end: float) -> list[dict]:
    table = resources.set_index(["hospital", "resource"])
    rows = []
    for (hospital, pool), grp in pairs.groupby(["hospital", "resource"]):
        lam, wait = len(grp) / (end - start), float((grp["end"] - grp["time_min_req"]).mean())
        granted = grp["time_min_acq"].notna() & (grp["time_min_acq"] < end)  # left the queue: served or withdrawn
        times = np.concatenate([grp["time_min_req"], grp.loc[granted, "time_min_acq"]])
        steps = np.concatenate([np.ones(len(grp)), -np.ones(int(granted.sum()))])
        rebuilt = theory.time_average(times.tolist(), steps.tolist(), start, end)
        reported = float(table.loc[(hospital, pool), "mean_queue"])
        little = theory.little_number(lam, wait)
        rows.append({"pool": f"{hospital}/{pool}", "requests": len(grp), "λ (per day)": lam * 1440,
                     "W (min)": wait, "λW": little, "L from the tables": reported, "L rebuilt from the log": rebuilt,
                     "largest gap": f"{max(abs(reported - little), abs(rebuilt - little)):.1e}"})
    return rows


def table(seed: int = 20250708, days: float = 365.0) -> pd.DataFrame:
    """One row per pool that had requests, busiest queues first."""
    sc = scenario("baseline.yaml", [f"run.horizon_days={days}", f"run.warmup_days={WARMUP_DAYS}"])
    tables, _ = replication_tables(sc, seed, 0)
    start, end = WARMUP_DAYS * 1440, days * 1440
    rows = pool_rows(request_pairs(tables["events"], start, end), tables["resources"], start, end)
    return pd.DataFrame(rows).sort_values(["λW", "pool"], ascending=[False, True], ignore_index=True)
