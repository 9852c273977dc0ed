"""From the event log to tables: events, cases and resource pools.

Every function here is pure: DataFrames in, DataFrames out.  Times are
minutes from the start of the run; intervals are minutes (``*_min``).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter

import numpy as np
import pandas as pd
import pyarrow as pa

EVENT_COLUMNS = ["replication", "case_id", "time_min", "event", "hospital", "resource", "value", "detail"]

MILESTONES = [
    "case_created", "consult_start", "decision", "stabilisation_start", "team_requested", "team_assembled",
    "team_departed", "team_on_site", "team_ready", "crew_requested", "crew_assembled", "crew_departed",
    "crew_on_site", "deteriorated", "stabilisation_end", "crash_call", "crash_start", "mother_packaged",
    "mother_departed", "mother_arrived", "handover_done", "theatre_entry", "incision", "delivery", "surgery_end",
    "icu_bed_wait", "icu_admission", "neonatal_stabilised", "newborn_departed", "nicu_arrival", "newborn_diverted",
    "nicu_admission", "team_returned", "icu_discharge", "case_closed",
]
"""Case milestones in pathway order; each becomes a ``<name>_min`` column of the cases table.

The outreach pathway has the ``team_*`` milestones (and, under a crash
policy, ``crash_call`` and ``crash_start``); the transfer pathway has the
``crew_*``, ``mother_*`` and ``handover_done`` milestones instead.  A
milestone that does not apply to a case's pathway is empty.
"""

INTERVALS = {
    "decision_to_delivery_min": ("decision", "delivery"),
    "decision_to_team_on_site_min": ("dispatch_decision", "team_on_site"),
    "decision_to_crew_on_site_min": ("dispatch_decision", "crew_on_site"),
    "decision_to_mother_arrived_min": ("dispatch_decision", "mother_arrived"),
    "delivery_to_nicu_min": ("delivery", "nicu_admission"),
    "referral_to_decision_min": ("case_created", "first_decision"),
    "team_assembly_wait_min": ("team_requested", "team_assembled"),
    "mobilisation_min": ("team_assembled", "team_departed"),
    "team_travel_min": ("team_departed", "team_on_site"),
    "setup_min": ("team_on_site", "team_ready"),
    "ready_to_theatre_min": ("team_ready", "theatre_entry"),
    "crew_assembly_wait_min": ("crew_requested", "crew_assembled"),
    "crew_travel_min": ("crew_departed", "crew_on_site"),
    "mother_travel_min": ("mother_departed", "mother_arrived"),
    "handover_min": ("mother_arrived", "handover_done"),
    "stabilisation_min": ("stabilisation_start", "stabilisation_end"),
    "crash_call_to_start_min": ("crash_call", "crash_start"),
    "theatre_to_delivery_min": ("theatre_entry", "delivery"),
    "surgery_min": ("incision", "surgery_end"),
    "icu_bed_wait_min": ("surgery_end", "icu_admission"),
}
"""Derived intervals: name -> (start milestone, end milestone).

