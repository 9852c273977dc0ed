"""The all-or-nothing resource broker on a bare SimPy environment."""

from __future__ import annotations

import random

import simpy

from sim.model.eventlog import EventLog
from sim.model.resources import Broker, Pool


class World:
    """A bare environment with one hospital's pools and a broker, and helpers to drive them."""

    def __init__(self, capacities: dict[str, int], on_call: dict[str, int] | None = None,
                 call_in_min: float = 30.0, fifo: bool = False):
        self.env = simpy.Environment()
        self.log = EventLog()
        on_call = on_call or {}
        self.pools = {
            name: Pool("H", name, dict.fromkeys(("day", "night", "weekend"), cap), on_call.get(name, 0),
                       (lambda: call_in_min) if on_call.get(name) else None)
            for name, cap in capacities.items()
        }
        self.broker = Broker(self.env, self.log, list(self.pools.values()), fifo=fifo)
        self.broker.set_shift("day")
        self.granted: dict[int, float] = {}

    def need(self, counts: dict[str, int]) -> dict[Pool, int]:
        return {self.pools[name]: n for name, n in counts.items()}

    def use(self, case_id: int, counts: dict[str, int], start: float, hold: float, priority: int = 0) -> None:
        """Start a process that asks for ``counts`` at ``start`` and holds them for ``hold`` minutes."""

        def proc():
            yield self.env.timeout(start)
            grant = self.broker.request(self.need(counts), priority, case_id)
            yield grant.event
            self.granted[case_id] = self.env.now
            yield self.env.timeout(hold)
            self.broker.release(grant)

        self.env.process(proc())

    def events(self, name: str) -> list[tuple]:
        return [row for row in self.log.rows if row[2] == name]


def test_a_waiting_request_holds_nothing():
    w = World({"A": 1, "B": 1})
    w.use(1, {"B": 1}, start=0, hold=10)
    w.use(2, {"A": 1, "B": 1}, start=1, hold=5)
    seen = []

    def look():
        yield w.env.timeout(5)
        seen.append((w.pools["A"].busy, w.pools["B"].busy))

    w.env.process(look())
    w.env.run()
    assert seen == [(0, 1)]
    assert w.granted[2] == 10
    assert {(row[0], row[1]) for row in w.events("acquire") if row[0] == 2} == {(2, 10.0)}


def test_a_later_request_that_fits_is_served_while_a_larger_one_waits():
    w = World({"A": 1, "B": 1})
    w.use(1, {"B": 1}, start=0, hold=10)
    w.use(2, {"A": 1, "B": 1}, start=1, hold=5)
    w.use(3, {"A": 1}, start=2, hold=3)
    w.env.run()
    assert w.granted == {1: 0, 3: 2, 2: 10}


def test_random_multi_pool_requests_never_deadlock_or_exceed_capacity():
    rng = random.Random(5)
    caps = {"A": 2, "B": 1, "C": 3}
    w = World(caps)
    for case in range(60):
        counts = {p: rng.randint(1, caps[p]) for p in rng.sample(sorted(caps), rng.randint(1, 3))}
        w.use(case, counts, start=rng.uniform(0, 100), hold=rng.expovariate(1 / 15), priority=rng.randint(0, 2))
    busy = dict.fromkeys(caps, 0)
    w.env.run()
    for _, _, event, _, pool, n, _ in w.log.rows:
        if event in ("acquire", "release"):
            busy[pool] += n if event == "acquire" else -n
            assert 0 <= busy[pool] <= caps[pool]
    assert len(w.granted) == 60
    assert all(p.busy == 0 for p in w.pools.values())


def test_waiting_requests_are_served_by_priority_then_arrival():
    w = World({"A": 1})
    w.use(1, {"A": 1}, start=0, hold=10)
    w.use(2, {"A": 1}, start=1, hold=1, priority=2)
    w.use(3, {"A": 1}, start=2, hold=1, priority=0)
    w.use(4, {"A": 1}, start=3, hold=1, priority=0)
    w.env.run()
    assert w.granted == {1: 0, 3: 10, 4: 11, 2: 12}


