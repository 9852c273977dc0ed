"""Microseconds of CPU per SimPy event at 1, 4 and 16 times the load, for the code on ``PYTHONPATH``.

Usage::

    PYTHONPATH=. python scripts/load_scaling.py [--repeats 3]

Two families of runs, seed 20250708, replication 0, each the median of
``--repeats`` timings of ``simulate`` (``time.process_time``):

* the stress scenario with its demand *and* every hospital's units times k
  (:func:`sim.scenario.scaling.load_overrides`), 3.5 days: the same
  utilisation with queues k times as long;
* the baseline with its demand alone times k, 30 days: overloaded from k = 4,
  so queues grow through the run.

Run it once per worktree to compare two versions of the code on the same
machine (docs/performance.md, "Regional scale").
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from sim.model import simulate
from sim.scenario import scenario_dict
from sim.scenario.load import load_scenario
from sim.scenario.scaling import load_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEED = 20250708


def loads() -> list[tuple[str, Path, list[str]]]:
    """``(label, scenario file, --set texts)`` of every run."""
    stress, baseline = SCENARIOS / "stress.yaml", SCENARIOS / "baseline.yaml"
    sd, bd = scenario_dict(load_scenario(stress)), scenario_dict(load_scenario(baseline))
    out = [(f"stress x{k}, 3.5 days", stress, [*load_overrides(sd, k), "run.horizon_days=3.5"]) for k in (1, 4, 16)]
    out += [(f"baseline demand x{k}, 30 days", baseline,
             [*(s for s in load_overrides(bd, k) if s.startswith("demand.")), "run.horizon_days=30"])
            for k in (1, 4, 16)]
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for label, path, sets in loads():
        scenario, per_event, events = load_scenario(path, sets), [], 0
        for _ in range(args.repeats):
            start = time.process_time()
            out = simulate(scenario, SEED, 0)
            per_event.append((time.process_time() - start) / out.sim_events * 1e6)
            events = out.sim_events
        print(f"{label:32s} {events:>9,} events  {statistics.median(per_event):8.2f} us/event")


if __name__ == "__main__":
    main()
