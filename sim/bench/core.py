"""``ihsim bench``: the model's cost per SimPy event against plain SimPy, its growth with load, and throughput.

Four measurements, in one process:

1. **Cost per event.**  The stress scenario runs for its fixed simulated time
   ``repeats`` times (10 by default); a counting run gives its number of cases,
   pool requests and timeouts, which size the plain-SimPy reference model
   (:mod:`sim.bench.reference`), run as often, alternating with the model's
   runs so that both see the same machine load.  Each run is timed in CPU
   seconds of this process (``time.process_time``), so that other work on a
   shared machine counts as little as it can.  Each pair of runs gives
   ``cost_ratio = (model seconds / model events) / (reference seconds /
   reference events)`` and ``work_ratio = model seconds / reference seconds``
   (the same numbers of requests and timeouts); the figures are the medians
   over the pairs, with their range and interquartile range.
2. **Load scaling.**  The stress scenario with its demand *and* every
   hospital's units times 1, 4 and 16 (the same utilisation,
   :func:`sim.scenario.scaling.load_overrides`), over a shorter simulated
   time (``load_days``, the same at every load), in turn in five rounds; in a
   round the load k runs 16 / k times (the same work at every load,
   :func:`load_scaling`); the median microseconds per SimPy event at each
   load, and ``scaling_16x``, their ratio at 16 times the load to once.
3. **Throughput.**  Baseline replications through the real pipeline (model,
   tables, parquet parts) on a warmed process pool of one and of two workers.
4. **Memory.**  Peak resident set size of this process and of the largest
   worker (``ru_maxrss`` of terminated children), in MiB.
"""

from __future__ import annotations

import collections
import logging
import multiprocessing
import os
import platform
import resource
import statistics
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
from sim.experiment.workload import Workload, expected_cases
from sim.model import clock, simulate
from sim.model.run import build_context, start_processes
from sim.scenario.load import scenario_dict, with_overrides
from sim.scenario.scaling import load_overrides
from sim.scenario.schema import Scenario

SEED = 20250708
REPEATS = 10
"""Pairs of model and reference runs by default."""
LOADS = (1, 4, 16)
"""Load factors of the scaling table (demand and units alike)."""
LOAD_DAYS = 3.5
"""Simulated days of each run of the scaling table."""
LOAD_REPEATS = 5
"""Runs of each load in the scaling table (the median counts)."""
SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
"""The repository's scenario folder, where ``stress.yaml`` and ``baseline.yaml`` ship."""
log = logging.getLogger(__name__)


def default_scenario(name: str) -> Path:
    """``scenarios/<name>`` under the working directory if it is there, else the repository's."""
    here = Path("scenarios") / name
    return here if here.is_file() else SCENARIOS / name


@dataclass(frozen=True)
class Timing:
    """The CPU time of a run and the SimPy events it processed."""

    events: int
    seconds: float

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds

    @property
    def us_per_event(self) -> float:
        return self.seconds / self.events * 1e6


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
    start = time.process_time()
    out = simulate(scenario, seed, 0)
    return Timing(out.sim_events, time.process_time() - start)


def time_reference(work: reference.Workload) -> Timing:
    start = time.process_time()
    events = reference.run_to_end(reference.build(work))
    return Timing(events, time.process_time() - start)


def interleaved(scenario: Scenario, work: reference.Workload, repeats: int) -> tuple[list[Timing], list[Timing]]:
    """``repeats`` runs of the model and of the reference, one of each in turn."""
    model: list[Timing] = []
    ref: list[Timing] = []
    for _ in range(repeats):
        model.append(time_model(scenario))
        ref.append(time_reference(work))
    return model, ref


def quartiles(values: list[float]) -> tuple[float, float, float]:
    """``(lower quartile, median, upper quartile)`` of ``values`` (at least one), by linear interpolation."""
    if len(values) == 1:
        return values[0], values[0], values[0]
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return q1, q2, q3


def scaled_load(scenario: Scenario, k: int, days: float) -> Scenario:
    """``scenario`` with its demand and every hospital's units times ``k``, run for ``days`` simulated days.

    Raises ScenarioError when a scaled value is out of its range.
    """
    return with_overrides(scenario, [*load_overrides(scenario_dict(scenario), k), f"run.horizon_days={days:g}"])