``decision`` is the latest decision to deliver: for a mother who deteriorates
(any time from referral to theatre entry) it is the moment of deterioration (a
new, more urgent decision, judged against the new urgency's target);
``dispatch_decision`` is the decision in force when the team (or the transfer
crew) was last requested: the consultation's, or for a booked mother who
deteriorated before her team was sent, the deterioration; the response
intervals run from it, and ``dispatch_urgency`` is her urgency then.
``first_decision`` is the consultation's decision (the first that names a
pathway: a deterioration during the consultation logs a decision without
one), from which the team's (or the transfer crew's) response is measured.
``stabilisation_min`` runs from the decision until the mother can go to
theatre (the minimum resuscitation of an urgent mother, the capped
stabilisation of a booked one).
"""

NUMBER_TYPES = {"case_id": np.int64, "time_min": np.float64, "value": np.float64}
"""The numeric columns of the event log and their types; the others are text."""

FLAGS = ("nicu_diverted", "nicu_surge", "icu_bed_wait", "host_started", "deteriorated_in_transit")
"""Boolean columns of the cases table (False when the event did not happen)."""


def events_frame(rows: list[tuple], replication: int) -> pd.DataFrame:
    """The model's rows as a typed DataFrame with a ``replication`` column.

    Built column by column: ``replication`` int32, ``case_id`` int64, ``time_min`` and ``value`` float64,
    the text columns pandas ``string`` (Arrow-backed, written to parquet as ``large_string``).
    """
    n = len(rows)
    data: dict[str, object] = {"replication": np.full(n, replication, dtype=np.int32)}
    for i, name in enumerate(EVENT_COLUMNS[1:]):
        column = map(itemgetter(i), rows)
        if name in NUMBER_TYPES:
            data[name] = np.fromiter(column, dtype=NUMBER_TYPES[name], count=n)
        else:
            data[name] = pd.arrays.ArrowStringArray(pa.array(column, type=pa.large_string(), size=n))
    return pd.DataFrame(data)


CASE_EVENTS = [*MILESTONES, "urgency", "severity", "team_chosen", "surgery_scheduled"]
"""The events the cases table is built from (besides the requests that date the dispatch decision)."""

ATTRIBUTES = {
    "case_type": ("first", "case_created", "detail"),
    "hospital": ("first", "case_created", "hospital"),
    "gestation_weeks": ("first", "case_created", "value"),
    "urgency_initial": ("first", "urgency", "detail"),
    "urgency": ("last", "urgency", "detail"),
    "severity": ("first", "severity", "detail"),
    "pathway": ("first", "decision", "pathway"),
    "team_home": ("last", "team_chosen", "hospital"),
    "birth_weight_g": ("first", "delivery", "value"),
    "nicu_hospital": ("first", "nicu_admission", "hospital"),
    "team": ("last", "team_chosen", "resource"),
    "team_expected_arrival_min": ("last", "team_chosen", "value"),
    "booked_slot_min": ("first", "surgery_scheduled", "value"),
}
"""Case columns: (first or last non-empty value of the case's events of a kind, the event, its column).

``pathway`` is the detail of the decisions that name one (the consultation's; a deterioration before it
logs a decision without one).  ``team_home`` falls back on the hospital of ``team_assembled``.
"""

ROW_EVENTS = [*dict.fromkeys(e for _, e, _ in ATTRIBUTES.values() if e != "decision"), "team_assembled"]
"""A case has a row when it has one of these events or a decision naming a pathway."""

FLAG_EVENTS = {"nicu_diverted": ("nicu_admission", "diverted"), "nicu_surge": ("nicu_admission", "surge"),
               "icu_bed_wait": ("icu_bed_wait", "any"), "host_started": ("crash_start", "any"),
               "deteriorated_in_transit": ("deteriorated", "in_transit")}
"""Flags: True when the case has the event (``any``), or one of them with that mark (see ``_marked``)."""


def _marked(sel: pd.DataFrame) -> pd.DataFrame:
    """The case events with the derived columns of :data:`ATTRIBUTES` and :data:`FLAG_EVENTS`: ``pathway``
    and ``decided_min`` (detail and time of a decision naming a pathway, else empty), and the marks
    ``diverted``, ``surge`` (NICU admission detail), ``in_transit`` (value 1) and ``any``."""
    named = (sel["event"] == "decision") & (sel["detail"] != "")
    return sel.assign(pathway=sel["detail"].where(named), decided_min=sel["time_min"].where(named),
                      diverted=sel["detail"] == "diverted", surge=sel["detail"] == "surge",
                      in_transit=sel["value"] == 1.0, any=True)


TEXT_COLUMNS = ("detail", "hospital", "resource", "pathway")
"""Text columns of :func:`_marked`: grouped as integer codes (NaN where empty), decoded by :class:`PerCase`."""


@dataclass
class PerCase:
    """Per case (index replication, case_id) and column ``(log column, event)``: the ``first`` and ``last``
    non-empty value of each column of the case's events of each kind (empty where the case has none),
    text columns as codes into ``texts``; and whether any of them carries each mark of :func:`_marked`."""

    first: pd.DataFrame
    last: pd.DataFrame
    marks: pd.DataFrame
    texts: dict[str, np.ndarray]

    @classmethod
    def of(cls, sel: pd.DataFrame) -> PerCase:
        marked = _marked(sel)
        texts, codes = {}, {}
        for column in TEXT_COLUMNS:
            code, names = pd.factorize(marked[column])
            texts[column], codes[column] = np.asarray(names, dtype=object), np.where(code >= 0, code, np.nan)
        groups = marked.assign(**codes).groupby(["replication", "case_id", "event"], observed=True, sort=True)
        values = ["time_min", "value", "decided_min", *TEXT_COLUMNS]
        # one grouping, three aggregates, each unstacked: pivot_table would group the rows again for each
        first, last = groups[values].first().unstack("event"), groups[values].last().unstack("event")  # noqa: PD010
        marks = groups[["diverted", "surge", "in_transit", "any"]].max().unstack("event")  # noqa: PD010
        return cls(first, last, marks, texts)

    def pick(self, how: str, column: str, event: str) -> pd.Series:
        """Column ``(column, event)`` of ``first``, ``last`` or ``marks`` (``how``), texts decoded; all empty
        (no mark) when no case had the event."""
        table = getattr(self, how)
        found = table[(column, event)] if (column, event) in table.columns else \
            pd.Series(False if how == "marks" else np.nan, index=table.index)
        if column not in self.texts:
            return found
        text = np.full(len(found), None, dtype=object)
        known = found.notna().to_numpy()
        text[known] = self.texts[column][found.to_numpy()[known].astype(int)]
        return pd.Series(pd.array(text, dtype="string"), index=table.index)


def dispatch_decisions(ev: pd.DataFrame) -> pd.DataFrame:
    """Per case (index replication, case_id): ``time_min`` of the last decision at or before the
    last ``team_requested`` or ``crew_requested``, and ``dispatch_urgency``, her urgency then."""
    keys = ["replication", "case_id"]
    asked = ev[ev["event"].isin(["team_requested", "crew_requested"])].groupby(keys)["time_min"].max()
    asked = asked.rename("asked_min").reset_index()
    out = []
    for name, column in (("decision", "time_min"), ("urgency", "detail")):
        sel = ev.loc[ev["event"] == name, [*keys, "time_min", "detail"]].merge(asked, on=keys)
        sel = sel[sel["time_min"] <= sel["asked_min"]]
        out.append(sel.groupby(keys)[column].last())
    return pd.DataFrame({"time_min": out[0], "dispatch_urgency": out[1]})


def cases_table(events: pd.DataFrame, urgency_targets: dict[str, float]) -> pd.DataFrame:
    """One row per case per replication, with milestones, intervals, flags and status.

    ``status`` is ``completed`` when the case closed before the horizon, else
    ``in_progress``; ``stage`` names the last milestone reached either way.
    ``team`` is the id of the team sent (outreach pathway) and
    ``team_expected_arrival_min`` its expected arrival, in minutes from the
    request, when it was chosen; ``team_home`` is the hospital whose staff
    the team takes (its home; a dedicated team's own id: it takes nobody's).
    """
    sel = events[(events["case_id"] >= 0).to_numpy() & events["event"].isin(CASE_EVENTS).to_numpy(dtype=bool)]
    per = PerCase.of(sel)
    columns = {name: per.pick(how, column, event) for name, (how, event, column) in ATTRIBUTES.items()}
    columns["team_home"] = columns["team_home"].combine_first(per.pick("first", "hospital", "team_assembled"))
    present = [columns["pathway"].notna(), *(per.pick("first", "time_min", e).notna() for e in ROW_EVENTS)]
    cases = pd.DataFrame(columns)[np.logical_or.reduce(present)]
    for name, (event, mark) in FLAG_EVENTS.items():
        cases[name] = per.pick("marks", mark, event).reindex(cases.index).fillna(False).astype(bool)
    first = per.first
    times = (first["time_min"] if "time_min" in first.columns.get_level_values(0)  # no case at all: no columns
             else pd.DataFrame(index=first.index)).reindex(columns=MILESTONES)
    times.columns = [f"{m}_min" for m in MILESTONES]
    times["decision_min"] = per.pick("last", "time_min", "decision")
    for asked in ("team_requested", "crew_requested"):  # a re-booked case is asked for again: the request that held
        times[f"{asked}_min"] = per.pick("last", "time_min", asked)
    times["first_decision_min"] = per.pick("first", "decided_min", "decision")
    dispatch = dispatch_decisions(sel)
    times["dispatch_decision_min"] = dispatch["time_min"]
    cases = cases.join(times, how="left").join(dispatch[["dispatch_urgency"]], how="left").reset_index()
    return derived_columns(cases, urgency_targets)


POOL_TABLE_EVENTS = ["capacity", "call_in", "call_in_arrival", "call_in_home", "overtime_start", "overtime_end",
                     "request", "acquire", "release", "withdraw"]
"""The events the resources table is built from."""


@dataclass
class Steps:
    """Level changes of one quantity, pool by pool: ``pool`` codes, ``time_min`` and signed ``d``, in
    the order that breaks ties (rows of one pool at one time are applied in this order)."""

    pool: np.ndarray
    time_min: np.ndarray
    d: np.ndarray

    def __len__(self) -> int:
        return len(self.pool)

    @staticmethod
    def join(*parts: Steps) -> Steps:
        return Steps(*(np.concatenate([getattr(p, f) for p in parts]) for f in ("pool", "time_min", "d")))

    def sorted(self) -> tuple[np.ndarray, np.ndarray, pd.Series]:
        """``(pool, time_min, level)`` sorted by pool, then time (ties kept in order); ``level`` is the
        running sum of ``d`` within each pool."""
        order = np.lexsort((self.time_min, self.pool))
        pool, time = self.pool[order], self.time_min[order]
        return pool, time, pd.Series(self.d[order]).groupby(pool).cumsum()


def derived_columns(cases: pd.DataFrame, urgency_targets: dict[str, float]) -> pd.DataFrame:
    """The cases table's intervals, target, status, stage and flags from its milestones (``cases``: one row
    per case with the ``<milestone>_min`` columns), text columns as ``string``; changes ``cases``."""
    for name, (start, end) in INTERVALS.items():
        cases[name] = cases[f"{end}_min"] - cases[f"{start}_min"]
    # after a host-started caesarean the team arrives when she is already in theatre: no wait of a ready team
    cases["ready_to_theatre_min"] = cases["ready_to_theatre_min"].where(~cases["host_started"])
    cases["target_min"] = cases["urgency"].map(urgency_targets).astype("float64")
    delivered = cases["decision_to_delivery_min"].notna()
    cases["within_target"] = (cases["decision_to_delivery_min"] <= cases["target_min"]).where(delivered)
    cases["status"] = np.where(cases["case_closed_min"].notna(), "completed", "in_progress")
    reached = cases[[f"{m}_min" for m in MILESTONES]].notna().to_numpy()
    last = reached.shape[1] - 1 - np.argmax(reached[:, ::-1], axis=1)
    cases["stage"] = np.array(MILESTONES)[last]
    cases["deteriorated"] = cases["deteriorated_min"].notna()
    for col in ("case_type", "hospital", "urgency_initial", "urgency", "dispatch_urgency", "severity", "pathway",
                "team", "team_home",
                "nicu_hospital", "status", "stage"):
        cases[col] = cases[col].astype("string")
    return cases


def _integrate(steps: Steps, start: float, end: float) -> pd.Series:
    """Integral over [start, end] of each pool's step function (index: pool code)."""
    pool, time, level = steps.sorted()
    t0 = np.clip(time, start, end)
    following = np.append(pool[1:] == pool[:-1], False)
    t1 = np.clip(np.where(following, np.append(time[1:], end), end), start, end)
    return (level * (t1 - t0)).groupby(pool).sum()


