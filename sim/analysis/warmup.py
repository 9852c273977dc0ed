"""Warm-up diagnostic: MSER-5 on a series averaged over replications.

A run starts empty (no patient in a NICU cot, nobody busy), so early
observations can be biased low.  MSER-5 (White 1997; White, Cobb and Spratt
2000) picks the truncation point that minimises the squared standard error
of the mean of what remains:

    MSER(d) = sum_{j > d} (Z_j - mean(Z_{d+1..k}))^2 / (k - d)^2

where ``Z_1..Z_k`` are means of consecutive batches of 5 observations and
``d`` runs over the first half of the batches (a minimum in the second half
means the series is too short to tell).  The series is first averaged over
replications (Welch's ensemble average), which smooths noise without
shifting the transient.  ``run.warmup_days`` then drops the warm-up from
every statistic: cases created in it are left out of the KPIs and resources
are integrated from its end.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.analysis.occupancy import step_integral

BATCH = 5


@dataclass(frozen=True)
class Mser:
    """The MSER-5 result: truncation in observations, the statistic per batch count, and a warning flag."""

    truncate_obs: int
    truncate_batches: int
    statistic: np.ndarray
    reliable: bool


def mser(series: np.ndarray, batch: int = BATCH) -> Mser:
    """MSER-``batch`` truncation point of ``series`` (one value per time bin, NaNs dropped)."""
    y = np.asarray(series, dtype=float)
    y = y[np.isfinite(y)]
    k = len(y) // batch
    if k < 4:
        raise ValueError(f"MSER-{batch} needs at least {4 * batch} observations, got {len(y)}")
    z = y[: k * batch].reshape(k, batch).mean(axis=1)
    stat = np.array([((z[d:] - z[d:].mean()) ** 2).sum() / (k - d) ** 2 for d in range(k // 2 + 1)])
    d = int(np.argmin(stat))
    return Mser(d * batch, d, stat, reliable=d < k // 2)


def pool_busy_series(events: pd.DataFrame, hospital: str, resource: str, bin_min: float,
                     horizon_min: float) -> pd.DataFrame:
    """Time-average units in use of one pool per time bin (rows: bins, columns: replications)."""
    sel = events[(events["hospital"] == hospital) & (events["resource"] == resource)
                 & events["event"].isin(["acquire", "release"])]
    edges = np.arange(0.0, horizon_min + bin_min / 2, bin_min)
    out = {}
    for rep, ev in sel.groupby("replication", sort=True):
        ev = ev.sort_values("time_min", kind="stable")
        t = ev["time_min"].to_numpy()
        level = np.cumsum(np.where(ev["event"] == "acquire", 1, -1) * ev["value"].to_numpy())
        out[rep] = _bin_average(t, level, edges)
    return pd.DataFrame(out, index=edges[:-1] / 1440.0)


def _bin_average(t: np.ndarray, level: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Time average per bin of a step function that takes ``level[i]`` from ``t[i]`` on (0 before)."""
    area = step_integral(np.concatenate([[0.0], t]), np.concatenate([[0.0], level]), edges)
    return np.diff(area) / np.diff(edges)


def case_series(cases: pd.DataFrame, column: str, case_type: str | None, bin_min: float,
                horizon_min: float) -> pd.DataFrame:
    """Mean of ``column`` over cases created in each time bin (rows: bins, columns: replications)."""
    sel = cases if case_type is None else cases[cases["case_type"] == case_type]
    sel = sel[sel[column].notna()]
    edges = np.arange(0.0, horizon_min + bin_min / 2, bin_min)
    bins = pd.cut(sel["case_created_min"], edges, right=False, labels=False)
    table = sel.assign(bin=bins).pivot_table(index="bin", columns="replication", values=column, aggfunc="mean")
    table = table.reindex(range(len(edges) - 1))
    table.index = edges[:-1] / 1440.0
    return table


def diagnose(per_replication: pd.DataFrame, batch: int = BATCH) -> tuple[pd.Series, Mser]:
    """Average the series over replications (bins with no value dropped) and apply MSER."""
    mean = per_replication.mean(axis=1, skipna=True).dropna()
    return mean, mser(mean.to_numpy(), batch)
