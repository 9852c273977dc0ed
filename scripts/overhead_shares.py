"""Where the model's time goes: the figures quoted in docs/performance.md.

Usage::

    python scripts/overhead_shares.py [--repeats 5]

Prints, for the stress scenario (seed 20250708, replication 0), best of
``--repeats`` runs each:

- the plain run;
- the run with every inverse-CDF draw replayed from a recording of the same
  run (same values, same event log), so the difference is the cost of
  sampling;
- the run with event-log rows dropped (the broker's and the steps'), so the
  difference is the cost of logging;

and, for scale, bare SimPy on this interpreter: events per second of a
process doing nothing but timeouts, and microseconds per request-hold-release
step on one ``simpy.Resource``.
"""

from __future__ import annotations

import argparse
import itertools
import time
from collections.abc import Callable
from pathlib import Path

import simpy

from sim.model import eventlog, resources, simulate
from sim.scenario import distributions, load_scenario

SEED = 20250708
STRESS = Path(__file__).resolve().parents[1] / "scenarios" / "stress.yaml"
SAMPLED = (distributions.LogNormal, distributions.Gamma, distributions.Triangular, distributions.Uniform,
           distributions.Exponential, distributions.Empirical)


def best(run: Callable[[], object], repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def replayed_draws(run: Callable[[], object], repeats: int) -> tuple[int, float]:
    """``(draws, best seconds)`` with every ``ppf`` answered from a recording of the same run."""
    originals = {cls: cls.ppf for cls in SAMPLED}
    tape: list[float] = []
    try:
        for cls in SAMPLED:
            cls.ppf = lambda self, u, f=originals[cls]: tape.append(f(self, u)) or tape[-1]  # type: ignore[method-assign]
        recorded = run()
        position = itertools.count()
        for cls in SAMPLED:
            cls.ppf = lambda self, u: tape[next(position)]  # type: ignore[method-assign]
        if run() != recorded:
            raise AssertionError("the replayed run differs from the recorded one")
        times = []
        for _ in range(repeats):
            position = itertools.count()
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return len(tape), min(times)
    finally:
        for cls, ppf in originals.items():
            cls.ppf = ppf  # type: ignore[method-assign]


def without_log(run: Callable[[], object], repeats: int) -> float:
    """Best seconds with no event-log row kept."""
    record, init = eventlog.EventLog.record, resources.Broker.__init__

    def quiet_init(self: resources.Broker, *args: object, **kwargs: object) -> None:
        init(self, *args, **kwargs)  # type: ignore[arg-type]
        self._append = lambda row: None

    try:
        eventlog.EventLog.record = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
        resources.Broker.__init__ = quiet_init  # type: ignore[method-assign]
        return best(run, repeats)
    finally:
        eventlog.EventLog.record, resources.Broker.__init__ = record, init  # type: ignore[method-assign]


def bare_timeouts_per_s(n: int = 200_000) -> float:
    env = simpy.Environment()

    def tick() -> simpy.events.ProcessGenerator:
        for _ in range(n):
            yield env.timeout(1)

    env.process(tick())
    start = time.perf_counter()
    env.run()
    return n / (time.perf_counter() - start)


def resource_step_us(n: int = 50_000) -> float:
    env = simpy.Environment()
    pool = simpy.Resource(env, 1)

    def job() -> simpy.events.ProcessGenerator:
        for _ in range(n):
            request = pool.request()
            yield request
            yield env.timeout(1)
            pool.release(request)

    env.process(job())
    start = time.perf_counter()
    env.run()
    return (time.perf_counter() - start) / n * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=5)
    repeats = parser.parse_args().repeats
    scenario = load_scenario(STRESS)

    def run() -> object:
        return simulate(scenario, SEED, 0)

    run()  # warm caches and imports
    plain = best(run, repeats)
    draws, replayed = replayed_draws(run, repeats)
    quiet = without_log(run, repeats)
    print(f"stress run: {plain:.3f} s")
    print(f"sampling: {draws:,} draws, {plain - replayed:.3f} s ({100 * (plain - replayed) / plain:.0f}% of the run, "
          f"{(plain - replayed) / draws * 1e6:.1f} µs a draw)")
    print(f"event log: {plain - quiet:.3f} s ({100 * (plain - quiet) / plain:.0f}% of the run)")
    print(f"bare SimPy timeouts: {max(bare_timeouts_per_s() for _ in range(3)):,.0f} events/s")
    print(f"one-resource request-hold-release step: {min(resource_step_us() for _ in range(3)):.1f} µs")


if __name__ == "__main__":
    main()
