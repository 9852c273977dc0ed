"""Per-replication KPIs and resource use as version 84842e6 worked them out, kept as the reference the faster
code must equal.

The cases table was filtered whole (every column) for each selection: the cases after the warm-up, each case
type, each urgency, pathway and hospital; the home cases' team-away flags were worked out for the values and
again for the counts, every case against every trip, and the staff left at home grouped role by role in
pandas, every level against every trip; the staff away with a team were matched to their assembly with a
merge.  Only the tests use this module.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.case_kpis import (
    AWAY_STATES,
    HOME_COLUMNS,
    OUTREACH_COLUMNS,
    OUTREACH_INTERVALS,
    PATHWAYS,
    RESPONSE_STEMS,
    SHIFTS,
    narrowed,
    shifts,
)
from sim.analysis.costs import (
    KEYS,
    USE_COLUMNS,
    _assembly_times,
    _case_counts,
    _case_sums,
    case_codes,
    case_costs,
    cost_kpis,
    hours_kpis,
    nicu_days,
    observed_years,
    unit_spans,
)
from sim.analysis.kpis import CASE_KPIS, each_home
from sim.analysis.occupancy import flag_team_away, team_away_intervals
from sim.analysis.outcomes import outcome_kpis, outcome_values
from sim.experiment.runner import equipment_of, staff_roles_of
from sim.scenario.economics import Costs, OutcomeProxy
from sim.scenario.schema import Scenario


def target_shares(within: pd.Series) -> pd.Series:
    """Per case 100 (DDI within target) or 0; NaN for a case not delivered (``within_target`` empty)."""
    flag = within.to_numpy(dtype="float64", na_value=np.nan)
    return pd.Series(np.where(flag == 1.0, 100.0, np.where(flag == 0.0, 0.0, np.nan)), index=within.index,
                     name=within.name)


def _shares(out: dict[str, pd.Series], within: pd.Series, within_name: str, over_name: str | None = None) -> None:
    """Add the per-case within-target shares (and, when named, their complement: over target)."""
    shares = target_shares(within)
    out[within_name] = shares
    if over_name:
        out[over_name] = 100.0 - shares


def outreach_values(outreach: pd.DataFrame, urgencies: list[str]) -> dict[str, pd.Series]:
    """Per-case values of the outreach KPIs by urgency ``<u>`` (the final one; for the response KPIs
    the one at the request) and pathway ``<p>``.

    ``<stem>_<u>`` for every stem of :data:`OUTREACH_INTERVALS` (minutes);
    ``ddi_within_target_pct_<u>`` and ``ddi_over_target_pct_<u>`` (100 or 0
    per delivered case: their mean is the share of cases, P(DDI <= target)
    and P(DDI > target)); ``decision_to_delivery_min_<u>_<p>`` and
    ``ddi_within_target_pct_<u>_<p>`` for each pathway.
    """
    out: dict[str, pd.Series] = {}
    outreach = narrowed(outreach, OUTREACH_COLUMNS)
    sent = outreach["dispatch_urgency"].fillna(outreach["urgency"]) if "dispatch_urgency" in outreach else None
    for u in urgencies:
        sel = outreach[outreach["urgency"] == u]
        by_dispatch = sel if sent is None else outreach[sent == u]
        for stem, (column, pathway) in OUTREACH_INTERVALS.items():
            group = by_dispatch if stem in RESPONSE_STEMS else sel
            out[f"{stem}_{u}"] = (group if pathway is None else group[group["pathway"] == pathway])[column]
        _shares(out, sel["within_target"], f"ddi_within_target_pct_{u}", f"ddi_over_target_pct_{u}")
        for p in PATHWAYS:
            on = sel[sel["pathway"] == p]
            out[f"decision_to_delivery_min_{u}_{p}"] = on["decision_to_delivery_min"]
            _shares(out, on["within_target"], f"ddi_within_target_pct_{u}_{p}")
    return out


def home_context(home: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Home cases (their :data:`HOME_COLUMNS`) with ``team_away`` (a team from their hospital away at the
    decision) and ``shift`` (:func:`shifts`)."""
    home = narrowed(home, HOME_COLUMNS)
    return home.assign(team_away=team_away(home, cases), shift=shifts(home["decision_min"].to_numpy(dtype=float)))


