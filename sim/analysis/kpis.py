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


def headline_for(pathways: set[str]) -> list[str]:
    """The headline KPIs that a scenario whose outreach cases take ``pathways`` can measure.

    Only the outreach pathway sends a team to the host: its response KPI is
    ``decision_to_team_on_site_min``; the transfer pathway's is
    ``decision_to_mother_arrived_min``.  Each is a headline KPI when its
    pathway is taken (the first when neither is), so that a precision target
    never waits on a KPI that can have no value.
    """
    response = [k for p, k in (("outreach", "decision_to_team_on_site_min"),
                               ("transfer", "decision_to_mother_arrived_min")) if p in pathways]
    out = []
    for k in HEADLINE:
        out += (response or [k]) if k == "decision_to_team_on_site_min" else [k]
    return out

CASE_KPIS = {
    "decision_to_delivery_min": ("outreach", "decision_to_delivery_min"),
    "decision_to_team_on_site_min": ("outreach", "decision_to_team_on_site_min"),
    "decision_to_mother_arrived_min": ("outreach", "decision_to_mother_arrived_min"),
    "delivery_to_nicu_min": ("outreach", "delivery_to_nicu_min"),
    "team_assembly_wait_min": ("outreach", "team_assembly_wait_min"),
    "home_decision_to_delivery_min": ("home", "decision_to_delivery_min"),
}
"""KPI -> (case type, cases-table column) for means over cases.

``decision_to_team_on_site_min`` covers the outreach pathway only (a team goes
to the host); ``decision_to_mother_arrived_min`` is its transfer-pathway
counterpart (the mother is at the obstetric hospital).
"""

COUNT_KPIS = ("outreach_cases", "outreach_delivered", "outreach_in_progress_at_horizon", "transfers", "home_cases",
              "deteriorations", "deteriorations_in_transit", "host_starts", "icu_bed_waits", "nicu_diversions",
              "nicu_surges", "call_ins")
"""Counts per replication (besides the per-pool utilisations)."""


def unit_of(kpi: str) -> str:
    """The unit of a KPI: ``min``, ``%``, ``fraction`` or ``count``.  A suffix ``@<id>`` (one
    team's or one hospital's share of a KPI) does not change it."""
    kpi = kpi.split("@")[0]
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


def _count(cases: pd.DataFrame, flag: str) -> float:
    """How many cases have a flag of the cases table set (0 for a table without the column)."""
    return float(cases[flag].fillna(False).astype(bool).sum()) if flag in cases else 0.0


def team_utilisation(cases: pd.DataFrame, team: str, start_min: float, end_min: float) -> float:
    """Share of ``[start_min, end_min)`` during which ``team`` is away on at least one case:
    from its assembly to the return of its main body (the neonatal part comes back later)."""
    sel = cases[(cases["team"] == team) & cases["team_assembled_min"].notna()]
    spans = sorted(zip(sel["team_assembled_min"].clip(lower=start_min),
                       sel["team_returned_min"].fillna(end_min).clip(upper=end_min), strict=True))
    busy, reach = 0.0, start_min
    for a, b in spans:  # the union of the spans
        if b > max(a, reach):
            busy += b - max(a, reach)
            reach = b
    return busy / (end_min - start_min) if end_min > start_min else math.nan


def replication_kpis(cases: pd.DataFrame, resources: pd.DataFrame, urgencies: list[str],
                     warmup_min: float = 0.0, horizon_min: float | None = None, teams: list[str] | None = None,
                     home_hospitals: list[str] | None = None) -> dict[str, float]:
    """Every KPI of one replication.  Cases created in the warm-up are left out.

    With ``horizon_min`` and ``teams`` (team ids): ``utilisation_team@<id>``, the share of the
    observed time each team is away.  With two or more ``home_hospitals``: each one's home
    emergencies' KPIs, suffixed ``@<hospital>``.
    """
    all_cases = cases
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
    out["transfers"] = float((outreach["pathway"] == "transfer").sum())
    out["home_cases"] = float(len(home))
    out["deteriorations"] = float(outreach["deteriorated_min"].notna().sum())
    out["deteriorations_in_transit"] = _count(outreach, "deteriorated_in_transit")
    out["host_starts"] = _count(outreach, "host_started")
    out["icu_bed_waits"] = _count(outreach, "icu_bed_wait")
    out["nicu_diversions"] = _count(outreach, "nicu_diverted")
    out["nicu_surges"] = _count(cases, "nicu_surge")
    for row in resources[resources["capacity_mean"] > 0].itertuples(index=False):
        out[f"utilisation_{row.hospital}_{row.resource}"] = float(row.utilisation)
    out["call_ins"] = float(resources["call_ins"].sum()) if len(resources) else 0.0
    if horizon_min is not None and "team" in all_cases:
        for team in teams or []:
            out[f"utilisation_team@{team}"] = team_utilisation(all_cases, team, warmup_min, horizon_min)
    several = home_hospitals if home_hospitals is not None and len(home_hospitals) > 1 else []
    for hospital in several:
        mine = home[home["hospital"] == hospital]
        out[f"home_decision_to_delivery_min@{hospital}"] = _mean(mine["decision_to_delivery_min"])
        out[f"home_ddi_within_target_pct@{hospital}"] = _pct(mine["within_target"])
        for u in urgencies:
            sel = mine[mine["urgency"] == u]
            if len(sel):
                out[f"home_decision_to_delivery_min_{u}@{hospital}"] = _mean(sel["decision_to_delivery_min"])
    return out
