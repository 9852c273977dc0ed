"""Case KPIs by urgency, pathway and shift, and what a team away costs its home hospital.

Pure functions of one replication's cases table (and, for the staff left at
home, its event log).  Every KPI here is a mean over cases, so
:func:`case_values` gives the value of each case and a replication's KPI is
their mean (:func:`sim.analysis.kpis.replication_kpis`); the same per-case
values, pooled over replications, give the case percentiles and the
per-case shares of ``summary.csv`` (:func:`sim.analysis.stats.summarise`).

Two clocks, named wherever they appear:

- **from the decision that sent the team** (the consultation's decision to
  operate; for a booked mother who deteriorated before her team was
  requested, the deterioration): the team's or the transfer crew's response
  (``decision_to_team_on_site_min``, ``decision_to_mother_arrived_min``,
  ``team_assembly_wait_min``), grouped by her urgency **at that request**
  (``dispatch_urgency``), so a category-1 response is a category-1 dispatch;
- **from the last decision** (a deterioration is a new, more urgent
  decision): the decision-to-delivery interval (DDI), judged against the
  target of the final urgency, and grouped by the **final** urgency.

So for a mother who deteriorated after her team was sent, "decision to team
on site" can exceed the DDI.  ``deteriorations_<u>`` counts the cases that
reached ``<u>`` by deteriorating.

Home emergencies are split by whether an outreach team *from their hospital*
was away (between ``team_assembled`` and ``team_returned``) at their decision,
and by the roster's shift at the decision (``day`` 07:00-19:00 on weekdays,
``weekend`` 07:00-19:00 on Saturday and Sunday, ``night`` 19:00-07:00,
:func:`sim.model.clock.shift`).  KPI names end with the home hospital's id,
so several obstetric hospitals each get their own.  Times are minutes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from sim.analysis.occupancy import flag_team_away, team_away_intervals
from sim.model import clock

PATHWAYS = ("outreach", "transfer")
SHIFTS = ("day", "night", "weekend")
AWAY_STATES = {"team_away": True, "team_home": False}
"""KPI name part -> whether a team from the case's hospital was away at its decision."""

OUTREACH_INTERVALS = {
    "decision_to_delivery_min": ("decision_to_delivery_min", None),
    "decision_to_team_on_site_min": ("decision_to_team_on_site_min", "outreach"),
    "decision_to_mother_arrived_min": ("decision_to_mother_arrived_min", "transfer"),
    "delivery_to_nicu_min": ("delivery_to_nicu_min", None),
    "team_assembly_wait_min": ("team_assembly_wait_min", "outreach"),
}
"""KPI stem -> (cases-table column, the pathway it applies to or None for both), per urgency ``<stem>_<u>``."""
RESPONSE_STEMS = ("decision_to_team_on_site_min", "decision_to_mother_arrived_min", "team_assembly_wait_min")
"""The response KPIs: grouped by the urgency at the team's (or crew's) request, not the final one."""


OUTREACH_COLUMNS = ("urgency", "dispatch_urgency", "pathway", "within_target",
                    *(column for column, _ in OUTREACH_INTERVALS.values()))
"""The cases-table columns :func:`outreach_values` reads."""
HOME_COLUMNS = ("replication", "hospital", "urgency", "decision_min", "decision_to_delivery_min", "within_target")
"""The cases-table columns :func:`home_values` and :func:`home_counts` read of the home cases."""


def narrowed(cases: pd.DataFrame, columns: tuple[str, ...]) -> pd.DataFrame:
    """``cases`` with only those of ``columns`` it has: the many selections that follow copy these alone."""
    return cases[[c for c in dict.fromkeys(columns) if c in cases]]


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


def shifts(times_min: np.ndarray) -> np.ndarray:
    """The roster's shift at each time (:func:`sim.model.clock.shift`: ``day``, ``night`` or ``weekend``;
    empty text for a time that is not finite), as an object array."""
    with np.errstate(invalid="ignore"):  # an infinite time has no minute of the day
        minute = np.mod(times_min, clock.MIN_PER_DAY)
        weekend = np.mod(np.floor_divide(times_min, clock.MIN_PER_DAY), 7) >= 5
    daytime = (minute >= clock.DAY_START_MIN) & (minute < clock.NIGHT_START_MIN)
    out = np.where(daytime, np.where(weekend, "weekend", "day"), "night").astype(object)
    out[~np.isfinite(times_min)] = ""
    return out


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


def kpi_names(urgencies: list[str], home_urgencies: list[str], home_hospitals: list[str],
              team_roles: dict[str, list[str]]) -> set[str]:
    """Every KPI name this module can give (for checking a name a user types, e.g. a ``target`` goal).

    ``team_roles`` maps a team's home hospital to the staff roles it takes.
    """
    names = {f"deteriorations_{u}" for u in urgencies}
    for u in urgencies:
        names |= {f"{stem}_{u}" for stem in OUTREACH_INTERVALS}
        names |= {f"ddi_within_target_pct_{u}", f"ddi_over_target_pct_{u}"}
        names |= {f"{k}_{u}_{p}" for k in ("decision_to_delivery_min", "ddi_within_target_pct") for p in PATHWAYS}
    for u in home_urgencies:
        names |= {f"home_ddi_within_target_pct_{u}", f"home_ddi_over_target_pct_{u}"}
        for h in home_hospitals:
            for part in ("", *(f"_{sh}" for sh in SHIFTS)):
                names |= {f"home_{k}_{u}{part}_{state}_{h}" for state in AWAY_STATES
                          for k in ("decision_to_delivery_min", "ddi_within_target_pct")}
    names |= {f"home_cases_team_away_{h}" for h in home_hospitals}
    names |= {f"staff_left_while_team_away_{h}_{role}" for h, roles in team_roles.items() for role in roles}
    return names


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