def team_away(home: pd.DataFrame, cases: pd.DataFrame) -> np.ndarray:
    """Per home case (bool): whether an outreach team from its hospital was away at its decision."""
    return flag_team_away(home, team_away_intervals(cases)).to_numpy(dtype=bool)


def home_values(home: pd.DataFrame, cases: pd.DataFrame, urgencies: list[str]) -> dict[str, pd.Series]:
    """Per-case values of the home-emergency KPIs: by urgency, then by team away or at home and shift.

    ``home_ddi_within_target_pct_<u>`` and ``home_ddi_over_target_pct_<u>``
    (shares per case); for each home hospital ``<H>``, state ``<s>``
    (``team_away``, ``team_home``) and shift ``<sh>``:
    ``home_decision_to_delivery_min_<u>_<s>_<H>``,
    ``home_ddi_within_target_pct_<u>_<s>_<H>`` and the same with ``_<sh>``
    before ``_<s>``.  ``home`` is the home cases, ``cases`` every case of the
    replication (the outreach teams' trips).
    """
    out: dict[str, pd.Series] = {}
    ctx = home_context(home, cases)
    ddi, within = ctx["decision_to_delivery_min"], ctx["within_target"]
    urgency, hospital = ctx["urgency"].to_numpy(dtype=object), ctx["hospital"].to_numpy(dtype=object)
    away, shift = ctx["team_away"].to_numpy(), ctx["shift"].to_numpy()
    for u in urgencies:
        sel = urgency == u
        _shares(out, within[sel], f"home_ddi_within_target_pct_{u}", f"home_ddi_over_target_pct_{u}")
        for h in sorted(set(hospital[sel])):
            for state, is_away in AWAY_STATES.items():
                now = sel & (hospital == h) & (away == is_away)
                for part, rows in [("", now), *((f"_{sh}", now & (shift == sh)) for sh in SHIFTS)]:
                    key = f"{u}{part}_{state}_{h}"
                    out[f"home_decision_to_delivery_min_{key}"] = ddi[rows]
                    _shares(out, within[rows], f"home_ddi_within_target_pct_{key}")
    return out


def home_counts(home: pd.DataFrame, cases: pd.DataFrame) -> dict[str, float]:
    """``home_cases_team_away_<H>``: home cases decided while a team from ``<H>`` was away."""
    away = pd.Series(team_away(home, cases), index=home.index)
    return {f"home_cases_team_away_{h}": float(grp.sum())
            for h, grp in away.groupby(home["hospital"], observed=True, sort=True)}


def _present_and_away(ev: pd.DataFrame, team_cases: pd.Series) -> pd.DataFrame:
    """Signed changes of the staff present (on duty, called in, overtime) less those away with a team."""
    event, value = ev["event"], ev["value"].astype(float)
    is_cap = event == "capacity"
    cap = value[is_cap]
    cap_step = (cap - cap.groupby(ev.loc[is_cap, "resource"]).shift(1).fillna(0.0)).reindex(ev.index).fillna(0.0)
    team = ev["case_id"].isin(team_cases)
    delta = np.select(
        [is_cap, event == "call_in_arrival", event == "call_in_home", event == "overtime_start",
         event == "overtime_end", team & (event == "acquire"), team & (event == "release")],
        [cap_step, 1.0, -1.0, value, -value, -value, value], 0.0)
    return pd.DataFrame({"resource": ev["resource"].astype(str), "time_min": ev["time_min"], "d": delta})


