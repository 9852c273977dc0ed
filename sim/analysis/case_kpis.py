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
from typing import Any

import numpy as np
import pandas as pd

from sim.analysis.occupancy import team_away_intervals
from sim.analysis.pools import capacity_changes, name_codes, running_sum
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
    return pd.Series(_share_values(within), index=within.index, name=within.name)


def _share_values(within: pd.Series) -> np.ndarray:
    """:func:`target_shares` as a float64 array."""
    flag = within.to_numpy(dtype="float64", na_value=np.nan)
    return np.where(flag == 1.0, 100.0, np.where(flag == 0.0, 0.0, np.nan))


def texts(series: pd.Series) -> np.ndarray:
    """A text column as an object array, empty values as None (equal to no text)."""
    return series.to_numpy(dtype=object, na_value=None)


class Picker:
    """Selections of one frame's rows as Series (index and name kept), from arrays taken once."""

    def __init__(self, frame: pd.DataFrame):
        self.index = frame.index
        self.frame = frame
        self.arrays: dict[str, np.ndarray] = {}

    def values(self, column: str) -> Any:
        if column not in self.arrays:
            series = self.frame[column]
            self.arrays[column] = series.to_numpy() if isinstance(series.dtype, np.dtype) else series.array
        return self.arrays[column]

    def pick(self, column: str, rows: np.ndarray) -> pd.Series:
        """The ``rows`` (a boolean mask) of ``column``."""
        return pd.Series(self.values(column)[rows], index=self.index[rows], name=column, copy=False)

    def shares(self, rows: np.ndarray) -> pd.Series:
        """:func:`target_shares` of the ``rows`` (a boolean mask)."""
        if "_shares" not in self.arrays:
            self.arrays["_shares"] = _share_values(self.frame["within_target"])
        return pd.Series(self.arrays["_shares"][rows], index=self.index[rows], name="within_target", copy=False)


def _shares(out: dict[str, pd.Series], shares: pd.Series, within_name: str, over_name: str | None = None) -> None:
    """Add the per-case within-target ``shares`` (and, when named, their complement: over target)."""
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
    rows = Picker(outreach)
    urgency = texts(outreach["urgency"])
    sent = None
    if "dispatch_urgency" in outreach:
        sent = texts(outreach["dispatch_urgency"])
        sent = np.where(pd.isna(sent), urgency, sent)
    on = {p: texts(outreach["pathway"]) == p for p in PATHWAYS}
    for u in urgencies:
        sel = urgency == u
        by_dispatch = sel if sent is None else sent == u
        for stem, (column, pathway) in OUTREACH_INTERVALS.items():
            group = by_dispatch if stem in RESPONSE_STEMS else sel
            out[f"{stem}_{u}"] = rows.pick(column, group if pathway is None else group & on[pathway])
        _shares(out, rows.shares(sel), f"ddi_within_target_pct_{u}", f"ddi_over_target_pct_{u}")
        for p in PATHWAYS:
            out[f"decision_to_delivery_min_{u}_{p}"] = rows.pick("decision_to_delivery_min", sel & on[p])
            _shares(out, rows.shares(sel & on[p]), f"ddi_within_target_pct_{u}_{p}")
    return out


TRIP_COLUMNS = ("replication", "case_id", "pathway", "team_assembled_min", "team_returned_min", "team_home")
"""The cases-table columns :func:`sim.analysis.occupancy.team_away_intervals` reads."""


def trips_of(cases: pd.DataFrame) -> pd.DataFrame:
    """:func:`sim.analysis.occupancy.team_away_intervals` of ``cases`` (read from the columns it needs only)."""
    return team_away_intervals(narrowed(cases, TRIP_COLUMNS))