def _max_level(steps: Steps) -> pd.Series:
    pool, _, level = steps.sorted()
    return level.groupby(pool).max()


@dataclass
class PoolEvents:
    """One replication's pool events in log order, with integer pool codes; ``pools`` maps a code to
    its ``(hospital, resource)`` (codes follow the sorted pool names)."""

    event: np.ndarray
    pool: np.ndarray
    case_id: np.ndarray
    time_min: np.ndarray
    value: np.ndarray
    pools: pd.MultiIndex

    @classmethod
    def of(cls, ev: pd.DataFrame) -> PoolEvents:
        sel = ev[ev["event"].isin(POOL_TABLE_EVENTS)]
        groups = sel.groupby(["hospital", "resource"], sort=True, observed=True)
        return cls(sel["event"].to_numpy(dtype=object), groups.ngroup().to_numpy(), sel["case_id"].to_numpy(),
                   sel["time_min"].to_numpy(), sel["value"].to_numpy(), groups.size().index)

    def steps(self, up: str, down: str, unit: bool = False) -> Steps:
        """Events ``up`` (+value) and ``down`` (-value) as level changes, in log order (+-1 if ``unit``)."""
        rows = (self.event == up) | (self.event == down)
        sign = np.where(self.event[rows] == up, 1, -1)
        return Steps(self.pool[rows], self.time_min[rows], sign if unit else sign * self.value[rows])

    def capacity(self) -> Steps:
        """On-duty capacity as changes: each ``capacity`` event's rise over the pool's previous level."""
        rows = self.event == "capacity"
        order = np.argsort(self.pool[rows], kind="stable")  # log order is time order within a pool
        pool, time, value = self.pool[rows][order], self.time_min[rows][order], self.value[rows][order]
        d = pd.Series(value).groupby(pool).diff().fillna(pd.Series(value)).to_numpy()
        return Steps(pool, time, d)

    def waits(self, horizon: float) -> pd.DataFrame:
        """Each request with its wait, to its grant or its withdrawal (censored at ``horizon`` if still
        waiting): ``case_id, pool, time_min_request, time_min_end`` (empty unless it ended), ``granted``,
        ``withdrawn``, ``wait_min``; requests in log order.  A case's k-th request of a pool ends with
        its k-th ``acquire`` or ``withdraw`` of that pool (a case never queues twice for one pool at once)."""
        is_request = self.event == "request"
        ends = (self.event == "acquire") | (self.event == "withdraw")
        req = pd.DataFrame({"case_id": self.case_id[is_request], "pool": self.pool[is_request],
                            "time_min_request": self.time_min[is_request]})
        end = pd.DataFrame({"case_id": self.case_id[ends], "pool": self.pool[ends],
                            "time_min_end": self.time_min[ends], "event": self.event[ends]})
        req["k"] = req.groupby(["case_id", "pool"]).cumcount()
        end["k"] = end.groupby(["case_id", "pool"]).cumcount()
        out = req.merge(end, on=["case_id", "pool", "k"], how="left")
        out["granted"] = (out["event"] == "acquire").to_numpy()
        out["withdrawn"] = (out["event"] == "withdraw").to_numpy()
        out["wait_min"] = out["time_min_end"].fillna(horizon) - out["time_min_request"]
        return out.drop(columns=["k", "event"])


