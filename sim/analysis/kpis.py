"""Key performance indicators: one value per replication, from the tables.

KPI names are a contract (``docs/results.md``); :func:`unit_of` gives each
one's unit.  Interval KPIs are means over the cases of one replication; a
replication without such a case gives NaN, not zero.
"""

from __future__ import annotations

import math
import re

import numpy as np
import pandas as pd

from sim.analysis.case_kpis import (
    HOME_COLUMNS,
    OUTREACH_COLUMNS,
    Picker,
    home_counts,
    home_values,
    narrowed,
    outreach_values,
    staff_left_at_home,
    target_shares,
    texts,
)
from sim.analysis.outcomes import outcome_values
from sim.scenario.economics import OutcomeProxy

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

OUTREACH_ONLY = ("decision_to_delivery_min", "decision_to_team_on_site_min", "decision_to_mother_arrived_min",
                 "delivery_to_nicu_min", "team_assembly_wait_min", "ddi_within_target_pct")
"""KPIs that only outreach cases give values to."""


def measurable(kpis: list[str], outreach: bool, home: bool) -> list[str]:
    """The KPIs of ``kpis`` that a scenario can give values to: outreach KPIs (:data:`OUTREACH_ONLY`, and
    their per-urgency forms) only when outreach cases occur after the warm-up, ``home_*`` KPIs only when
    the obstetric hospital has its own emergency stream."""
    def possible(kpi: str) -> bool:
        if kpi.startswith("home_"):
            return home
        return outreach or not any(kpi == k or kpi.startswith(f"{k}_") for k in OUTREACH_ONLY)
    return [k for k in kpis if possible(k)]


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
    """``min``, ``%``, ``fraction``, ``h`` (hours), ``d`` (days), ``cost`` (the scenario's currency) or
    ``count``: ``cost_`` first, then ``_min``, ``_pct``, ``_hours`` or ``_days`` as a whole word of the name
    (``home_decision_to_delivery_min_cat1_night_team_away_NHOG`` is in minutes), ``utilisation_`` first.
    A suffix ``@<id>`` (one team's or one hospital's part of a KPI) does not change it.  An outcome proxy's
    KPIs (``outcome_<name>_...``) are counts but ``_exposed_pct``, whatever words its name holds."""
    kpi = kpi.split("@")[0]
    if kpi.startswith("cost_"):
        return "cost"
    if kpi.startswith("outcome_"):
        return "%" if kpi.endswith("_exposed_pct") else "count"
    for word, unit in (("hours", "h"), ("days", "d")):
        if re.search(rf"_{word}(_|$)", kpi):
            return unit
    if re.search(r"_min(_|$)", kpi):
        return "min"
    if re.search(r"_pct(_|$)", kpi):
        return "%"
    if kpi.startswith("utilisation_"):
        return "fraction"
    return "count"


POSSIBLE = {"min": (0.0, math.inf), "%": (0.0, 100.0), "fraction": (0.0, 1.0), "count": (0.0, math.inf),
            "h": (0.0, math.inf), "d": (0.0, math.inf), "cost": (0.0, math.inf)}
"""The values a KPI of each unit can take: durations and counts are never negative, shares never above all."""

_SIGNED = re.compile(r"^outcome_.+_excess_per_year(_low|_high)?$")
"""KPIs that may be negative: an outcome proxy's excess, where an odds ratio (or its interval's low end) is
below 1."""


def possible(kpi: str) -> tuple[float, float]:
    """The values ``kpi`` can take: :data:`POSSIBLE` of its unit, any number for a signed KPI."""
    if _SIGNED.match(kpi.split("@")[0]):
        return -math.inf, math.inf
    return POSSIBLE[unit_of(kpi)]


