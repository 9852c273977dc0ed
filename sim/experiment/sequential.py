"""Add replications until every headline KPI meets the precision asked.

The confidence-interval method with a look-ahead, after Hoad, Robinson and
Davies (2010), "Automated selection of the number of replications for a
discrete-event simulation", Journal of the Operational Research Society
61(11):1632-1644: run ``n`` replications, compute each KPI's 95% CI; if a
relative half-width exceeds the precision, run more (the CI method's own
estimate ``n * (half-width / target)^2``, at most doubling ``n`` per round so
that an early, noisy estimate cannot overshoot far); once every KPI meets
it, confirm over ``lookahead`` further replications that it still does.
Replications already run are kept, so the result equals a plain run of the
final ``n`` replications.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sim import store
from sim.analysis.kpis import headline_for, measurable
from sim.analysis.precision import unmet
from sim.analysis.stats import pooled_shares, summarise
from sim.experiment.runner import BatchResult, run_replications, shared_executor
from sim.scenario.feasibility import pathways, streams
from sim.scenario.schema import Scenario

log = logging.getLogger(__name__)


@dataclass
class Sequence:
    """What the sequential procedure did: each round's ``n`` and the KPIs still short."""

    rounds: list[dict[str, Any]] = field(default_factory=list)
    results: list[BatchResult] = field(default_factory=list)
    met: bool = False

    @property
    def n(self) -> int:
        return self.rounds[-1]["n"] if self.rounds else 0


def next_n(n: int, short: list[float], max_n: int) -> int:
    """The next total: the largest CI-method estimate, at least ``n + 1``, at most ``2n`` and ``max_n``."""
    wanted = max([n + 1, *[int(x) for x in short if math.isfinite(x)]])
    return min(max_n, min(wanted, 2 * n))


def run_to_precision(scenario: Scenario, seed: int, n0: int, max_n: int, folder: Path, precision: float,
                     lookahead: int = 5, kpis: list[str] | None = None, **runner: Any) -> Sequence:
    """Run ``n0`` replications, then more until ``kpis`` meet ``precision`` (or ``max_n``).

    ``kpis`` defaults to the headline KPIs the scenario can give values to: those of the pathways its
    outreach cases take (:func:`sim.analysis.kpis.headline_for`), without the outreach KPIs when no
    outreach case occurs after the warm-up and without the home KPIs when there is no home emergency
    stream (:func:`sim.analysis.kpis.measurable`).  A KPI that cannot have a value would never meet the
    precision and would hold the run to ``max_n``; the ones left out are recorded in ``sequential.json``.
    """
    with shared_executor(runner.get("engine", "local"), runner.get("workers", 1), runner.get("scheduler")):
        headline = headline_for(pathways(scenario))
        judged = kpis or measurable(headline, *streams(scenario))
        seq = _rounds(scenario, seed, n0, max_n, folder, precision, lookahead, judged, runner)
        return _record(folder, seq, n0, max_n, precision, judged, [k for k in headline if k not in judged])


def _rounds(scenario: Scenario, seed: int, n0: int, max_n: int, folder: Path, precision: float, lookahead: int,
            kpis: list[str], runner: dict[str, Any]) -> Sequence:
    seq, n, confirm_at = Sequence(), min(n0, max_n), None
    while True:
        done = store.finished_replications(folder)
        seq.results += run_replications(scenario, seed, n, folder, skip=done, **runner)
        reps = store.read_kpis(folder, list(range(n)))
        shares = pooled_shares(store.read_parts(folder, "shares", list(range(n))))
        summary = summarise(reps[["replication", *[k for k in kpis if k in reps.columns]]], precision=precision,
                            shares=shares)
        short = unmet(summary, kpis)
        seq.rounds.append({"n": n, "unmet": list(short["kpi"])})
        log.info("sequential: n=%d, short of precision: %s", n, ", ".join(short["kpi"]) or "none")
        if short.empty:
            confirm_at = confirm_at or min(max_n, n + lookahead)
            if n >= confirm_at:
                seq.met = True
                return seq
            n = confirm_at
        else:
            confirm_at = None
            if n >= max_n:
                return seq
            n = next_n(n, list(short["replications_needed"]), max_n)


def _record(folder: Path, seq: Sequence, n0: int, max_n: int, precision: float, kpis: list[str],
            left_out: list[str]) -> Sequence:
    """Write ``sequential.json`` (the rounds, the KPIs judged and those left out) beside the results;
    return ``seq``."""
    store.write_json(folder, "sequential.json", {"method": "confidence-interval method (Hoad et al. 2010)",
                                                 "precision": precision, "initial": n0, "max": max_n,
                                                 "met": seq.met, "replications": seq.n, "kpis": kpis,
                                                 "left_out": left_out, "rounds": seq.rounds})
    return seq

