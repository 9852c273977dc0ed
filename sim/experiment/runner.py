"""Replications: one task per batch, on a local process pool or a Dask cluster.

Each replication runs the model, derives its tables with the analysis layer
and writes them as parquet parts straight away; a task returns only a small
summary, so the driver's memory stays flat however many replications run.
Results depend only on (scenario, seed, replication), never on the engine,
the number of workers or the order in which tasks finish.
"""

from __future__ import annotations

import multiprocessing
import signal
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import store
from sim.analysis.costs import cost_kpis, hours_kpis, observed_years, resource_use
from sim.analysis.feasibility import unserved_requests
from sim.analysis.kpis import case_values, counted_cases, replication_kpis, share_counts, values_table
from sim.analysis.outcomes import outcome_kpis
from sim.analysis.report_tables import report_tables
from sim.analysis.tables import cases_table, events_frame, resources_table
from sim.errors import InputError
from sim.experiment.progress import Progress
from sim.model import simulate
from sim.scenario.feasibility import limit_table
from sim.scenario.schema import Scenario


@dataclass(frozen=True)
class BatchResult:
    """What a task sends back: counts only, never tables."""

    replications: tuple[int, ...]
    sim_events: int
    event_rows: int


def home_urgencies(scenario: Scenario) -> list[str]:
    """The urgencies the home streams can take (none without one): their per-urgency KPIs always exist."""
    return list(dict.fromkeys(u for home in scenario.demand.home_streams
                              for u, share in home.urgency_mix.items() if share > 0))


def staff_roles_of(scenario: Scenario) -> list[str]:
    """Every staff role of the scenario: the hospitals' and the dedicated teams' own."""
    return sorted({role for h in scenario.hospitals.values() for role in h.staff}
                  | {role for t in scenario.teams if t.dedicated for role in t.own_staff()})


def equipment_of(scenario: Scenario) -> list[str]:
    """Every equipment item of the scenario: the hospitals' and the teams'."""
    return sorted({item for h in scenario.hospitals.values() for item in h.equipment}
                  | {item for t in scenario.teams for item in t.equipment})


RESOURCE_COLUMNS = ("replication", "case_id", "case_created_min", "case_type", "cost", "ambulance_trips", "nicu_days",
                    "delivery_min", "urgency", "gestation_weeks")
"""The cases-table columns :func:`resource_kpis` reads (besides the outcome proxies' exposures)."""


def resource_kpis(scenario: Scenario, cases: pd.DataFrame, events: pd.DataFrame,
                  resources: pd.DataFrame, away: pd.DataFrame | None = None) -> dict[str, float]:
    """Per-year hours (:func:`sim.analysis.costs.hours_kpis`; ``away``, the staff away, when already worked
    out), costs when the scenario has rates, and outcome proxies, of one replication."""
    horizon, warmup = scenario.run.horizon_days * 1440.0, scenario.run.warmup_days * 1440.0
    roles = staff_roles_of(scenario)
    kept = counted_cases(cases, RESOURCE_COLUMNS, warmup, list(scenario.outcomes))
    out = hours_kpis(kept, events, resources, roles, equipment_of(scenario), horizon, warmup, away)
    years = observed_years(horizon, warmup)
    if scenario.costs is not None:
        outreach = float(kept.loc[kept["case_type"] == "outreach", "cost"].sum()) / years
        out.update(cost_kpis(out, scenario.costs, roles, outreach))
    out.update(outcome_kpis(kept, list(scenario.outcomes), years))
    return out


def replication_tables(scenario: Scenario, seed: int, replication: int) -> tuple[dict[str, pd.DataFrame], int]:
    """Run one replication and derive its tables; returns ``(tables, SimPy events)``."""
    out = simulate(scenario, seed, replication)
    horizon = scenario.run.horizon_days * 1440.0
    warmup = scenario.run.warmup_days * 1440.0
    events = events_frame(out.rows, replication)
    targets = {name: u.target_min for name, u in scenario.urgency.items()}
    staff_roles = staff_roles_of(scenario)
    cases, away = resource_use(cases_table(events, targets), events, staff_roles, horizon, scenario.costs)
    resources = resources_table(events, horizon, warmup)
    homes = [d.hospital for d in scenario.demand.home_streams]
    values = case_values(cases, list(scenario.urgency), warmup, home_urgencies(scenario), list(scenario.outcomes))
    kpis = replication_kpis(cases, resources, list(scenario.urgency), warmup, events, staff_roles,
                            home_urgencies(scenario), horizon, teams=[t.name for t in scenario.teams],
                            home_hospitals=homes, proxies=list(scenario.outcomes), values=values)
    kpis.update(resource_kpis(scenario, cases, events, resources, away))
    kpi_frame = pd.DataFrame([{"replication": replication, **kpis}])
    shares = share_counts(cases, list(scenario.urgency), warmup, homes).assign(replication=replication)
    unserved = unserved_requests(events, horizon, limit_table(scenario))
    return {"events": events, "cases": cases, "resources": resources, "unserved": unserved, "shares": shares,
            "values": values_table(values), **report_tables(events, cases, warmup, horizon),
            "kpis": kpi_frame}, out.sim_events