def shown_interval(kpi: str, low: float, high: float) -> tuple[float, float, bool]:
    """``(low, high, cut)``: a confidence interval cut to the values the KPI can take.

    A t interval from few replications can reach a negative delay or a share
    above 100%; reports show it cut to the possible range and say so (``cut``).
    Verdicts and precision use the interval as computed.
    """
    lowest, highest = possible(kpi)
    return max(low, lowest), min(high, highest), bool(low < lowest or high > highest)


def shown_difference(kpi: str, base_mean: float, low: float, high: float) -> tuple[float, float, bool]:
    """``(low, high, cut)``: an interval of a difference against a baseline of mean ``base_mean``, cut to
    the differences the KPI can show (a share of 80% can fall by at most 80 and rise by at most 20 points)."""
    lowest, highest = possible(kpi)
    lo, hi = lowest - base_mean, highest - base_mean
    return max(low, lo), min(high, hi), bool(low < lo or high > hi)


def _mean(series: pd.Series) -> float:
    return float(series.mean()) if series.notna().any() else math.nan


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


def each_home(home_hospitals: list[str] | None) -> list[str]:
    """The home hospitals whose emergencies get KPIs of their own (``...@<hospital>``): every one,
    so that a scenario with one obstetric hospital and one with two can be compared hospital by
    hospital."""
    return list(home_hospitals or [])


def share_flags(cases: pd.DataFrame, urgencies: list[str],
                home_hospitals: list[str] | None = None) -> dict[str, pd.Series]:
    """The case flags behind each share KPI (``_pct``) of one replication: KPI -> ``within_target`` of its
    cases (True, False, or empty when the baby was not delivered; an empty flag counts in no share).

    ``cases`` are the cases the KPIs count (created after the warm-up).  Every share KPI is made here,
    so its value (:func:`replication_kpis`) and its pooled counts (:func:`share_counts`) never disagree.
    """
    outreach = cases[cases["case_type"] == "outreach"]
    home = cases[cases["case_type"] == "home"]
    flags = {"ddi_within_target_pct": outreach["within_target"], "home_ddi_within_target_pct": home["within_target"]}
    for u in urgencies:
        flags[f"ddi_within_target_pct_{u}"] = outreach.loc[outreach["urgency"] == u, "within_target"]
    for hospital in each_home(home_hospitals):
        flags[f"home_ddi_within_target_pct@{hospital}"] = home.loc[home["hospital"] == hospital, "within_target"]
    return flags


def share_counts(cases: pd.DataFrame, urgencies: list[str], warmup_min: float = 0.0,
                 home_hospitals: list[str] | None = None) -> pd.DataFrame:
    """``kpi``, ``successes``, ``trials`` of every share KPI of one replication (cases with a flag, and
    those with it set), for an exact binomial interval on the counts pooled over replications."""
    cases = counted_cases(cases, ("case_created_min", "case_type", "urgency", "hospital", "within_target"), warmup_min)
    rows = []
    for kpi, flags in share_flags(cases, urgencies, home_hospitals).items():
        flags = flags.dropna().astype(bool)
        rows.append({"kpi": kpi, "successes": int(flags.sum()), "trials": len(flags)})
    return pd.DataFrame(rows, columns=["kpi", "successes", "trials"])