def team_away(home: pd.DataFrame, cases: pd.DataFrame, trips: pd.DataFrame | None = None) -> np.ndarray:
    """Per home case (bool): whether an outreach team from its hospital was away at its decision
    (``trips``: :func:`trips_of` ``cases``, when already worked out).

    As :func:`sim.analysis.occupancy.flag_team_away` flags them: a trip counts for the cases of its
    replication, from its start (included) to its end (excluded), and only for those of its home hospital
    unless some trip of the replication has none.
    """
    trips = trips_of(cases) if trips is None else trips
    away = np.zeros(len(home), dtype=bool)
    rep, hospital = home["replication"].to_numpy(), texts(home["hospital"])
    time = home["decision_min"].to_numpy(dtype=float)
    trip_rep, trip_home = trips["replication"].to_numpy(), trips["hospital"].to_numpy(dtype=object)
    starts, ends = trips["start_min"].to_numpy(dtype=float), trips["end_min"].to_numpy(dtype=float)
    for r in np.unique(trip_rep):
        mine = trip_rep == r
        homes = set(trip_home[mine]) if (trip_home[mine] != "").all() else {None}
        for h in homes:
            trip, case = (mine, rep == r) if h is None else (mine & (trip_home == h), (rep == r) & (hospital == h))
            away[case] = _inside_any(time[case], starts[trip], ends[trip])
    return away


