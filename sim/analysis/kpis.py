"""Key performance indicators: one value per replication, from the tables.

KPI names are a contract (``docs/results.md``); :func:`unit_of` gives each
one's unit.  Interval KPIs are means over the cases of one replication; a
replication without such a case gives NaN, not zero.
"""

from __future__ import annotations

import math
import re

import pandas as pd

from sim.analysis.case_kpis import home_counts, home_values, outreach_values, staff_left_at_home, target_shares

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
    """``min``, ``%``, ``fraction`` or ``count``: from ``_min`` or ``_pct`` as a whole word of the name
    (``home_decision_to_delivery_min_cat1_night_team_away_NHOG`` is in minutes), ``utilisation_`` first."""
    if re.search(r"_min(_|$)", kpi):
        return "min"
    if re.search(r"_pct(_|$)", kpi):
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


def _count(cases: pd.DataFrame, flag: str) -> float:
    """How many cases have a flag of the cases table set (0 for a table without the column)."""
    return float(cases[flag].fillna(False).astype(bool).sum()) if flag in cases else 0.0


def case_values(cases: pd.DataFrame, urgencies: list[str], warmup_min: float = 0.0,
                home_urgencies: list[str] | None = None) -> dict[str, pd.Series]:
    """Every KPI that is a mean over cases -> the value of each case (one replication or several).

    Cases created in the warm-up are left out (the teams' trips of the
    warm-up still count for "team away").  Interval KPIs give minutes; share
    KPIs (``*_pct``) give 100 or 0 per delivered case, so their mean is the
    share of cases within (or over) target.  ``home_urgencies`` names the
    urgencies of the home stream (default: those found among the cases);
    see :mod:`sim.analysis.case_kpis` for the per-urgency, per-pathway and
    team-away names.
    """
    kept = cases[cases["case_created_min"] >= warmup_min]
    by_type = {t: kept[kept["case_type"] == t] for t in ("outreach", "home")}
    outreach, home = by_type["outreach"], by_type["home"]
    out = {kpi: by_type[ctype][column] for kpi, (ctype, column) in CASE_KPIS.items()}
    out["ddi_within_target_pct"] = target_shares(outreach["within_target"])
    out["home_ddi_within_target_pct"] = target_shares(home["within_target"])
    out.update(outreach_values(outreach, urgencies))
    if home_urgencies is None:
        home_urgencies = [u for u in urgencies if (home["urgency"] == u).any()]
    for u in home_urgencies:
        out[f"home_decision_to_delivery_min_{u}"] = home.loc[home["urgency"] == u, "decision_to_delivery_min"]
    out.update(home_values(home, cases, home_urgencies))
    return out


def replication_kpis(cases: pd.DataFrame, resources: pd.DataFrame, urgencies: list[str],
                     warmup_min: float = 0.0, events: pd.DataFrame | None = None,
                     staff_roles: list[str] | None = None, home_urgencies: list[str] | None = None,
                     ) -> dict[str, float]:
    """Every KPI of one replication.  Cases created in the warm-up are left out.

    The means over cases come from :func:`case_values`; with ``events`` and
    ``staff_roles`` the fewest staff left at home while a team is away too
    (:func:`sim.analysis.case_kpis.staff_left_at_home`).
    """
    out = {kpi: _mean(values) for kpi, values in case_values(cases, urgencies, warmup_min, home_urgencies).items()}
    all_cases = cases
    cases = cases[cases["case_created_min"] >= warmup_min]
    outreach, home = cases[cases["case_type"] == "outreach"], cases[cases["case_type"] == "home"]
    out["outreach_cases"] = float(len(outreach))
    out["outreach_delivered"] = float(outreach["delivery_min"].notna().sum())
    out["outreach_in_progress_at_horizon"] = float((outreach["status"] == "in_progress").sum())
    out["transfers"] = float((outreach["pathway"] == "transfer").sum())
    out["home_cases"] = float(len(home))
    out["deteriorations"] = float(outreach["deteriorated_min"].notna().sum())
    for u in urgencies:
        out[f"deteriorations_{u}"] = float((outreach["deteriorated_min"].notna() & (outreach["urgency"] == u)).sum())
    out["deteriorations_in_transit"] = _count(outreach, "deteriorated_in_transit")
    out["host_starts"] = _count(outreach, "host_started")
    out["icu_bed_waits"] = _count(outreach, "icu_bed_wait")
    out["nicu_diversions"] = _count(outreach, "nicu_diverted")
    out["nicu_surges"] = _count(cases, "nicu_surge")
    out.update(home_counts(home, all_cases))
    for row in resources[resources["capacity_mean"] > 0].itertuples(index=False):
        out[f"utilisation_{row.hospital}_{row.resource}"] = float(row.utilisation)
    out["call_ins"] = float(resources["call_ins"].sum()) if len(resources) else 0.0
    if events is not None and staff_roles:
        out.update(staff_left_at_home(events, all_cases, staff_roles, warmup_min))
    return out
