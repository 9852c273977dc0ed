"""The measurements behind docs/performance.md, "Regional scale, third round".

Usage (from the repository root, with the test extras installed)::

    python scripts/third_round_timings.py [pairs]
    python scripts/third_round_timings.py gc     # only 2, which also runs in a tree of an older commit

1. The plain-SimPy reference stepped with a ``peek`` and a ``step`` per event against SimPy's own
   ``env.run`` (``run_until``, as the model steps): median microseconds per event over ``pairs``
   interleaved runs (default 20).
2. Objects the cyclic garbage collector freed during one stress run (``gc.callbacks``).
3. A baseline year's case waits and replication KPIs (case values, KPIs, resource use): the kept copies
   of the earlier code (``tests/reference/old_waits.py``, ``tests/reference/old_kpis.py``) against the
   code in use, in turn, ``pairs`` times each; medians in milliseconds and their ratio.
"""

from __future__ import annotations

import gc
import math
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from sim.model import simulate  # noqa: E402
from sim.scenario import load_scenario  # noqa: E402


def peek_and_step(env) -> int:
    steps = 0
    while env.peek() < math.inf:
        env.step()
        steps += 1
    return steps


def cpu_s(fn: Callable[[], object]) -> float:
    start = time.process_time()
    fn()
    return time.process_time() - start


def reference_loops(pairs: int) -> None:
    from sim.bench import reference
    from sim.bench.core import count_stress, default_scenario
    from sim.model.run import run_until

    work, _ = count_stress(load_scenario(default_scenario("stress.yaml")))
    events = reference.run_to_end(reference.build(work))
    old: list[float] = []
    new: list[float] = []
    for _ in range(pairs):
        old.append(cpu_s(lambda: peek_and_step(reference.build(work))))
        new.append(cpu_s(lambda: run_until(reference.build(work), math.inf)))
    print(f"reference, {events:,} events: peek-and-step {statistics.median(old) / events * 1e6:.2f} us/event, "
          f"env.run {statistics.median(new) / events * 1e6:.2f} us/event")


def collected_in_a_stress_run() -> None:
    scenario = load_scenario(ROOT / "scenarios" / "stress.yaml")
    simulate(scenario, 20250708, 0)
    freed: list[int] = []

    def count(phase: str, info: dict) -> None:
        if phase == "stop":
            freed.append(info["collected"])

    gc.callbacks.append(count)
    try:
        simulate(scenario, 20250708, 0)
    finally:
        gc.callbacks.remove(count)
    print(f"stress run: {len(freed)} collections freed {sum(freed):,} objects")


def waits_and_kpis(pairs: int) -> None:
    from sim.analysis import attribution, costs, kpis, tables
    from sim.experiment.runner import home_urgencies, staff_roles_of
    from tests.reference import old_kpis, old_waits

    scenario = load_scenario(ROOT / "scenarios" / "baseline.yaml")
    rows = simulate(scenario, 20250708, 2).rows
    horizon, warmup = scenario.run.horizon_days * 1440.0, scenario.run.warmup_days * 1440.0
    events = tables.events_frame(rows, 2)
    cases = tables.cases_table(events, {u: v.target_min for u, v in scenario.urgency.items()})
    resources = tables.resources_table(events, horizon, warmup)
    roles, urgencies, homes = staff_roles_of(scenario), list(scenario.urgency), home_urgencies(scenario)
    extra = {"teams": [t.name for t in scenario.teams], "proxies": list(scenario.outcomes),
             "home_hospitals": [d.hospital for d in scenario.demand.home_streams]}

    def kpi_work(module) -> Callable[[], object]:
        def work() -> None:
            use = (costs if module is kpis else old_kpis).resource_use(cases, events, roles, horizon, scenario.costs)
            values = module.case_values(use[0], urgencies, warmup, homes, list(scenario.outcomes))
            module.replication_kpis(use[0], resources, urgencies, warmup, events, roles, homes, horizon, **extra)
            del values
        return work

    jobs = {"case waits": (lambda: old_waits.case_waits(events, cases, end_min=horizon),
                           lambda: attribution.case_waits(events, cases, end_min=horizon)),
            "KPIs (resource use, case values, replication KPIs)": (kpi_work(old_kpis), kpi_work(kpis))}
    for name, (old, new) in jobs.items():
        before, after = [], []
        for _ in range(pairs):
            before.append(cpu_s(old))
            after.append(cpu_s(new))
        b, a = statistics.median(before) * 1e3, statistics.median(after) * 1e3
        print(f"baseline year, {name}: {b:.1f} ms before, {a:.1f} ms after ({a / b:.2f} of before)")


if __name__ == "__main__":
    if sys.argv[1:] == ["gc"]:
        collected_in_a_stress_run()
    else:
        n = int(sys.argv[1]) if len(sys.argv) > 1 else 20
        reference_loops(n)
        collected_in_a_stress_run()
        waits_and_kpis(min(n, 10))