def lowest_during(times: np.ndarray, levels: np.ndarray, spans: np.ndarray) -> float:
    """The lowest level of a step function (``levels[i]`` from ``times[i]``) over the union of ``spans``.

    ``spans`` is an ``(n, 2)`` array of ``[start, end)`` minutes; NaN when no
    span overlaps the function's domain.
    """
    if len(spans) == 0 or len(times) == 0:
        return math.nan
    ends = np.append(times[1:], np.inf)
    hit = ((times[:, None] < spans[None, :, 1]) & (ends[:, None] > spans[None, :, 0])).any(axis=1)
    return float(levels[hit].min()) if hit.any() else math.nan


def staff_left_at_home(events: pd.DataFrame, cases: pd.DataFrame, staff_roles: list[str],
                       warmup_min: float = 0.0) -> dict[str, float]:
    """``staff_left_while_team_away_<H>_<role>``: the fewest people of a role present at a team's home
    hospital ``<H>`` and not with the team, at any moment after the warm-up while one of its teams was away.

    Present means on duty by the roster, called in or on overtime (``resources.parquet``'s capacity),
    busy or not; the people away are those the team's cases hold at ``<H>`` (released when the team, or
    its neonatal part, is back).  NaN in a replication where no team from ``<H>`` was away.  Only the
    roles the teams take are reported.
    """
    out: dict[str, float] = {}
    trips = team_away_intervals(cases)
    for hospital, grp in trips.groupby("hospital", sort=True):
        spans = grp[["start_min", "end_min"]].clip(lower=warmup_min).to_numpy(dtype=float)
        spans = spans[spans[:, 1] > spans[:, 0]]
        ev = events[(events["hospital"] == hospital) & events["resource"].isin(staff_roles)]
        taken = ev.loc[(ev["event"] == "acquire") & ev["case_id"].isin(grp["case_id"]), "resource"].unique()
        steps = _present_and_away(ev, grp["case_id"])
        for role, s in steps[steps["resource"].isin(taken)].groupby("resource", sort=True):
            level = s.assign(level=s["d"].cumsum()).groupby("time_min", sort=True)["level"].last()
            out[f"staff_left_while_team_away_{hospital}_{role}"] = lowest_during(
                level.index.to_numpy(dtype=float), level.to_numpy(dtype=float), spans)
    return out


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
    if "staff_hours_away" in outreach:
        out["staff_hours_away_per_outreach_case"] = outreach["staff_hours_away"]
    if "cost" in kept and kept["cost"].notna().any():
        out["cost_per_outreach_case"] = outreach["cost"]
    out.update(outcome_values(kept, proxies or []))
    return out


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
    if horizon_min is not None and "team" in all_cases:
        for team in teams or []:
            out[f"utilisation_team@{team}"] = team_utilisation(all_cases, team, warmup_min, horizon_min)
    shares = share_flags(cases, urgencies, home_hospitals)
    for hospital in each_home(home_hospitals):
        mine = home[home["hospital"] == hospital]
        out[f"home_decision_to_delivery_min@{hospital}"] = _mean(mine["decision_to_delivery_min"])
        within = shares[f"home_ddi_within_target_pct@{hospital}"]
        out[f"home_ddi_within_target_pct@{hospital}"] = _mean(target_shares(within))
        for u in urgencies:
            sel = mine[mine["urgency"] == u]
            if len(sel):
                out[f"home_decision_to_delivery_min_{u}@{hospital}"] = _mean(sel["decision_to_delivery_min"])
    return out


def resource_kpis(scenario: Scenario, cases: pd.DataFrame, events: pd.DataFrame,
                  resources: pd.DataFrame, away: pd.DataFrame | None = None) -> dict[str, float]:
    """Per-year hours (:func:`sim.analysis.costs.hours_kpis`; ``away``, the staff away, when already worked
    out), costs when the scenario has rates, and outcome proxies, of one replication."""
    horizon, warmup = scenario.run.horizon_days * 1440.0, scenario.run.warmup_days * 1440.0
    roles = staff_roles_of(scenario)
    out = hours_kpis(cases, events, resources, roles, equipment_of(scenario), horizon, warmup, away)
    kept = cases[cases["case_created_min"] >= warmup]
    years = observed_years(horizon, warmup)
    if scenario.costs is not None:
        outreach = float(kept.loc[kept["case_type"] == "outreach", "cost"].sum()) / years
        out.update(cost_kpis(out, scenario.costs, roles, outreach))
    out.update(outcome_kpis(kept, list(scenario.outcomes), years))
    return out


