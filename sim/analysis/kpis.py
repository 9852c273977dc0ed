"""Key performance indicators: one value per replication, from the tables.

KPI names are a contract (``docs/results.md``); :func:`unit_of` gives each
one's unit.  Interval KPIs are means over the cases of one replication; a
replication without such a case gives NaN, not zero.
"""

from __future__ import annotations

import math
import re

import pandas as pd

HEADLINE = [
    "decision_to_delivery_min", "decision_to_team_on_site_min", "delivery_to_nicu_min",
    "home_decision_to_delivery_min", "ddi_within_target_pct",
]
"""The KPIs a planner reads first; the precision check covers these."""

CASE_KPIS = {
    "decision_to_delivery_min": ("outreach", "decision_to_delivery_min"),
    "decision_to_team_on_site_min": ("outreach", "decision_to_team_on_site_min"),
    "delivery_to_nicu_min": ("outreach", "delivery_to_nicu_min"),
    "team_assembly_wait_min": ("outreach", "team_assembly_wait_min"),
    "home_decision_to_delivery_min": ("home", "decision_to_delivery_min"),
}
"""KPI -> (case type, cases-table column) for means over cases."""


def unit_of(kpi: str) -> str:
    if kpi.endswith("_min") or re.search(r"_min_[a-z0-9]+$", kpi):
        return "min"
    if kpi.endswith("_pct") or "_pct_" in kpi:
        return "%"
    if kpi.startswith("utilisation_"):
        return "fraction"
    return "count"


POSSIBLE = {"min": (0.0, math.inf), "%": (0.0, 100.0), "fraction": (0.0, 1.0), "count": (0.0, math.inf)}
"""The values a KPI of each unit can take: durations and counts are never negative, shares never above all."""


def shown_interval(kpi: str, low: float, high: float) -> tuple[float, float, bool]:
    """``(low, high, cut)``: a confidence interval cut to the values the KPI can take.

    A t interval from few replications can reach a negative delay or a share
    above 100%; reports show it cut to the possible range and say so (``cut``).
    Verdicts and precision use the interval as computed.
    """
    lowest, highest = POSSIBLE[unit_of(kpi)]
    return max(low, lowest), min(high, highest), bool(low < lowest or high > highest)


def _mean(series: pd.Series) -> float:
    return float(series.mean()) if series.notna().any() else math.nan


def _pct(flags: pd.Series) -> float:
    flags = flags.dropna()
    return 100.0 * float(flags.astype(bool).mean()) if len(flags) else math.nan


def replication_kpis(cases: pd.DataFrame, resources: pd.DataFrame, urgencies: list[str],
                     warmup_min: float = 0.0) -> dict[str, float]:
    """Every KPI of one replication.  Cases created in the warm-up are left out."""
    cases = cases[cases["case_created_min"] >= warmup_min]
    out: dict[str, float] = {}
    by_type = {t: cases[cases["case_type"] == t] for t in ("outreach", "home")}
    for kpi, (ctype, column) in CASE_KPIS.items():
        out[kpi] = _mean(by_type[ctype][column])
    outreach, home = by_type["outreach"], by_type["home"]
    out["ddi_within_target_pct"] = _pct(outreach["within_target"])
    out["home_ddi_within_target_pct"] = _pct(home["within_target"])
    for u in urgencies:
        sel = outreach[outreach["urgency"] == u]
        out[f"decision_to_delivery_min_{u}"] = _mean(sel["decision_to_delivery_min"])
        out[f"ddi_within_target_pct_{u}"] = _pct(sel["within_target"])
        hsel = home[home["urgency"] == u]
        if len(hsel):
            out[f"home_decision_to_delivery_min_{u}"] = _mean(hsel["decision_to_delivery_min"])
    out["outreach_cases"] = float(len(outreach))
    out["outreach_delivered"] = float(outreach["delivery_min"].notna().sum())
    out["outreach_in_progress_at_horizon"] = float((outreach["status"] == "in_progress").sum())
    out["home_cases"] = float(len(home))
    out["deteriorations"] = float(outreach["deteriorated_min"].notna().sum())
    out["nicu_diversions"] = float(outreach["nicu_diverted"].fillna(False).astype(bool).sum())
    for row in resources[resources["capacity_mean"] > 0].itertuples(index=False):
        out[f"utilisation_{row.hospital}_{row.resource}"] = float(row.utilisation)
    out["call_ins"] = float(resources["call_ins"].sum()) if len(resources) else 0.0
    return out
