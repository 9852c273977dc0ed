"""How big a piece of work is: said before it starts, refused beyond sane limits unless confirmed.

A run, a comparison, a sweep, a target search and a sensitivity study each
count their scenario runs, replications and expected cases (each scenario's
demand rates times its horizon, per replication, plus its scripted cases)
before anything runs.  Work beyond :data:`MAX_RUNS` scenario runs,
:data:`MAX_REPLICATIONS` replications a run or :data:`MAX_CASES` expected
cases, or more than :data:`WORKERS_PER_CPU`
local worker processes per CPU, is refused (:class:`~sim.errors.InputError`,
exit 2) with its size and the limit, unless ``--yes`` confirms it.  The
size of any work of more than :data:`SAY_CASES` cases or :data:`SAY_RUNS`
runs is logged as a warning (the command line prints it), smaller work's at
info level.
"""

from __future__ import annotations

import logging
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sim.errors import InputError
from sim.scenario.schema import Scenario

log = logging.getLogger("sim")
MAX_RUNS = 10_000
"""Most scenario runs one command makes without ``--yes`` (a 100 x 100 sweep)."""
MAX_CASES = 5_000_000
"""Most expected cases one command simulates without ``--yes`` (the baseline: about 3,000 a replication)."""
MAX_REPLICATIONS = 100_000
"""Most replications of one scenario run without ``--yes`` (each writes its own part files)."""
WORKERS_PER_CPU = 4
"""Most local worker processes per CPU without ``--yes`` (more only queue for the same cores)."""
SAY_RUNS, SAY_CASES = 100, 500_000
"""Work above either is long: its size is said as a warning before it starts."""


def expected_cases(scenario: Scenario) -> float:
    """Cases one replication of ``scenario`` is expected to hold: every stream's rate per day times the
    horizon (days), plus the scripted cases."""
    demand = scenario.demand
    rate = demand.outreach.rate_per_day + sum(home.rate_per_day for home in demand.home_streams)
    return rate * scenario.run.horizon_days + len(demand.outreach.scripted)


@dataclass(frozen=True)
class Workload:
    """A command's work: ``runs`` scenario runs, ``replications`` in all, ``cases`` expected in all."""

    what: str
    runs: int
    replications: int
    cases: float | None = None

    def __str__(self) -> str:
        cases = "" if self.cases is None else f", about {self.cases:,.0f} expected cases"
        return f"{self.what}: {_count(self.runs, 'scenario run')}, {_count(self.replications, 'replication')}{cases}"


def _count(n: int, noun: str) -> str:
    return f"{n:,} {noun}{'' if n == 1 else 's'}"


def workload(what: str, scenarios: Sequence[Scenario], replications: int, repeat: int = 1) -> Workload:
    """The work of running each of ``scenarios`` ``repeat`` times, ``replications`` replications each."""
    runs = len(scenarios) * repeat
    cases = sum(expected_cases(sc) for sc in scenarios) * replications * repeat
    return Workload(what, runs, runs * replications, cases)


def replications_asked(scenario: Scenario, opts: Any) -> int:
    """The most replications ``opts`` may run of ``scenario`` (``--max-replications`` is an upper bound)."""
    n = getattr(opts, "replications", None) or scenario.run.replications
    return max(n, getattr(opts, "max_replications", None) or 0)


SMALLER = "fewer values, replications or workers, a shorter horizon"
"""How to make a study smaller: the advice of :func:`check`'s refusal unless the command gives its own."""


def check(work: Workload, opts: Any, smaller: str = SMALLER) -> Workload:
    """Say ``work``'s size; :class:`InputError` with it, the limits it passes and how to make it ``smaller``,
    unless ``opts.allow_large``."""
    over = []
    if work.runs > MAX_RUNS:
        over.append(f"more than {MAX_RUNS:,} scenario runs")
    if work.replications > MAX_REPLICATIONS * max(work.runs, 1):
        over.append(f"more than {MAX_REPLICATIONS:,} replications a run")
    if work.cases is not None and not work.cases <= MAX_CASES:
        over.append(f"more than {MAX_CASES:,} expected cases")
    over += _workers_over(opts)
    if over and not getattr(opts, "allow_large", False):
        raise InputError(f"{work}: {' and '.join(over)}; add --yes to run it anyway, or make it smaller "
                         f"({smaller})")
    long = over or work.runs > SAY_RUNS or (work.cases or 0) > SAY_CASES
    log.log(logging.WARNING if long else logging.INFO, "%s", work)
    return work


def _workers_over(opts: Any) -> list[str]:
    """The workers limit, when ``opts`` asks for more local worker processes than it allows."""
    workers = getattr(opts, "workers", 1)
    remote = getattr(opts, "engine", "local") == "dask" and getattr(opts, "scheduler", None)
    most = WORKERS_PER_CPU * (os.cpu_count() or 1)
    if remote or workers <= most:
        return []
    return [f"--workers {workers} is more than {WORKERS_PER_CPU} per CPU ({most} on this machine)"]


def bisection_steps(span: float, tolerance: float) -> float:
    """Halvings of ``span`` until it is no wider than ``tolerance`` (infinity for an infinite ``span``)."""
    if not span > tolerance:
        return 0
    halvings = math.log2(span / tolerance)
    return math.ceil(halvings) if math.isfinite(halvings) else math.inf
