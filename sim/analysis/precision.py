"""Replication advice in words, from a summary table (confidence-interval method).

A KPI meets the precision asked when its 95% CI half-width is at most
``precision * |mean|``; otherwise ``n * (half-width / target)^2``
replications would (see :func:`sim.analysis.stats.replications_needed`).
"""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.kpis import headline_for


def headline_of(summary: pd.DataFrame) -> list[str]:
    """The headline KPIs a run could measure (:func:`sim.analysis.kpis.headline_for`), judged from which
    pathway's response KPI has values: a run whose cases all took the transfer pathway is judged on
    ``decision_to_mother_arrived_min`` instead of ``decision_to_team_on_site_min``."""
    n = dict(zip(summary["kpi"], summary["n"], strict=True))
    found = {p for p, kpi in (("outreach", "decision_to_team_on_site_min"),
                              ("transfer", "decision_to_mother_arrived_min")) if n.get(kpi, 0) > 0}
    return headline_for(found)


def unmet(summary: pd.DataFrame, kpis: list[str] | None = None) -> pd.DataFrame:
    """Rows of ``summary`` for the given KPIs (default: headline) that miss the precision."""
    rows = summary[summary["kpi"].isin(kpis or headline_of(summary))]
    return rows[~rows["precision_met"].astype(bool)]


def advice_lines(summary: pd.DataFrame, precision: float, kpis: list[str] | None = None) -> list[str]:
    """One line per headline KPI: met, or how many replications would meet it."""
    lines = []
    for r in summary[summary["kpi"].isin(kpis or headline_of(summary))].itertuples(index=False):
        rel = f"+/-{100 * r.rel_half_width:.1f}%" if math.isfinite(r.rel_half_width) else "no interval"
        if bool(r.precision_met):
            lines.append(f"  {r.kpi}: {rel} of the mean, meets {100 * precision:g}%")
        elif math.isfinite(r.replications_needed):
            lines.append(f"  {r.kpi}: {rel} of the mean; about {int(r.replications_needed)} replications "
                         f"would meet {100 * precision:g}%")
        else:
            lines.append(f"  {r.kpi}: {rel}; too few values to advise (n={r.n})")
    return lines
