"""Measure the false-alarm rate of ``ihsim regress``'s statistical mode.

Runs a pool of replications of one scenario, keeping only each replication's
KPI row (no results folder).  Replication ``r`` draws every random number from
streams keyed by (seed, r), so two disjoint sets of replications are
independent samples exactly as two runs with different seeds would be.  Each
of ``pairs`` checks takes two disjoint sets of ``per_run`` replications:
consecutive blocks when the pool holds ``pairs * 2 * per_run`` replications
(the default; every check independent), otherwise a random disjoint split of
the pool (seeded; checks then share replications, so the rate is less
precise than a binomial count suggests).  Each pair is checked with the
statistical rule (Welch's t, Holm across KPIs, practical tolerance); any
regression found is a false alarm, because both sets come from one scenario.

Usage::

    python scripts/false_alarm_rate.py [--scenario scenarios/baseline.yaml]
        [--set run.horizon_days=90] [--pairs 100] [--per-run 20] [--workers 2]
        [--alpha 0.05] [--tolerance 0.05] [--pool N] [--save kpis.csv]
"""

from __future__ import annotations

import argparse
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from functools import partial

import numpy as np
import pandas as pd

from sim.analysis.regress import Rule, regressions, statistical_verdicts
from sim.experiment.runner import replication_tables
from sim.scenario import load_scenario


def kpi_rows(scenario, seed: int, reps: list[int]) -> pd.DataFrame:
    """KPI rows of the given replications (run in a worker)."""
    return pd.concat([replication_tables(scenario, seed, r)[0]["kpis"] for r in reps], ignore_index=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenario", default="scenarios/baseline.yaml")
    parser.add_argument("--set", dest="overrides", action="append", default=["run.horizon_days=90"])
    parser.add_argument("--pairs", type=int, default=100)
    parser.add_argument("--per-run", type=int, default=20)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--alpha", type=float, default=0.05)
    parser.add_argument("--tolerance", type=float, default=0.05)
    parser.add_argument("--pool", type=int, default=None, help="replications to run (default pairs*2*per-run)")
    parser.add_argument("--save", default=None, help="write the KPI rows to this CSV")
    args = parser.parse_args()
    scenario = load_scenario(args.scenario, args.overrides)
    blocks = args.pairs * 2 * args.per_run
    total = args.pool or blocks
    chunks = [list(range(i, min(i + 50, total))) for i in range(0, total, 50)]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(args.workers, mp_context=context) as pool:
        rows = pd.concat(pool.map(partial(kpi_rows, scenario, scenario.run.seed), chunks), ignore_index=True)
    if args.save:
        rows.to_csv(args.save, index=False)
    rows = rows.sort_values("replication", ignore_index=True)
    rule, alarms, flagged, rng = Rule(args.alpha, args.tolerance), 0, {}, np.random.default_rng(20250708)
    for k in range(args.pairs):
        if total >= blocks:
            idx = np.arange(2 * k * args.per_run, (2 * k + 2) * args.per_run)
        else:
            idx = rng.choice(total, 2 * args.per_run, replace=False)
        a, b = rows.iloc[idx[:args.per_run]], rows.iloc[idx[args.per_run:]]
        verdicts = statistical_verdicts(a.reset_index(drop=True), b.reset_index(drop=True), rule)
        if regressions(verdicts):
            alarms += 1
            for kpi in verdicts.loc[verdicts["verdict"] == "regressed", "kpi"]:
                flagged[kpi] = flagged.get(kpi, 0) + 1
    print(f"{args.pairs} pairs of {args.per_run}-replication runs from {total} replications "
          f"({' '.join(args.overrides)}): "
          f"{alarms} false alarms, rate {alarms / args.pairs:.3f} (alpha {args.alpha}, tolerance {args.tolerance})")
    print(f"KPIs flagged: {flagged or 'none'}")


if __name__ == "__main__":
    main()
