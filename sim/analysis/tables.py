"""From the event log to tables: events, cases and resource pools.

Every function here is pure: DataFrames in, DataFrames out.  Times are
minutes from the start of the run; intervals are minutes (``*_min``).
"""

from __future__ import annotations

from dataclasses import dataclass
from operator import itemgetter
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.analysis.pools import kth_match, name_codes, pool_keys

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

FLAG_EVENTS = {"nicu_diverted": ("newborn_diverted", "any"), "nicu_surge": ("nicu_admission", "surge"),
               "icu_bed_wait": ("icu_bed_wait", "any"), "host_started": ("crash_start", "any"),
               "deteriorated_in_transit": ("deteriorated", "in_transit")}
"""Flags: True when the case has the event (``any``), or one of them with that mark (see :meth:`PerCase.marked`)."""

CASE_CODES = {name: code for code, name in enumerate(CASE_EVENTS)}
"""Each case event's integer code."""


def _decoded(codes: np.ndarray, names: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """Text codes (float, NaN where empty) as a ``string`` array of ``names``."""
    text = np.full(len(codes), None, dtype=object)
    known = ~np.isnan(codes)
    text[known] = names[codes[known].astype(np.int64)]
    return pd.array(text, dtype="string")


@dataclass
class PerCase:
    """A log's case events (a ``case_id`` >= 0 and one of :data:`CASE_EVENTS`), sorted by case, then event,
    then log order; cases in the order of ``(replication, case_id)``.

    ``replication`` and ``case_id`` give each case (one entry a case); ``case`` and ``kind`` each row's case
    number and event code (:data:`CASE_CODES`); ``columns`` each row's ``time_min`` and ``value`` (float64),
    its ``detail``, ``hospital`` and ``resource`` as codes into ``texts`` (float64, NaN where empty), and
    ``pathway`` and ``decided_min``: the detail and time of a decision naming a pathway (else empty).
    """

    replication: np.ndarray
    case_id: np.ndarray
    case: np.ndarray
    kind: np.ndarray
    columns: dict[str, np.ndarray]
    texts: dict[str, np.ndarray]

    @classmethod
    def of(cls, events: pd.DataFrame) -> PerCase:
        kind = name_codes(events["event"], CASE_EVENTS)
        case_id = events["case_id"].to_numpy()
        rows = np.flatnonzero((kind >= 0) & (case_id >= 0))
        rep, case_id, kind = events["replication"].to_numpy()[rows], case_id[rows], kind[rows]
        order = np.lexsort((kind, case_id, rep))  # stable: log order kept within a case's events of a kind
        rows, rep, case_id, kind = rows[order], rep[order], case_id[order], kind[order]
        new = np.ones(len(rows), dtype=bool)
        new[1:] = (rep[1:] != rep[:-1]) | (case_id[1:] != case_id[:-1])
        columns = {name: events[name].to_numpy()[rows] for name in ("time_min", "value")}
        texts = {}
        for name in ("detail", "hospital", "resource"):
            code, texts[name] = pd.factorize(events[name].array.take(rows))
            columns[name] = np.where(code >= 0, code, np.nan)
        texts["pathway"] = texts["detail"] = np.asarray(texts["detail"], dtype=object)
        named = (kind == CASE_CODES["decision"]) & ~np.isnan(columns["detail"])
        named[named] = texts["detail"][columns["detail"][named].astype(np.int64)] != ""
        columns["pathway"] = np.where(named, columns["detail"], np.nan)
        columns["decided_min"] = np.where(named, columns["time_min"], np.nan)
        return cls(rep[new], case_id[new], np.cumsum(new) - 1, kind, columns, texts)

    def pick(self, how: str, column: str, event: str, where: np.ndarray | None = None) -> np.ndarray:
        """Per case, the ``first`` or ``last`` (``how``) non-empty value of ``column`` among its ``event``
        rows (of the rows ``where`` is True, if given); NaN where it has none; text columns as codes."""
        rows = self.kind == CASE_CODES[event]
        if where is not None:
            rows &= where
        rows &= ~np.isnan(self.columns[column])
        case, values = self.case[rows], self.columns[column][rows]
        ends = np.ones(len(case), dtype=bool)
        if how == "first":
            ends[1:] = case[1:] != case[:-1]
        else:
            ends[:-1] = case[1:] != case[:-1]
        out = np.full(len(self.case_id), np.nan)
        out[case[ends]] = values[ends]
        return out

    def marked(self, event: str, mark: str) -> np.ndarray:
        """Per case, whether one of its ``event`` rows carries ``mark``: ``diverted`` or ``surge`` (its
        detail), ``in_transit`` (value 1) or ``any`` (every row does)."""
        rows = self.kind == CASE_CODES[event]
        if mark == "in_transit":
            rows &= self.columns["value"] == 1.0
        elif mark != "any":
            names = np.append(self.texts["detail"] == mark, False)
            rows &= names[np.nan_to_num(self.columns["detail"], nan=-1).astype(np.int64)]
        out = np.zeros(len(self.case_id), dtype=bool)
        out[self.case[rows]] = True
        return out

    def dispatch(self) -> tuple[np.ndarray, np.ndarray]:
        """Per case, ``(time_min, urgency code)`` of the last decision and urgency at or before the last
        ``team_requested`` or ``crew_requested`` (NaN for a case never asked for)."""
        asked = np.full(len(self.case_id), np.nan)
        for event in ("team_requested", "crew_requested"):
            asked = np.fmax(asked, self._max_time(event))
        before = self.columns["time_min"] <= asked[self.case]
        return self.pick("last", "time_min", "decision", before), self.pick("last", "detail", "urgency", before)

    def _max_time(self, event: str) -> np.ndarray:
        rows = self.kind == CASE_CODES[event]
        out = np.full(len(self.case_id), np.nan)
        np.fmax.at(out, self.case[rows], self.columns["time_min"][rows])
        return out


def cases_table(events: pd.DataFrame, urgency_targets: dict[str, float]) -> pd.DataFrame:
    """One row per case per replication, with milestones, intervals, flags and status.

    ``status`` is ``completed`` when the case closed before the horizon, else
    ``in_progress``; ``stage`` names the last milestone reached either way.
    ``team`` is the id of the team sent (outreach pathway) and
    ``team_expected_arrival_min`` its expected arrival, in minutes from the
    request, when it was chosen; ``team_home`` is the hospital whose staff
    the team takes (its home; a dedicated team's own id: it takes nobody's).
    """
    per = PerCase.of(events)
    picked = {name: per.pick(how, column, event) for name, (how, event, column) in ATTRIBUTES.items()}
    picked["team_home"] = np.where(np.isnan(picked["team_home"]), per.pick("first", "hospital", "team_assembled"),
                                   picked["team_home"])
    columns: dict[str, Any] = {
        name: _decoded(values, per.texts[ATTRIBUTES[name][2]]) if ATTRIBUTES[name][2] in per.texts else values
        for name, values in picked.items()}
    columns.update({name: per.marked(event, mark) for name, (event, mark) in FLAG_EVENTS.items()})
    columns.update({f"{m}_min": per.pick("first", "time_min", m) for m in MILESTONES})
    columns["decision_min"] = per.pick("last", "time_min", "decision")
    for asked in ("team_requested", "crew_requested"):  # a re-booked case is asked for again: the request that held
        columns[f"{asked}_min"] = per.pick("last", "time_min", asked)
    columns["first_decision_min"] = per.pick("first", "decided_min", "decision")
    dispatch_min, urgency = per.dispatch()
    columns["dispatch_decision_min"] = dispatch_min
    columns["dispatch_urgency"] = _decoded(urgency, per.texts["detail"])
    present = np.logical_or.reduce([~np.isnan(picked["pathway"]),
                                    *(~np.isnan(per.pick("first", "time_min", e)) for e in ROW_EVENTS)])
    cases = {"replication": per.replication, "case_id": per.case_id, **columns}
    return derived_columns({name: values[present] for name, values in cases.items()}, urgency_targets)


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


TEXT_CASE_COLUMNS = ("case_type", "hospital", "urgency_initial", "urgency", "dispatch_urgency", "severity", "pathway",
                     "team", "team_home", "nicu_hospital", "status", "stage")
"""The text columns of the cases table (``string``)."""


def derived_columns(columns: dict[str, Any], urgency_targets: dict[str, float]) -> pd.DataFrame:
    """The cases table: ``columns`` (per case, arrays of one length: keys, attributes, flags and the
    ``<milestone>_min`` columns, float64 NaN where not reached) with the intervals, target, status, stage
    and the ``deteriorated`` flag worked out from them, text columns as ``string``."""
    out = dict(columns)
    for name, (start, end) in INTERVALS.items():
        out[name] = out[f"{end}_min"] - out[f"{start}_min"]
    # after a host-started caesarean the team arrives when she is already in theatre: no wait of a ready team
    out["ready_to_theatre_min"] = np.where(out["host_started"], np.nan, out["ready_to_theatre_min"])
    target = pd.Series(out["urgency"]).map(urgency_targets).astype("float64").to_numpy()
    out["target_min"] = target
    delivery = out["decision_to_delivery_min"]
    out["within_target"] = pd.Series(delivery <= target).where(~np.isnan(delivery))
    out["status"] = np.where(np.isnan(out["case_closed_min"]), "in_progress", "completed")
    reached = ~np.isnan(np.column_stack([out[f"{m}_min"] for m in MILESTONES]))
    last = reached.shape[1] - 1 - np.argmax(reached[:, ::-1], axis=1)
    out["stage"] = np.array(MILESTONES)[last]
    out["deteriorated"] = ~np.isnan(out["deteriorated_min"])
    for name in TEXT_CASE_COLUMNS:
        out[name] = pd.Series(out[name]).astype("string")
    return pd.DataFrame(out)


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


POOL_CODES = {name: code for code, name in enumerate(POOL_TABLE_EVENTS)}
"""Each pool event's integer code."""


@dataclass
class PoolEvents:
    """A log's pool events (:data:`POOL_TABLE_EVENTS`) in log order, one array entry a row: ``kind`` (code
    of :data:`POOL_CODES`), ``pool`` (integer code), ``replication``, ``case_id``, ``time_min`` and
    ``value``; ``pools`` maps a code to its ``(hospital, resource)`` (codes follow the sorted pool names)."""

    kind: np.ndarray
    pool: np.ndarray
    replication: np.ndarray
    case_id: np.ndarray
    time_min: np.ndarray
    value: np.ndarray
    pools: pd.MultiIndex

    @classmethod
    def of(cls, events: pd.DataFrame) -> PoolEvents:
        kind = name_codes(events["event"], POOL_TABLE_EVENTS)
        rows = np.flatnonzero(kind >= 0)
        names = events[["hospital", "resource"]].iloc[rows]
        pool, pools = pool_keys(names)
        some_row = np.zeros(len(pools), dtype=np.int64)
        some_row[pool] = np.arange(len(pool))  # any row of a pool names it
        rep, case_id, time, value = (events[c].to_numpy()[rows] for c in ("replication", "case_id", "time_min",
                                                                           "value"))
        return cls(kind[rows], pool, rep, case_id, time, value, pd.MultiIndex.from_frame(names.iloc[some_row]))

    def of_replication(self, replication: int) -> PoolEvents:
        """The rows of one replication (pool codes unchanged)."""
        rows = self.replication == replication
        return PoolEvents(self.kind[rows], self.pool[rows], self.replication[rows], self.case_id[rows],
                          self.time_min[rows], self.value[rows], self.pools)

    def steps(self, up: str, down: str, unit: bool = False) -> Steps:
        """Events ``up`` (+value) and ``down`` (-value) as level changes, in log order (+-1 if ``unit``)."""
        is_up = self.kind == POOL_CODES[up]
        rows = is_up | (self.kind == POOL_CODES[down])
        sign = np.where(is_up[rows], 1, -1)
        return Steps(self.pool[rows], self.time_min[rows], sign if unit else sign * self.value[rows])

    def capacity(self) -> Steps:
        """On-duty capacity as changes: each ``capacity`` event's rise over the pool's previous level."""
        rows = self.kind == POOL_CODES["capacity"]
        order = np.argsort(self.pool[rows], kind="stable")  # log order is time order within a pool
        pool, time, value = self.pool[rows][order], self.time_min[rows][order], self.value[rows][order]
        d = pd.Series(value).groupby(pool).diff().fillna(pd.Series(value)).to_numpy()
        return Steps(pool, time, d)

    def waits(self, horizon: float) -> pd.DataFrame:
        """Each request with its wait, to its grant or its withdrawal (censored at ``horizon`` if still
        waiting): ``case_id, pool, time_min_request, time_min_end`` (empty unless it ended), ``granted``,
        ``withdrawn``, ``wait_min``; requests in log order.  A case's k-th request of a pool ends with
        its k-th ``acquire`` or ``withdraw`` of that pool (a case never queues twice for one pool at once)."""
        request = np.flatnonzero(self.kind == POOL_CODES["request"])
        end = np.flatnonzero((self.kind == POOL_CODES["acquire"]) | (self.kind == POOL_CODES["withdraw"]))
        case_pool = (self.case_id - self.case_id.min(initial=0)) * len(self.pools) + self.pool
        ended = kth_match(case_pool, request, end)
        found = ended >= 0
        end_min = np.where(found, self.time_min[ended], np.nan)
        end_kind = np.where(found, self.kind[ended], -1)
        return pd.DataFrame({"case_id": self.case_id[request], "pool": self.pool[request],
                             "time_min_request": self.time_min[request], "time_min_end": end_min,
                             "granted": end_kind == POOL_CODES["acquire"],
                             "withdrawn": end_kind == POOL_CODES["withdraw"],
                             "wait_min": np.where(found, end_min, horizon) - self.time_min[request]})


def resources_table(events: pd.DataFrame, horizon_min: float, warmup_min: float = 0.0) -> pd.DataFrame:
    """Per replication and pool: capacity, busy time, overtime, utilisation, queue and waits.

    Busy, capacity, overtime and queue are integrals or time averages over
    [warmup, horizon].  ``capacity_mean`` counts every unit present: on-duty
    staff by the roster, called-in staff on site and staff on overtime (people
    of an earlier shift finishing a job), so ``utilisation = busy_min /
    (capacity_mean x span)`` never exceeds 1.
    """
    pe = PoolEvents.of(events)
    frames = [_resources_one(pe.of_replication(rep), horizon_min, warmup_min).assign(replication=int(rep))
              for rep in np.unique(events["replication"].to_numpy())]
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
    calls = (pe.kind == POOL_CODES["call_in"]) & (pe.time_min >= warmup)
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