def load_scaling(variants: dict[int, Scenario], repeats: int = LOAD_REPEATS) -> dict[int, list[Timing]]:
    """Timings of each variant (load factor -> scenario, see :func:`scaled_load`), the variants in turn,
    ``repeats`` rounds: load factor -> one :class:`Timing` a round.

    In a round, the variant at load ``k`` runs ``max(variants) // k`` times and its runs are timed
    together (their events and seconds summed), so that every load does about the same work in a
    round: a short run at once the load, timed alone, moves by a third from one run to the next.
    """
    most = max(variants)
    runs: dict[int, list[Timing]] = {k: [] for k in variants}
    for _ in range(repeats):
        for k, variant in variants.items():
            timings = [time_model(variant) for _ in range(max(most // k, 1))]
            runs[k].append(Timing(sum(t.events for t in timings), sum(t.seconds for t in timings)))
    return runs


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
    """Every figure ``ihsim bench`` prints; ``as_dict`` is the JSON line.

    Ratios and seconds are medians over the ``repeats`` pairs of runs (each
    run's seconds in ``model_seconds_each`` and ``reference_seconds_each``);
    ``us_per_event_by_load`` maps a load factor (as text) to the median
    microseconds per SimPy event at that load.
    """

    cost_ratio: float
    cost_ratio_range: tuple[float, float]
    cost_ratio_iqr: tuple[float, float]
    work_ratio: float
    work_ratio_range: tuple[float, float]
    events_per_s: float
    reference_events_per_s: float
    model_events: int
    reference_events: int
    model_seconds: float
    reference_seconds: float
    model_seconds_each: list[float]
    reference_seconds_each: list[float]
    repeats: int
    workload: dict[str, Any]
    event_kinds: dict[str, int]
    us_per_event_by_load: dict[str, float]
    events_by_load: dict[str, int]
    scaling_16x: float
    load_days: float
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
        return {k: _rounded(v) for k, v in asdict(self).items()}


def _rounded(value: Any) -> Any:
    """Floats to 6 significant digits, inside lists, tuples and dicts too."""
    if isinstance(value, float):
        return float(f"{value:.6g}")
    if isinstance(value, (list, tuple)):
        return [_rounded(v) for v in value]
    if isinstance(value, dict):
        return {k: _rounded(v) for k, v in value.items()}
    return value


def bench_workload(stress: Scenario, baseline: Scenario, replications: int, repeats: int,
                   load_days: float) -> Workload:
    """The benchmark's simulated work: the counting run and ``repeats`` timed runs of ``stress``, the
    load-scaling runs (``stress`` at every load of :data:`LOADS` for ``load_days``) and ``replications``
    baseline replications on one and on two workers.

    Raises ScenarioError when ``stress`` cannot be scaled to the loads.
    """
    scaled = {k: scaled_load(stress, k, load_days) for k in LOADS}
    load_repeats, most = min(repeats, LOAD_REPEATS), max(LOADS)
    load_runs = sum(most // k for k in LOADS) * load_repeats  # see load_scaling
    load_cases = sum(expected_cases(sc) * (most // k) for k, sc in scaled.items()) * load_repeats
    cases = expected_cases(stress) * (repeats + 1) + load_cases + expected_cases(baseline) * replications * 2
    runs = repeats + 1 + load_runs + 2
    return Workload("bench", runs, repeats + 1 + load_runs + 2 * replications, cases)


def run_bench(stress: Scenario, baseline: Scenario, replications: int = 16, repeats: int = REPEATS,
              note: Callable[[str], None] = log.info, load_days: float = LOAD_DAYS) -> BenchResult:
    """Measure the cost per event on ``stress``, its growth with load, and the throughput on ``baseline``
    (see the module doc).

    ``note`` receives a line before each step (the CLI shows them on stderr).
    Raises ScenarioError when ``stress`` cannot be scaled to the loads.
    """
    variants = {k: scaled_load(stress, k, load_days) for k in LOADS}  # a bad scaling fails before the long runs
    note(f"counting the events of {stress.name!r} ({stress.run.horizon_days:g} simulated days)")
    work, kinds = count_stress(stress)
    note(f"timing the model and the plain-SimPy reference, {repeats} of each in turn")
    model, ref = interleaved(stress, work, repeats)
    costs = [m.us_per_event / r.us_per_event for m, r in zip(model, ref, strict=True)]
    works = [m.seconds / r.seconds for m, r in zip(model, ref, strict=True)]
    load_repeats = min(repeats, LOAD_REPEATS)
    note(f"load scaling: {stress.name!r} at x{', x'.join(map(str, LOADS))} demand and units, "
         f"{load_days:g} simulated days, {load_repeats} rounds, each of "
         f"{', '.join(f'{max(LOADS) // k} runs at x{k}' for k in LOADS)} (the same work at every load)")
    runs = load_scaling(variants, load_repeats)
    by_load = {k: statistics.median(t.us_per_event for t in timings) for k, timings in runs.items()}
    load_before = machine()
    note(f"throughput: {replications} replications of {baseline.name!r} on 1, then 2 worker processes")
    one = throughput(baseline, replications, 1)
    two = throughput(baseline, replications, 2)
    own, child = peak_rss_mib()
    q1, cost, q3 = quartiles(costs)
    model_s, ref_s = statistics.median(m.seconds for m in model), statistics.median(r.seconds for r in ref)
    return BenchResult(
        cost_ratio=cost, cost_ratio_range=(min(costs), max(costs)), cost_ratio_iqr=(q1, q3),
        work_ratio=statistics.median(works), work_ratio_range=(min(works), max(works)),
        events_per_s=model[0].events / model_s, reference_events_per_s=ref[0].events / ref_s,
        model_events=model[0].events, reference_events=ref[0].events,
        model_seconds=model_s, reference_seconds=ref_s,
        model_seconds_each=[m.seconds for m in model], reference_seconds_each=[r.seconds for r in ref],
        repeats=repeats, workload=asdict(work), event_kinds=kinds,
        us_per_event_by_load={str(k): v for k, v in by_load.items()},
        events_by_load={str(k): timings[0].events // max(max(LOADS) // k, 1) for k, timings in runs.items()},
        scaling_16x=by_load[16] / by_load[1], load_days=load_days,
        replications_per_s=one, replications_per_s_2_workers=two, speedup_2_workers=two / one,
        peak_rss_mib=max(own, child), driver_peak_rss_mib=own, worker_peak_rss_mib=child,
        stress_scenario=stress.name, baseline_scenario=baseline.name, replications=replications,
        machine={**load_before, "load_average_after": machine()["load_average"]},
    )


def format_result(result: BenchResult) -> list[str]:
    """The human-readable lines of ``ihsim bench``."""
    r, m = result, result.machine
    loads = ", ".join(f"x{k} {v:.2f}" for k, v in r.us_per_event_by_load.items())
    return [
        f"machine: {m['python']}, SimPy {m['simpy']}, {m['cpu_count']} cores, "
        f"load average {m['load_average'][0]:.2f} (after: {m['load_average_after'][0]:.2f})",
        f"model ({r.stress_scenario}):   {r.model_events:>9,} events in {r.model_seconds:6.3f} s = "
        f"{r.events_per_s:>9,.0f} events/s (median of {r.repeats}, CPU time)",
        f"plain SimPy reference: {r.reference_events:>9,} events in {r.reference_seconds:6.3f} s = "
        f"{r.reference_events_per_s:>9,.0f} events/s",
        f"cost_ratio (model s/event / reference s/event): {r.cost_ratio:.2f} median of {r.repeats} pairs "
        f"(range {r.cost_ratio_range[0]:.2f}-{r.cost_ratio_range[1]:.2f}, "
        f"IQR {r.cost_ratio_iqr[0]:.2f}-{r.cost_ratio_iqr[1]:.2f})",
        f"work_ratio (model s / reference s, same requests and timeouts): {r.work_ratio:.2f} "
        f"(range {r.work_ratio_range[0]:.2f}-{r.work_ratio_range[1]:.2f})",
        f"load scaling ({r.stress_scenario}, demand and units x k, {r.load_days:g} days), us per SimPy event: "
        f"{loads}; scaling_16x {r.scaling_16x:.2f}",
        f"throughput ({r.baseline_scenario}, {r.replications} replications): "
        f"{r.replications_per_s:.2f} rep/s on 1 worker, {r.replications_per_s_2_workers:.2f} on 2 "
        f"(speed-up {r.speedup_2_workers:.2f})",
        f"peak RSS: {r.peak_rss_mib:.0f} MiB (this process {r.driver_peak_rss_mib:.0f}, "
        f"largest worker {r.worker_peak_rss_mib:.0f})",
    ]
