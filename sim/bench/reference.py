"""A plain-SimPy reference model: the floor the model's cost is measured against.

It does what a textbook SimPy model does, with no event log, no broker and no
domain code: jobs arrive, and each job goes through a series of steps; a step
requests one or more ``simpy.Resource`` units one at a time (in a fixed
order, so it cannot deadlock), holds them for an exponential time and
releases them.  :class:`Workload` sizes it to match a model run: as many jobs
as cases, as many resource requests as the model made pool requests, and as
many timeouts as the model processed.
"""

from __future__ import annotations

import math
import random
from collections.abc import Generator
from dataclasses import dataclass

import simpy

from sim.model.run import run_until

RESOURCES = 16
CAPACITY = 4
UTILISATION = 0.7  # mean busy share of every resource, so that some requests queue


@dataclass(frozen=True)
class Workload:
    """What the reference must do: counts taken from one model run."""

    jobs: int  # arrivals (one timeout each)
    requests: int  # resource requests, each released later
    timeouts: int  # timeouts in all, arrivals included
    horizon_min: float  # span over which jobs arrive (minutes)


def plan_steps(work: Workload) -> list[list[int]]:
    """Per job, the number of resources each of its steps requests (0: a plain delay).

    Every step ends with one timeout, so there are ``timeouts - jobs`` steps;
    requests are spread over them as evenly as possible.
    """
    steps = max(work.timeouts - work.jobs, 1)
    per_step = [work.requests // steps + (i < work.requests % steps) for i in range(steps)]
    plans: list[list[int]] = [[] for _ in range(max(work.jobs, 1))]
    for i, k in enumerate(per_step):
        plans[i % len(plans)].append(k)
    return plans


def _job(env: simpy.Environment, rng: random.Random, pools: list[simpy.Resource], plan: list[int],
         hold_min: float) -> Generator:
    for k in plan:
        chosen = sorted(rng.sample(range(len(pools)), min(k, len(pools))))
        held = []
        for i in chosen:
            req = pools[i].request()
            yield req
            held.append((pools[i], req))
        yield env.timeout(rng.expovariate(1 / hold_min))
        for pool, req in held:
            pool.release(req)


def _source(env: simpy.Environment, rng: random.Random, pools: list[simpy.Resource], plans: list[list[int]],
            gap_min: float, hold_min: float) -> Generator:
    for plan in plans:
        yield env.timeout(rng.expovariate(1 / gap_min))
        env.process(_job(env, rng, pools, plan, hold_min))


def build(work: Workload, seed: int = 0) -> simpy.Environment:
    """An environment with the reference model's processes started, ready to run."""
    env, rng = simpy.Environment(), random.Random(seed)
    pools = [simpy.Resource(env, CAPACITY) for _ in range(RESOURCES)]
    plans = plan_steps(work)
    hold_min = UTILISATION * RESOURCES * CAPACITY * work.horizon_min / max(work.requests, 1)
    env.process(_source(env, rng, pools, plans, work.horizon_min / len(plans), hold_min))
    return env


def run_to_end(env: simpy.Environment) -> int:
    """Process every event; returns how many there were.

    The same loop as the model's (:func:`sim.model.run.run_until`, SimPy's own
    ``env.run``), so that the ratio compares the work done per event, not two
    ways of stepping.
    """
    return run_until(env, math.inf)