def resources_table(events: pd.DataFrame, horizon_min: float, warmup_min: float = 0.0) -> pd.DataFrame:
    """Per replication and pool: capacity, busy time, overtime, utilisation, queue and waits.

    Busy, capacity, overtime and queue are integrals or time averages over
    [warmup, horizon].  ``capacity_mean`` counts every unit present: on-duty
    staff by the roster, called-in staff on site and staff on overtime (people
    of an earlier shift finishing a job), so ``utilisation = busy_min /
    (capacity_mean x span)`` never exceeds 1.
    """
    frames = []
    for rep, ev in events.groupby("replication", sort=True):
        frames.append(_resources_one(PoolEvents.of(ev), horizon_min, warmup_min).assign(replication=rep))
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def _resources_one(pe: PoolEvents, horizon: float, warmup: float) -> pd.DataFrame:
    span = horizon - warmup
    busy = pe.steps("acquire", "release")
    called = pe.steps("call_in_arrival", "call_in_home")
    overtime = pe.steps("overtime_start", "overtime_end")
    avail = Steps.join(pe.capacity(), called, overtime)
    waits = pe.waits(horizon)
    waits = waits[waits["time_min_request"] >= warmup]
    ended = waits[waits["granted"] | waits["withdrawn"]]
    queue = Steps.join(Steps(waits["pool"].to_numpy(), waits["time_min_request"].to_numpy(), np.ones(len(waits), int)),
                       Steps(ended["pool"].to_numpy(), ended["time_min_end"].to_numpy(), -np.ones(len(ended), int)))
    table = pd.DataFrame({
        "capacity_mean": _integrate(avail, warmup, horizon) / span,
        "busy_min": _integrate(busy, warmup, horizon),
    })
    table["busy_min"] = table["busy_min"].fillna(0.0)  # a pool nobody used was busy 0 minutes
    table["overtime_min"] = _integrate(overtime, warmup, horizon) if len(overtime) else 0.0
    table["overtime_min"] = table["overtime_min"].fillna(0.0)
    table["call_in_min"] = _integrate(called, warmup, horizon) if len(called) else 0.0
    table["call_in_min"] = table["call_in_min"].fillna(0.0)
    table["utilisation"] = table["busy_min"] / (table["capacity_mean"] * span)
    table["mean_queue"] = _integrate(queue, warmup, horizon) / span if len(queue) else 0.0
    table["max_queue"] = _max_level(queue) if len(queue) else 0
    g = waits.groupby("pool")
    table["requests"] = g.size()
    table["mean_wait_min"] = g["wait_min"].mean()
    table["max_wait_min"] = g["wait_min"].max()
    table["withdrawn"] = g["withdrawn"].sum()
    table["not_granted"] = g.size() - g["granted"].sum() - g["withdrawn"].sum()
    calls = (pe.event == "call_in") & (pe.time_min >= warmup)
    table["call_ins"] = pd.Series(pe.pool[calls]).value_counts()
    table.index = pe.pools.take(table.index)
    return filled(table.reset_index())


def filled(table: pd.DataFrame) -> pd.DataFrame:
    """The resources table with its counts as whole numbers (0 for a pool nobody asked for) and an infinite
    utilisation (busy without capacity) left empty."""
    fill = {"mean_queue": 0.0, "max_queue": 0, "requests": 0, "call_ins": 0, "not_granted": 0, "withdrawn": 0}
    table = table.fillna(fill)
    for col in ("requests", "call_ins", "not_granted", "withdrawn", "max_queue"):
        table[col] = table[col].astype("int64")
    table["utilisation"] = table["utilisation"].replace([np.inf, -np.inf], np.nan)
    return table