def _inside_any(times: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Per time (bool): whether it falls in one of the spans ``[starts[i], ends[i])``."""
    order = np.argsort(starts, kind="stable")
    reach = np.fmax.accumulate(ends[order])  # the latest end of the spans started so far
    started = np.searchsorted(starts[order], times, side="right")  # spans started at or before each time
    inside = started > 0
    inside[inside] = reach[started[inside] - 1] > times[inside]
    return inside


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


def home_values(home: pd.DataFrame, cases: pd.DataFrame, urgencies: list[str],
                away: np.ndarray | None = None) -> dict[str, pd.Series]:
    """Per-case values of the home-emergency KPIs: by urgency, then by team away or at home and shift.

    ``home_ddi_within_target_pct_<u>`` and ``home_ddi_over_target_pct_<u>``
    (shares per case); for each home hospital ``<H>``, state ``<s>``
    (``team_away``, ``team_home``) and shift ``<sh>``:
    ``home_decision_to_delivery_min_<u>_<s>_<H>``,
    ``home_ddi_within_target_pct_<u>_<s>_<H>`` and the same with ``_<sh>``
    before ``_<s>``.  ``home`` is the home cases, ``cases`` every case of the
    replication (the outreach teams' trips); ``away``: :func:`team_away` of them, when already worked out.
    """
    out: dict[str, pd.Series] = {}
    away = team_away(home, cases) if away is None else away
    rows = Picker(home)
    urgency, hospital = texts(home["urgency"]), texts(home["hospital"])
    shift = shifts(home["decision_min"].to_numpy(dtype=float))
    on_shift = {sh: shift == sh for sh in SHIFTS}
    for u in urgencies:
        sel = urgency == u
        _shares(out, rows.shares(sel), f"home_ddi_within_target_pct_{u}", f"home_ddi_over_target_pct_{u}")
        for h in sorted(set(hospital[sel])):
            for state, is_away in AWAY_STATES.items():
                now = sel & (hospital == h) & (away == is_away)
                for part, picked in [("", now), *((f"_{sh}", now & on_shift[sh]) for sh in SHIFTS)]:
                    key = f"{u}{part}_{state}_{h}"
                    out[f"home_decision_to_delivery_min_{key}"] = rows.pick("decision_to_delivery_min", picked)
                    _shares(out, rows.shares(picked), f"home_ddi_within_target_pct_{key}")
    return out


def home_counts(home: pd.DataFrame, cases: pd.DataFrame, away: np.ndarray | None = None) -> dict[str, float]:
    """``home_cases_team_away_<H>``: home cases decided while a team from ``<H>`` was away (``away``:
    :func:`team_away` of them, when already worked out)."""
    away = team_away(home, cases) if away is None else away
    hospital = texts(home["hospital"])
    known = ~pd.isna(hospital)
    return {f"home_cases_team_away_{h}": float((away & (hospital == h)).sum()) for h in sorted(set(hospital[known]))}


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


STAFF_EVENTS = ("capacity", "call_in_arrival", "call_in_home", "overtime_start", "overtime_end", "acquire", "release")
"""The events that change the staff present at a hospital, or those away with a team."""


def _present_and_away(kind: np.ndarray, role: np.ndarray, value: np.ndarray, team: np.ndarray) -> np.ndarray:
    """Signed changes of the staff present (on duty, called in, overtime) less those away with a team, for
    one hospital's rows in log order: ``kind`` (position in :data:`STAFF_EVENTS`, -1 for another event),
    ``role`` codes, ``value`` and ``team`` (the row's case is one of the hospital's team trips)."""
    is_ = {name: kind == i for i, name in enumerate(STAFF_EVENTS)}
    cap_step = np.zeros(len(kind))
    cap_step[is_["capacity"]] = capacity_changes(role[is_["capacity"]], value[is_["capacity"]])
    cap_step[np.isnan(cap_step)] = 0.0
    return np.select(
        [is_["capacity"], is_["call_in_arrival"], is_["call_in_home"], is_["overtime_start"], is_["overtime_end"],
         team & is_["acquire"], team & is_["release"]],
        [cap_step, 1.0, -1.0, value, -value, -value, value], 0.0)


def last_by_time(times: np.ndarray, levels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(times, levels)``: each distinct time (sorted) with the last non-empty level given at it (empty if
    none is), as a grouping on the time takes its last value."""
    order = np.argsort(times, kind="stable")
    t, level = times[order], levels[order]
    kept = ~np.isnan(t)
    t, level = t[kept], level[kept]
    distinct, group = np.unique(t, return_inverse=True)
    out = np.full(len(distinct), np.nan)
    group, level = group[~np.isnan(level)], level[~np.isnan(level)]
    last = np.ones(len(group), dtype=bool)
    last[:-1] = group[1:] != group[:-1]
    out[group[last]] = level[last]
    return distinct, out


def lowest_during(times: np.ndarray, levels: np.ndarray, spans: np.ndarray) -> float:
    """The lowest level of a step function (``levels[i]`` from ``times[i]``) over the union of ``spans``.

    ``spans`` is an ``(n, 2)`` array of ``[start, end)`` minutes; NaN when no
    span overlaps the function's domain.
    """
    if len(spans) == 0 or len(times) == 0:
        return math.nan
    ends = np.append(times[1:], np.inf)
    order = np.argsort(spans[:, 0], kind="stable")
    starts, reach = spans[order, 0], np.fmax.accumulate(spans[order, 1])  # reach: latest end of a span so far
    before = np.searchsorted(starts, ends, side="left")  # spans starting before each step ends
    hit = (before > 0) & ~np.isnan(ends)
    hit[hit] = reach[before[hit] - 1] > times[hit]
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
    trips = trips_of(cases)
    if not len(trips):
        return out
    staff = events["resource"].isin(staff_roles).to_numpy(dtype=bool)
    case_id, time, value = (events[c].to_numpy() for c in ("case_id", "time_min", "value"))
    starts, ends = trips["start_min"].to_numpy(dtype=float), trips["end_min"].to_numpy(dtype=float)
    home = trips["hospital"].to_numpy(dtype=object)
    for h in sorted(set(home)):
        spans = np.column_stack([np.maximum(starts[home == h], warmup_min), np.maximum(ends[home == h], warmup_min)])
        spans = spans[spans[:, 1] > spans[:, 0]]
        rows = np.flatnonzero((events["hospital"] == h).to_numpy(dtype=bool, na_value=False) & staff)
        kind = name_codes(events["event"].iloc[rows], STAFF_EVENTS)
        role, roles = pd.factorize(events["resource"].array.take(rows))
        team = np.isin(case_id[rows], trips["case_id"].to_numpy()[home == h])
        d = _present_and_away(kind, role, value[rows].astype(float), team)
        taken = np.unique(role[team & (kind == STAFF_EVENTS.index("acquire"))])
        for name, code in sorted((str(roles[c]), c) for c in taken):
            mine = role == code
            times, levels = last_by_time(time[rows][mine].astype(float), running_sum(d[mine]))
            out[f"staff_left_while_team_away_{h}_{name}"] = lowest_during(times, levels, spans)
    return out
