"""(e) Soak: many simulated years at doubled demand, with memory watched and invariants checked.

One long replication of ``scenarios/double-demand.yaml`` is stepped a year at
a time; after each year the page records the event rows logged, the SimPy
events still scheduled, the requests waiting at the broker and the process's
resident memory.  The model's own state (scheduled events, waiting requests)
must stay bounded; the event log, its output, grows by the same amount each
year.  At the end the whole log is turned into tables and checked against the
model's invariants (each a vectorised pandas check).
"""

from __future__ import annotations

import itertools
import os
import resource
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from sim.analysis.attribution import free_levels
from sim.analysis.tables import cases_table, events_frame
from sim.model.eventlog import EVENTS
from sim.model.run import build_context, start_processes
from sim.scenario import Scenario
from sim.scenario.feasibility import offered_loads
from sim.validation.common import scenario

YEAR_MIN = 365 * 1440.0


def rss_mb() -> float:
    """Resident memory of this process now (MB), from ``/proc/self/statm``."""
    try:
        with open("/proc/self/statm", encoding="ascii") as handle:  # noqa: PTH123 - a Linux pseudo-file
            pages = int(handle.read().split()[1])
    except OSError:
        return float("nan")
    return pages * os.sysconf("SC_PAGE_SIZE") / 1e6


def run_years(sc: Scenario, seed: int, years: int) -> tuple[list[tuple], pd.DataFrame]:
    """Step one replication year by year; returns the event rows and one row per year."""
    ctx = build_context(sc, seed, 0)
    start_processes(ctx)
    env, steps, rows, t0 = ctx.env, 0, [], time.perf_counter()
    for year in range(1, years + 1):
        end = year * YEAR_MIN
        while env.peek() < end:
            env.step()
            steps += 1
        rows.append({"year": year, "event rows": len(ctx.log.rows), "SimPy events": steps,
                     "scheduled now": len(env._queue), "requests waiting": len(ctx.broker.waiting),
                     "of which for a NICU cot": sum(any(pool.name == "nicu_cot" for pool in grant.need)
                                                    for grant in ctx.broker.waiting),
                     "resident MB": rss_mb(), "wall s": time.perf_counter() - t0})
    return ctx.log.rows, pd.DataFrame(rows)


def _cases_accounted(ev: pd.DataFrame, cases: pd.DataFrame) -> bool:
    created = ev.loc[ev["event"] == "case_created", "case_id"]
    closed = ev.loc[ev["event"] == "case_closed", "case_id"]
    completed = set(cases.loc[cases["status"] == "completed", "case_id"])
    return bool(created.is_unique and closed.is_unique and set(cases["case_id"]) == set(created)
                and completed == set(closed) and len(cases) == len(created))


def _within_capacity(ev: pd.DataFrame) -> bool:
    """After every grant, no pool has fewer than zero free units (on duty + called in + overtime - busy)."""
    acquire_rows = ev.index[ev["event"] == "acquire"].to_numpy()
    return all(not (free[np.isin(rows, acquire_rows)] < 0).any() for rows, _, free in free_levels(ev).values())


def _call_ins_within_on_call(ev: pd.DataFrame, on_call: dict[str, int]) -> bool:
    sel = ev[ev["event"].isin(["call_in_arrival", "call_in_home"])]
    key = sel["hospital"].astype(str) + "/" + sel["resource"].astype(str)
    level = np.where(sel["event"] == "call_in_arrival", 1, -1)
    present = pd.Series(level, index=sel.index).groupby(key).cumsum()
    return bool((present >= 0).all() and all(present[key == k].max() <= n for k, n in on_call.items()
                                               if (key == k).any()))


def _releases_held(ev: pd.DataFrame) -> bool:
    sel = ev[ev["event"].isin(["acquire", "release"])]
    delta = np.where(sel["event"] == "acquire", 1.0, -1.0) * sel["value"].to_numpy()
    held = pd.Series(delta, index=sel.index).groupby([sel["case_id"], sel["hospital"], sel["resource"]]).cumsum()
    return bool((held >= -1e-9).all())


def _milestones_ordered(cases: pd.DataFrame) -> bool:
    chains = [["case_created", "consult_start", "first_decision", "theatre_entry", "incision", "delivery",
               "surgery_end", "icu_admission", "icu_discharge"],
              ["first_decision", "stabilisation_start", "stabilisation_end", "theatre_entry"],
              ["delivery", "neonatal_stabilised", "nicu_admission"],
              ["team_requested", "team_assembled", "team_departed", "team_on_site", "team_ready"],
              ["crash_call", "crash_start", "theatre_entry"],
              ["crew_requested", "crew_assembled", "crew_departed", "crew_on_site", "mother_packaged",
               "mother_departed", "mother_arrived", "handover_done"],
              ["mother_arrived", "theatre_entry"]]
    for chain in chains:
        for a, b in itertools.pairwise(chain):
            both = cases[[f"{a}_min", f"{b}_min"]].dropna()
            if (both[f"{a}_min"] > both[f"{b}_min"]).any():
                return False
    done = cases[cases["status"] == "completed"]
    return bool((done["delivery_min"] <= done["case_closed_min"]).all())


def invariants(sc: Scenario, ev: pd.DataFrame, cases: pd.DataFrame) -> pd.DataFrame:
    """Each invariant with whether the log keeps it."""
    on_call = {f"{h}/{r}": role.on_call for h, hosp in sc.hospitals.items() for r, role in hosp.staff.items()}
    times = ev["time_min"].to_numpy()
    checks: dict[str, Callable[[], bool]] = {
        "only documented event names": lambda: set(ev["event"].astype(str)) <= set(EVENTS),
        "time never goes back; nothing after the horizon": lambda: bool(
            (np.diff(times) >= 0).all() and times.max() < sc.run.horizon_days * 1440),
        "every case created once, closed at most once, none lost": lambda: _cases_accounted(ev, cases),
        "no grant beyond on-duty plus called-in units": lambda: _within_capacity(ev),
        "called-in staff never exceed those on call": lambda: _call_ins_within_on_call(ev, on_call),
        "no case gives back more than it holds": lambda: _releases_held(ev),
        "milestones in pathway order": lambda: _milestones_ordered(cases),
    }
    return pd.DataFrame([{"invariant": name, "holds": bool(check())} for name, check in checks.items()])


def nicu_rule() -> str:
    """What a newborn does at doubled demand when the NICU is full: ``wait``, or ``surge``/``divert`` after
    ``policies.nicu_wait_limit_min``."""
    return scenario("double-demand.yaml").policies.nicu_full


def nicu_load() -> float:
    """Offered load per NICU cot at doubled demand (a lower bound; ``sim.scenario.feasibility``)."""
    sc = scenario("double-demand.yaml")
    return next(load for key, _, load in offered_loads(sc) if key.endswith(".nicu_cots"))


def soak(years: int = 10, seed: int = 1) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, float]]:
    """``(per-year table, invariants, totals)`` of one long replication at doubled demand."""
    sc = scenario("double-demand.yaml", [f"run.horizon_days={365 * years}"])
    rows, yearly = run_years(sc, seed, years)
    ev = events_frame(rows, 0)
    del rows
    cases = cases_table(ev, {name: u.target_min for name, u in sc.urgency.items()})
    checks = invariants(sc, ev, cases)
    totals = {"years": years, "cases": len(cases), "completed": int((cases["status"] == "completed").sum()),
              "event rows": len(ev), "peak resident MB": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1e3}
    return yearly, checks, totals