def test_fifo_dispatch_ignores_priority():
    w = World({"A": 1}, fifo=True)
    w.use(1, {"A": 1}, start=0, hold=10)
    w.use(2, {"A": 1}, start=1, hold=1, priority=2)
    w.use(3, {"A": 1}, start=2, hold=1, priority=0)
    w.env.run()
    assert w.granted == {1: 0, 2: 10, 3: 11}


def test_on_call_staff_arrive_after_the_call_in_delay_and_go_home_after():
    w = World({"S": 0}, on_call={"S": 1}, call_in_min=30)
    w.use(1, {"S": 1}, start=5, hold=10)
    w.env.run()
    assert w.granted == {1: 35}
    assert [(row[1], row[2]) for row in w.log.rows if row[2].startswith("call_in")] == [
        (5, "call_in"), (35, "call_in_arrival"), (45, "call_in_home")]
    assert w.pools["S"].called_in == 0


def test_on_duty_staff_are_used_before_anyone_is_called():
    w = World({"S": 1}, on_call={"S": 1})
    w.use(1, {"S": 1}, start=0, hold=10)
    w.env.run()
    assert w.granted == {1: 0}
    assert not w.events("call_in")


def test_with_on_call_exhausted_a_request_waits_for_a_release():
    w = World({"S": 0}, on_call={"S": 1}, call_in_min=30)
    w.use(1, {"S": 1}, start=0, hold=100)
    w.use(2, {"S": 1}, start=0, hold=10)
    w.env.run()
    assert w.granted == {1: 30, 2: 130}
    assert len(w.events("call_in")) == 1


def test_two_waiting_requests_call_in_two_people_at_once():
    w = World({"S": 0}, on_call={"S": 2}, call_in_min=30)
    w.use(1, {"S": 1}, start=0, hold=100)
    w.use(2, {"S": 1}, start=0, hold=100)
    w.env.run()
    assert w.granted == {1: 30, 2: 30}


def test_partial_release_returns_only_the_part_and_serves_waiters():
    w = World({"A": 2, "B": 1})
    grant = w.broker.request(w.need({"A": 2, "B": 1}), 0, 1)
    waiter = w.broker.request(w.need({"A": 1}), 0, 2)
    assert grant.event.triggered
    assert not waiter.event.triggered
    w.broker.release(grant, w.need({"A": 1}))
    assert waiter.event.triggered
    assert grant.held == {w.pools["A"]: 1, w.pools["B"]: 1}
    assert (w.pools["A"].busy, w.pools["B"].busy) == (2, 1)
    w.broker.release(grant, w.need({"A": 5}))  # more than held: only what is held goes back
    assert grant.held == {w.pools["B"]: 1}
    w.broker.release(grant)
    w.broker.release(waiter)
    assert not grant.held
    assert all(p.busy == 0 for p in w.pools.values())
    assert sum(row[5] for row in w.events("release")) == sum(row[5] for row in w.events("acquire")) == 4


def test_a_shift_with_fewer_staff_keeps_busy_people_and_grants_nothing_new():
    w = World({"S": 2})
    first = w.broker.request(w.need({"S": 2}), 0, 1)
    w.pools["S"].roster["night"] = 1
    w.broker.set_shift("night")
    later = w.broker.request(w.need({"S": 1}), 0, 2)
    assert first.event.triggered
    assert not later.event.triggered
    assert w.pools["S"].free == -1
    w.broker.release(first, w.need({"S": 1}))
    assert not later.event.triggered  # one person left, but the night roster has only one
    w.broker.release(first)
    assert later.event.triggered
    assert [row[5] for row in w.events("capacity")] == [2, 1]


def test_zero_counts_are_dropped_and_an_empty_request_is_granted_at_once():
    w = World({"A": 0})
    grant = w.broker.request(w.need({"A": 0}), 0, 1)
    assert grant.event.triggered
    assert grant.held == {}
    assert not w.events("request")