def case_values(cases: pd.DataFrame, urgencies: list[str], warmup_min: float = 0.0,
                home_urgencies: list[str] | None = None,
                proxies: list[OutcomeProxy] | None = None) -> dict[str, pd.Series]:
    """Every KPI that is a mean over cases -> the value of each case (one replication or several).

    Cases created in the warm-up are left out (the teams' trips of the
    warm-up still count for "team away").  Interval KPIs give minutes; share
    KPIs (``*_pct``) give 100 or 0 per delivered case, so their mean is the
    share of cases within (or over) target.  ``home_urgencies`` names the
    urgencies of the home stream (default: those found among the cases);
    see :mod:`sim.analysis.case_kpis` for the per-urgency, per-pathway and
    team-away names.  With the resource-use columns of
    :func:`sim.analysis.costs.with_resource_use`: ``staff_hours_away_per_outreach_case`` and, when the
    cases have costs, ``cost_per_outreach_case``; with ``proxies``, each exposure share
    (:func:`sim.analysis.outcomes.outcome_values`).
    """
    kept = counted_cases(cases, VALUE_COLUMNS, warmup_min, proxies)
    types = texts(kept["case_type"])
    by_type = {t: kept[types == t] for t in ("outreach", "home")}
    outreach, home = by_type["outreach"], by_type["home"]
    out = {kpi: by_type[ctype][column] for kpi, (ctype, column) in CASE_KPIS.items()}
    out["ddi_within_target_pct"] = target_shares(outreach["within_target"])
    out["home_ddi_within_target_pct"] = target_shares(home["within_target"])
    out.update(outreach_values(outreach, urgencies))
    urgency = texts(home["urgency"])
    if home_urgencies is None:
        home_urgencies = [u for u in urgencies if (urgency == u).any()]
    rows = Picker(home)
    for u in home_urgencies:
        out[f"home_decision_to_delivery_min_{u}"] = rows.pick("decision_to_delivery_min", urgency == u)
    out.update(home_values(home, cases, home_urgencies))
    if "staff_hours_away" in outreach:
        out["staff_hours_away_per_outreach_case"] = outreach["staff_hours_away"]
    if "cost" in kept and kept["cost"].notna().any():
        out["cost_per_outreach_case"] = outreach["cost"]
    out.update(outcome_values(kept, proxies or []))
    return out


VALUE_COLUMNS = ("case_created_min", "case_type", *(column for _, column in CASE_KPIS.values()), *OUTREACH_COLUMNS,
                 *HOME_COLUMNS, "staff_hours_away", "cost", "delivery_min", "gestation_weeks")
"""The cases-table columns :func:`case_values` reads (besides the outcome proxies' exposures)."""


def counted_cases(cases: pd.DataFrame, columns: tuple[str, ...], warmup_min: float,
                  proxies: list[OutcomeProxy] | None = None) -> pd.DataFrame:
    """The cases created after the warm-up, with those of ``columns`` (and of the ``proxies``' exposure
    intervals) the table has: the selections that follow copy these alone."""
    exposures = tuple(p.exposure.interval for p in proxies or [] if p.exposure is not None)
    kept = narrowed(cases, (*columns, *exposures))
    return kept[(kept["case_created_min"] >= warmup_min).to_numpy(dtype=bool)]


def values_table(values: dict[str, pd.Series]) -> pd.DataFrame:
    """:func:`case_values` of one replication as a table: ``kpi``, ``value`` (float64) and ``i``, the
    value's position among its KPI's; each KPI also has one row with ``i`` = -1 (and no value), so a KPI
    without a case is kept.  :func:`values_of` reads it back."""
    kpis, numbers, positions = [], [], []
    for kpi, series in values.items():
        kpis += [kpi] * (len(series) + 1)
        numbers.append(np.concatenate(([np.nan], series.to_numpy(dtype="float64"))))
        positions.append(np.arange(-1, len(series)))
    if not kpis:
        return pd.DataFrame({"kpi": pd.Series(dtype=object), "value": pd.Series(dtype="float64"),
                             "i": pd.Series(dtype="int64")})
    return pd.DataFrame({"kpi": kpis, "value": np.concatenate(numbers), "i": np.concatenate(positions)})


def values_of(table: pd.DataFrame) -> dict[str, np.ndarray]:
    """KPI -> its values in order, from a :func:`values_table` (KPIs in the table's order).

    Each KPI's rows are contiguous and open with its ``i`` = -1 row, so the rows
    between two such openings are one KPI's values.
    """
    kpis, values = table["kpi"].to_numpy(), table["value"].to_numpy(dtype="float64")
    starts = np.flatnonzero(table["i"].to_numpy() < 0)
    ends = [*starts[1:], len(table)]
    return {str(kpis[start]): values[start + 1:end] for start, end in zip(starts, ends, strict=True)}


