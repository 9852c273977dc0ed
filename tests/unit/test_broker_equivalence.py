"""The indexed broker decides exactly as a plain scan of the whole queue would.

``ScanBroker`` below is the straightforward algorithm the broker's docstring
promises: after every change, look at every waiting request in (priority,
arrival) order, grant those that fit and call in staff for the others.  The
real :class:`~sim.model.resources.Broker` looks only at requests that a change
could affect; on random workloads (several pools, priorities, partial
releases, shift changes that cut capacity, on-call staff) both must write the
same event log, row for row.
"""

from __future__ import annotations

import bisect
import itertools
import random
from collections.abc import Callable

import pytest
import simpy

from sim.model.eventlog import EventLog
from sim.model.resources import Broker, Grant, Pool


class ScanBroker:
    """Reference: scans the whole queue after every change (cost grows with the queue)."""

    def __init__(self, env: simpy.Environment, log: EventLog, pools: list[Pool], fifo: bool = False):
        self.env, self.log, self.pools, self.fifo = env, log, pools, fifo
        self.waiting: list[Grant] = []
        self._seq = itertools.count()

    def set_shift(self, shift: str) -> None:
        for pool in self.pools:
            cap = pool.roster.get(shift, 0)
            if cap != pool.capacity or self.env.now == 0:
                pool.capacity = cap
                self.log.record(-1, self.env.now, "capacity", pool.hospital, pool.name, cap)
        self._serve()

    def request(self, need: dict[Pool, int], priority: int, case_id: int) -> Grant:
        need = {p: n for p, n in need.items() if n > 0}
        grant = Grant(need, 0 if self.fifo else priority, next(self._seq), case_id, self.env.event())
        for pool, n in need.items():
            self.log.record(case_id, self.env.now, "request", pool.hospital, pool.name, n)
        if not self.waiting and self._fits(need):
            self._take(grant)
        else:
            bisect.insort(self.waiting, grant)
            self._serve()
        return grant

    def release(self, grant: Grant, part: dict[Pool, int] | None = None) -> None:
        for pool, n in (dict(grant.held) if part is None else part).items():
            n = min(n, grant.held.get(pool, 0))
            if n:
                pool.busy -= n
                grant.held[pool] -= n
                if not grant.held[pool]:
                    del grant.held[pool]
                self.log.record(grant.case_id, self.env.now, "release", pool.hospital, pool.name, n)
        self._serve()
        self._send_home()

    @staticmethod
    def _fits(need: dict[Pool, int]) -> bool:
        return all(pool.free >= n for pool, n in need.items())

    def _take(self, grant: Grant) -> None:
        for pool, n in grant.need.items():
            pool.busy += n
            self.log.record(grant.case_id, self.env.now, "acquire", pool.hospital, pool.name, n)
        grant.held = dict(grant.need)
        grant.event.succeed(grant)

    def _serve(self) -> None:
        still: list[Grant] = []
        for grant in self.waiting:
            if self._fits(grant.need):
                self._take(grant)
            else:
                self._call_in_for(grant, still)
                still.append(grant)
        self.waiting = still

    def _call_in_for(self, grant: Grant, ahead: list[Grant]) -> None:
        for pool, n in grant.need.items():
            claimed = sum(g.need.get(pool, 0) for g in ahead)
            for _ in range(max(min(claimed + n - pool.free - pool.calling, pool.on_call_left), 0)):
                pool.calling += 1
                self.log.record(grant.case_id, self.env.now, "call_in", pool.hospital, pool.name, 1)
                self.env.process(self._arrive(pool, grant.case_id))

    def _arrive(self, pool: Pool, case_id: int):
        yield self.env.timeout(pool.call_in_delay())
        pool.calling -= 1
        pool.called_in += 1
        self.log.record(case_id, self.env.now, "call_in_arrival", pool.hospital, pool.name, 1)
        self._serve()
        self._send_home()

    def _send_home(self) -> None:
        wanted = {pool for grant in self.waiting for pool in grant.need}
        for pool in self.pools:
            while pool.on_call and pool.called_in and pool.free > 0 and pool not in wanted:
                pool.called_in -= 1
                self.log.record(-1, self.env.now, "call_in_home", pool.hospital, pool.name, 1)


def make_pools(rng: random.Random, delay: Callable[[], float]) -> list[Pool]:
    pools = []
    for i in range(rng.randint(2, 6)):
        day = rng.randint(0, 4)
        roster = {"day": day, "night": rng.randint(0, day), "weekend": rng.randint(0, day)}
        on_call = rng.choice([0, 0, 1, 2, 3])
        pools.append(Pool("H", f"p{i}", roster, on_call, delay if on_call else None))
    return pools


def run_world(broker_class: type, seed: int, fifo: bool) -> list[tuple]:
    """A random workload on ``broker_class``; returns its event log."""
    rng, delays = random.Random(seed), random.Random(seed + 1)
    env, log = simpy.Environment(), EventLog()
    pools = make_pools(rng, lambda: delays.uniform(5, 40))
    broker = broker_class(env, log, pools, fifo=fifo)
    broker.set_shift("day")

    def roster():
        for shift in itertools.cycle(["night", "day", "weekend", "night"]):
            yield env.timeout(rng.uniform(20, 120))
            broker.set_shift(shift)

    def case(case_id: int, start: float, need: dict[Pool, int], priority: int, holds: tuple[float, float]):
        yield env.timeout(start)
        grant = broker.request(need, priority, case_id)
        yield grant.event
        yield env.timeout(holds[0])
        broker.release(grant, {p: n // 2 for p, n in need.items()})
        yield env.timeout(holds[1])
        broker.release(grant)

    env.process(roster())
    for case_id in range(rng.randint(20, 120)):
        chosen = rng.sample(pools, rng.randint(1, len(pools)))
        need = {p: rng.randint(0, max(p.roster.values()) or 1) for p in chosen}
        holds = (rng.expovariate(1 / 20), rng.expovariate(1 / 20))
        env.process(case(case_id, rng.uniform(0, 600), need, rng.randint(0, 3), holds))
    env.run(until=2000)
    return log.rows


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_indexed_broker_writes_the_same_log_as_a_full_scan(seed: int) -> None:
    fifo = seed % 4 == 0
    assert run_world(Broker, seed, fifo) == run_world(ScanBroker, seed, fifo)


def test_the_random_worlds_exercise_queues_call_ins_and_capacity_cuts() -> None:
    """Guard against a vacuous comparison: most worlds queue, call staff in and cut capacity."""
    queued = called = cut = 0
    for seed in SEEDS:
        rows = run_world(ScanBroker, seed, False)
        asked = {r[0]: r[1] for r in rows if r[2] == "request"}
        queued += any(r[1] > asked[r[0]] for r in rows if r[2] == "acquire")
        called += any(r[2] == "call_in" for r in rows)
        caps: dict[str, list[float]] = {}
        for r in rows:
            if r[2] == "capacity":
                caps.setdefault(r[4], []).append(r[5])
        cut += any(b < a for values in caps.values() for a, b in itertools.pairwise(values))
    assert queued >= 0.8 * len(SEEDS)
    assert called >= 0.3 * len(SEEDS)
    assert cut >= 0.5 * len(SEEDS)
