"""What the report derives from the event log, one replication at a time.

The report needs each case's waits with what bound them and each pool's
occupancy by hour of day.  Both come from the whole event log, so they are
computed where a replication's log is still in memory (the worker that ran
it) and stored as small tables beside the others; the report then pools
them without reading the event log.
"""

from __future__ import annotations

import pandas as pd

from sim.analysis.attribution import case_waits
from sim.analysis.occupancy import hourly_occupancy


def report_tables(events: pd.DataFrame, cases: pd.DataFrame, warmup_min: float,
                  horizon_min: float) -> dict[str, pd.DataFrame]:
    """The report's tables of one replication.

    Parameters
    ----------
    events : one replication's event log, in log order (with its ``replication`` column).
    cases : that replication's cases table (``tables.cases_table``; the milestone columns
        :data:`sim.analysis.attribution.MILESTONE_COLUMNS` and ``case_type``, ``pathway`` suffice).
    warmup_min, horizon_min : the window occupancy is averaged over (minutes); waits still open at
        the horizon are cut there.

    Returns
    -------
    ``{"waits": ..., "occupancy": ...}``: every wait of every case
    (:func:`sim.analysis.attribution.case_waits`) and every pool's busy, staffed and surge units by
    hour of day with the hours averaged (:func:`sim.analysis.occupancy.hourly_occupancy`), both with
    a ``replication`` column.
    """
    replication = int(events["replication"].iloc[0]) if len(events) else 0
    occupancy = hourly_occupancy(events, warmup_min, horizon_min)
    return {"waits": case_waits(events, cases, end_min=horizon_min),
            "occupancy": occupancy.assign(replication=replication)[["replication", *occupancy.columns]]}
