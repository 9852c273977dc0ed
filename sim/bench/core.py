"""``ihsim bench``: the model's cost per SimPy event against plain SimPy, and throughput.

Three measurements, in one process:

1. **Cost per event.**  The stress scenario runs for its fixed simulated time
   (best of ``repeats`` runs); a counting run gives its number of cases, pool
   requests and timeouts, which size the plain-SimPy reference model
   (:mod:`sim.bench.reference`), timed the same way and interleaved with the
   model's runs so that both see the same machine load.
   ``cost_ratio = (model seconds / model events) / (reference seconds /
   reference events)``; ``work_ratio`` compares the totals instead, for the
   same numbers of requests and timeouts.
2. **Throughput.**  Baseline replications through the real pipeline (model,
   tables, parquet parts) on a warmed process pool of one and of two workers.
3. **Memory.**  Peak resident set size of this process and of the largest
   worker (``ru_maxrss`` of terminated children), in MiB.
"""

from __future__ import annotations

import collections
import logging
import math
import multiprocessing
import os
import platform
import resource
import sys
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import simpy

from sim.bench import reference
from sim.experiment.runner import batches, run_batch
from sim.model import clock, simulate
from sim.model.run import build_context, start_processes
from sim.scenario.schema import Scenario

SEED = 20250708
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
"""The repository's scenario folder, where ``stress.yaml`` and ``baseline.yaml`` ship."""
log = logging.getLogger(__name__)


def default_scenario(name: str) -> Path:
    """``scenarios/<name>`` under the working directory if it is there, else the repository's."""
    here = Path("scenarios") / name
    return here if here.is_file() else SCENARIOS / name


@dataclass(frozen=True)
class Timing:
    """Best wall time of a run and the SimPy events it processed."""

    events: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def count_stress(scenario: Scenario, seed: int = SEED) -> tuple[reference.Workload, dict[str, int]]:
    """Run ``scenario`` once, counting processed SimPy events by type; returns the reference workload too."""
    ctx = build_context(scenario, seed, 0)
    start_processes(ctx)
    env, horizon = ctx.env, scenario.run.horizon_days * clock.MIN_PER_DAY
    kinds: collections.Counter[str] = collections.Counter()
    while env.peek() < horizon:
        kinds[type(env._queue[0][3]).__name__] += 1  # the event about to be processed
        env.step()
    rows = collections.Counter(row[2] for row in ctx.log.rows)
    work = reference.Workload(jobs=rows["case_created"], requests=rows["request"], timeouts=kinds["Timeout"],
                              horizon_min=horizon)
    return work, dict(kinds)


def time_model(scenario: Scenario, seed: int = SEED) -> Timing:
    start = time.perf_counter()
    out = simulate(scenario, seed, 0)
    return Timing(out.sim_events, time.perf_counter() - start)


def time_reference(work: reference.Workload) -> Timing:
    start = time.perf_counter()
    events = reference.run_to_end(reference.build(work))
    return Timing(events, time.perf_counter() - start)


def best_of(scenario: Scenario, work: reference.Workload, repeats: int) -> tuple[Timing, Timing]:
    """Fastest of ``repeats`` runs of the model and of the reference, interleaved."""
    model = ref = Timing(1, math.inf)
    for _ in range(repeats):
        model = min(model, time_model(scenario), key=lambda t: t.seconds)
        ref = min(ref, time_reference(work), key=lambda t: t.seconds)
    return model, ref


def _warm(pause_s: float) -> int:
    """Runs once in each worker before timing: imports are done, and the pause makes every worker take one."""
    time.sleep(pause_s)
    return os.getpid()


def throughput(scenario: Scenario, replications: int, workers: int, seed: int = SEED) -> float:
    """Replications per second through the real pipeline on a warmed pool of ``workers`` processes."""
    context = multiprocessing.get_context("spawn")
    with tempfile.TemporaryDirectory(prefix="ihsim-bench-") as folder, \
            ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        list(pool.map(_warm, [0.5] * workers))
        start = time.perf_counter()
        tasks = batches(list(range(replications)), workers)
        futures = [pool.submit(run_batch, scenario, seed, batch, folder) for batch in tasks]
        for fut in futures:
            fut.result()
        return replications / (time.perf_counter() - start)