def run_batch(scenario: Scenario, seed: int, replications: tuple[int, ...], folder: str) -> BatchResult:
    """Task body (module level, so it pickles): run and store a batch of replications."""
    sim_events = rows = 0
    for rep in replications:
        tables, n = replication_tables(scenario, seed, rep)
        store.write_replication(Path(folder), rep, tables)
        sim_events += n
        rows += len(tables["events"])
    return BatchResult(tuple(replications), sim_events, rows)


def batches(todo: list[int], workers: int, max_size: int = 25) -> list[tuple[int, ...]]:
    """Split replications into tasks: about four per worker, at most ``max_size`` each."""
    if not todo:
        return []
    size = max(1, min(max_size, len(todo) // (4 * max(workers, 1)) or 1))
    return [tuple(todo[i:i + size]) for i in range(0, len(todo), size)]


_shared: list[tuple[tuple[str, int, str | None], tuple[Executor | None, int]]] = []
"""Executors kept open by :func:`shared_executor`, innermost last."""


@contextmanager
def shared_executor(engine: str, workers: int, scheduler: str | None) -> Iterator[None]:
    """Keep one executor open for every run inside the block that asks for the same one.

    A study runs many scenarios, a sequential run several rounds, a target
    search many trials; without this each would start its own worker
    processes or LocalCluster (a few seconds each, the imports of every
    worker included).  Results do not change: a task depends only on its
    scenario, seed and replications.
    """
    with executor(engine, workers, scheduler) as opened:
        _shared.append(((engine, workers, scheduler), opened))
        try:
            yield
        finally:
            _shared.pop()


@contextmanager
def executor(engine: str, workers: int, scheduler: str | None) -> Iterator[tuple[Executor | None, int]]:
    """``(executor, parallel slots)``; a ``None`` executor means this process (one local worker)."""
    if _shared and _shared[-1][0] == (engine, workers, scheduler):
        yield _shared[-1][1]  # opened, and closed, by shared_executor
    elif engine == "dask":
        from sim.experiment.dask_engine import dask_executor

        with dask_executor(workers, scheduler) as (pool, slots):
            yield pool, slots
    elif workers <= 1:
        yield None, 1
    else:
        context = multiprocessing.get_context("spawn")
        pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=ignore_interrupts)
        try:
            yield pool, workers
        except BaseException:
            stop_pool(pool)
            raise
        pool.shutdown(wait=True)


def submit(fn: Callable[..., Any], *args: Any) -> Future:
    """Run ``fn(*args)`` on the innermost :func:`shared_executor`'s pool (in this process, at once, when it
    has none)."""
    pool = _shared[-1][1][0] if _shared else None
    if pool is None:
        done: Future = Future()
        done.set_result(fn(*args))
        return done
    return pool.submit(fn, *args)


def ignore_interrupts() -> None:
    """Worker initialiser: Ctrl-C reaches every process of the terminal's group; only the
    driver handles it (and stops the workers), so workers print no tracebacks of their own."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stop_pool(pool: ProcessPoolExecutor) -> None:
    """Stop at once: cancel queued batches and end running ones.  A batch cut short leaves
    no finished replication behind (its ``kpis`` part, written last, is missing)."""
    processes = list((getattr(pool, "_processes", None) or {}).values())  # shutdown() forgets them
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        process.terminate()
    for process in processes:
        process.join(timeout=10)


def check_parts(folder: Path, todo: list[int]) -> None:
    """Every replication run must have left its parts in ``folder`` (seen from this process)."""
    missing = sorted(set(todo) - store.finished_replications(folder))
    if missing:
        raise InputError(f"{len(missing)} replication(s) left no results in {folder} (first: {missing[0]}); "
                         "with --engine dask the results folder must be on a filesystem shared by every worker")


def run_replications(scenario: Scenario, seed: int, replications: int, folder: Path, *, workers: int = 1,
                     engine: str = "local", scheduler: str | None = None, skip: set[int] | None = None,
                     progress: bool = True, label: str = "",
                     on_done: Callable[[tuple[int, ...]], None] | None = None) -> list[BatchResult]:
    """Run replications ``0..n-1`` (less ``skip``) and store their parts in ``folder``.

    ``on_done`` is called in this process with each batch's replications once their parts are written
    (while later batches still run: :class:`sim.store.PartsCombiner` combines them meanwhile).
    """
    todo = [r for r in range(replications) if r not in (skip or set())]
    bar = Progress(len(todo), label or scenario.name, enabled=progress)
    results: list[BatchResult] = []
    folder = Path(folder).resolve()  # workers elsewhere need the absolute path
    try:
        with executor(engine, workers, scheduler) as (pool, slots):
            if pool is None:
                for batch in batches(todo, 1):
                    results.append(run_batch(scenario, seed, batch, str(folder)))
                    bar.update(len(batch))
                    if on_done is not None:
                        on_done(batch)
            else:
                futures: list[Future] = [pool.submit(run_batch, scenario, seed, b, str(folder))
                                         for b in batches(todo, slots)]
                for fut in as_completed(futures):
                    result = fut.result()
                    results.append(result)
                    bar.update(len(result.replications))
                    if on_done is not None:
                        on_done(result.replications)
    finally:
        bar.close()
    check_parts(folder, todo)
    return results