def replication_kpis(cases: pd.DataFrame, resources: pd.DataFrame, urgencies: list[str],
                     warmup_min: float = 0.0, events: pd.DataFrame | None = None,
                     staff_roles: list[str] | None = None, home_urgencies: list[str] | None = None,
                     horizon_min: float | None = None, teams: list[str] | None = None,
                     home_hospitals: list[str] | None = None,
                     proxies: list[OutcomeProxy] | None = None,
                     values: dict[str, pd.Series] | None = None) -> dict[str, float]:
    """Every KPI of one replication.  Cases created in the warm-up are left out.

    The means over cases come from :func:`case_values` (``values``, when already computed with the same
    arguments); with ``events`` and
    ``staff_roles`` the fewest staff left at home while a team is away too
    (:func:`sim.analysis.case_kpis.staff_left_at_home`).  With ``horizon_min``
    and ``teams`` (team ids): ``utilisation_team@<id>``, the share of the
    observed time each team is away.  With two or more ``home_hospitals``:
    each one's home emergencies' KPIs, suffixed ``@<hospital>``.
    """
    if values is None:
        values = case_values(cases, urgencies, warmup_min, home_urgencies, proxies)
    out = {kpi: _mean(v) for kpi, v in values.items()}
    all_cases = cases
    cases = counted_cases(cases, COUNT_COLUMNS, warmup_min)
    types = texts(cases["case_type"])
    outreach, home = cases[types == "outreach"], cases[types == "home"]
    out["outreach_cases"] = float(len(outreach))
    out["outreach_delivered"] = float(outreach["delivery_min"].notna().sum())
    out["outreach_in_progress_at_horizon"] = float((outreach["status"] == "in_progress").sum())
    out["transfers"] = float((outreach["pathway"] == "transfer").sum())
    out["home_cases"] = float(len(home))
    out["deteriorations"] = float(outreach["deteriorated_min"].notna().sum())
    deteriorated, urgency = outreach["deteriorated_min"].notna().to_numpy(), texts(outreach["urgency"])
    for u in urgencies:
        out[f"deteriorations_{u}"] = float((deteriorated & (urgency == u)).sum())
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
    if horizon_min is not None and "team" in all_cases:
        trips = narrowed(all_cases, ("team", "team_assembled_min", "team_returned_min"))
        for team in teams or []:
            out[f"utilisation_team@{team}"] = team_utilisation(trips, team, warmup_min, horizon_min)
    out.update(_home_hospital_kpis(home, urgencies, home_hospitals))
    return out


COUNT_COLUMNS = ("case_created_min", "case_type", "delivery_min", "status", "pathway", "deteriorated_min", "urgency",
                 "deteriorated_in_transit", "host_started", "icu_bed_wait", "nicu_diverted", "nicu_surge",
                 "replication", "case_id", "hospital", "decision_min", "decision_to_delivery_min", "within_target")
"""The cases-table columns :func:`replication_kpis` reads of the cases it counts."""


def _home_hospital_kpis(home: pd.DataFrame, urgencies: list[str], home_hospitals: list[str] | None) -> dict[str, float]:
    """Each home hospital's home emergencies' KPIs, suffixed ``@<hospital>`` (``home``: the home cases
    counted)."""
    out: dict[str, float] = {}
    rows = Picker(home)
    hospital, urgency = texts(home["hospital"]), texts(home["urgency"])
    for h in each_home(home_hospitals):
        mine = hospital == h
        out[f"home_decision_to_delivery_min@{h}"] = _mean(rows.pick("decision_to_delivery_min", mine))
        out[f"home_ddi_within_target_pct@{h}"] = _mean(rows.shares(mine))
        for u in urgencies:
            sel = mine & (urgency == u)
            if sel.any():
                out[f"home_decision_to_delivery_min_{u}@{h}"] = _mean(rows.pick("decision_to_delivery_min", sel))
    return out