def peak_rss_mib() -> tuple[float, float]:
    """``(this process, largest finished child)`` peak resident set sizes in MiB (Linux reports KiB)."""
    scale = 1024 * 1024 if sys.platform == "darwin" else 1024
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * scale
    return own / 2**20, children / 2**20


def machine() -> dict[str, Any]:
    """What the figures depend on: interpreter, SimPy, cores and the load when measured."""
    return {"python": platform.python_implementation() + " " + platform.python_version(),
            "simpy": simpy.__version__, "cpu_count": os.cpu_count(),
            "load_average": [round(x, 2) for x in os.getloadavg()]}


@dataclass(frozen=True)
class BenchResult:
    """Every figure ``ihsim bench`` prints; ``as_dict`` is the JSON line."""

    cost_ratio: float
    work_ratio: float
    events_per_s: float
    reference_events_per_s: float
    model_events: int
    reference_events: int
    model_seconds: float
    reference_seconds: float
    workload: dict[str, Any]
    event_kinds: dict[str, int]
    replications_per_s: float
    replications_per_s_2_workers: float
    speedup_2_workers: float
    peak_rss_mib: float
    driver_peak_rss_mib: float
    worker_peak_rss_mib: float
    stress_scenario: str
    baseline_scenario: str
    replications: int
    machine: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {k: float(f"{v:.6g}") if isinstance(v, float) else v for k, v in asdict(self).items()}


def run_bench(stress: Scenario, baseline: Scenario, replications: int = 16, repeats: int = 3,
              note: Callable[[str], None] = log.info) -> BenchResult:
    """Measure the cost per event on ``stress`` and the throughput on ``baseline`` (see the module doc).

    ``note`` receives a line before each step (the CLI shows them on stderr).
    """
    note(f"counting the events of {stress.name!r} ({stress.run.horizon_days:g} simulated days)")
    work, kinds = count_stress(stress)
    note(f"timing the model and the plain-SimPy reference, best of {repeats}")
    model, ref = best_of(stress, work, repeats)
    load_before = machine()
    note(f"throughput: {replications} replications of {baseline.name!r} on 1, then 2 worker processes")
    one = throughput(baseline, replications, 1)
    two = throughput(baseline, replications, 2)
    own, child = peak_rss_mib()
    return BenchResult(
        cost_ratio=(model.seconds / model.events) / (ref.seconds / ref.events),
        work_ratio=model.seconds / ref.seconds,
        events_per_s=model.events_per_s, reference_events_per_s=ref.events_per_s,
        model_events=model.events, reference_events=ref.events,
        model_seconds=model.seconds, reference_seconds=ref.seconds,
        workload=asdict(work), event_kinds=kinds,
        replications_per_s=one, replications_per_s_2_workers=two, speedup_2_workers=two / one,
        peak_rss_mib=max(own, child), driver_peak_rss_mib=own, worker_peak_rss_mib=child,
        stress_scenario=stress.name, baseline_scenario=baseline.name, replications=replications,
        machine={**load_before, "load_average_after": machine()["load_average"]},
    )


def format_result(result: BenchResult) -> list[str]:
    """The human-readable lines of ``ihsim bench``."""
    r, m = result, result.machine
    return [
        f"machine: {m['python']}, SimPy {m['simpy']}, {m['cpu_count']} cores, "
        f"load average {m['load_average'][0]:.2f} (after: {m['load_average_after'][0]:.2f})",
        f"model ({r.stress_scenario}):   {r.model_events:>9,} events in {r.model_seconds:6.3f} s = "
        f"{r.events_per_s:>9,.0f} events/s",
        f"plain SimPy reference: {r.reference_events:>9,} events in {r.reference_seconds:6.3f} s = "
        f"{r.reference_events_per_s:>9,.0f} events/s",
        f"cost_ratio (model s/event / reference s/event): {r.cost_ratio:.2f}",
        f"work_ratio (model s / reference s, same requests and timeouts): {r.work_ratio:.2f}",
        f"throughput ({r.baseline_scenario}, {r.replications} replications): "
        f"{r.replications_per_s:.2f} rep/s on 1 worker, {r.replications_per_s_2_workers:.2f} on 2 "
        f"(speed-up {r.speedup_2_workers:.2f})",
        f"peak RSS: {r.peak_rss_mib:.0f} MiB (this process {r.driver_peak_rss_mib:.0f}, "
        f"largest worker {r.worker_peak_rss_mib:.0f})",
    ]