def share_counts(cases: pd.DataFrame, urgencies: list[str], warmup_min: float = 0.0,
                 home_hospitals: list[str] | None = None) -> pd.DataFrame:
    """``kpi``, ``successes``, ``trials`` of every share KPI of one replication (cases with a flag, and
    those with it set), for an exact binomial interval on the counts pooled over replications."""
    cases = cases[cases["case_created_min"] >= warmup_min]
    rows = []
    for kpi, flags in share_flags(cases, urgencies, home_hospitals).items():
        flags = flags.dropna().astype(bool)
        rows.append({"kpi": kpi, "successes": int(flags.sum()), "trials": len(flags)})
    return pd.DataFrame(rows, columns=["kpi", "successes", "trials"])


def staff_away(spans: pd.DataFrame, events: pd.DataFrame, staff_roles: list[str]) -> pd.DataFrame:
    """The staff units of :func:`unit_spans` granted at a team's or crew's assembly, with ``hours``."""
    assembled = _assembly_times(events)
    assembly_case, span_case = case_codes(assembled, spans)
    maybe = spans["resource"].isin(staff_roles).to_numpy(dtype=bool) & np.isin(span_case, assembly_case)
    away = spans[maybe].merge(assembled, on=[*KEYS, "start_min"], how="inner")
    return away.assign(hours=(away["end_min"] - away["start_min"]) / 60.0)


def resource_use(cases: pd.DataFrame, events: pd.DataFrame, staff_roles: list[str], horizon_min: float,
                 costs: Costs | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(cases with their resource use, staff away)``: :func:`with_resource_use`, and the staff units away
    of :func:`staff_away` it was worked out from (for :func:`hours_kpis`, which need not work them out again).
    ``cases`` must have one row a case."""
    spans = unit_spans(events, horizon_min)
    spans["hours"] = (spans["end_min"] - spans["start_min"]) / 60.0
    away = staff_away(spans, events, staff_roles)
    is_call = (events["event"] == "call_in").to_numpy(dtype=bool) & (events["case_id"] >= 0).to_numpy()
    calls = events.loc[is_call, KEYS]
    days = nicu_days(events, horizon_min).reset_index()
    case, span_case, away_case, call_case, nicu_case = case_codes(cases, spans, away, calls, days)
    at = pd.Index(case)
    span_row, away_row = at.get_indexer(span_case), at.get_indexer(away_case)
    staff = spans["resource"].isin(staff_roles).to_numpy(dtype=bool)
    ambulance = (spans["resource"] == "ambulance").to_numpy(dtype=bool)
    out = cases.drop(columns=[c for c in (*USE_COLUMNS, "cost") if c in cases]).reset_index(drop=True)
    out["staff_hours_away"] = _case_sums(away_row, away["hours"].to_numpy(), len(cases))
    out["staff_hours"] = _case_sums(span_row[staff], spans["hours"].to_numpy()[staff], len(cases))
    out["ambulance_trips"] = _case_counts(span_row[ambulance], len(cases))
    out["ambulance_hours"] = _case_sums(span_row[ambulance], spans["hours"].to_numpy()[ambulance], len(cases))
    nicu = _case_sums(at.get_indexer(nicu_case), days["nicu_days"].to_numpy(), len(cases))
    out["nicu_days"] = np.where(out["nicu_admission_min"].isna(), np.nan, nicu)
    out["call_ins"] = _case_counts(at.get_indexer(call_case), len(cases))
    out["cost"] = case_costs(out, away, costs) if costs is not None else math.nan
    return out, away
