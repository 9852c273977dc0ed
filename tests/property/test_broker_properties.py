"""Properties of the broker on any small world (hypothesis, hand-written strategies).

A world is a few staff pools with day/night/weekend rosters and on-call
staff, driven by the real 07:00/19:00 roster clock, and requests that arrive
over the first two days with random needs, priorities, holds (given back in
two parts) and re-rankings.  Whatever the world:

* people present always cover the busy units: on duty + called in + overtime
  >= busy, replayed from the event log alone, so utilisation never exceeds 1;
* within one pool, single-pool requests are granted in service order;
* nothing is lost: every request is granted by the horizon, every overtime
  ends, every called-in person goes home;
* the broker writes the log of the plain full scan (the reference).
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass

import simpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.analysis.tables import events_frame, resources_table
from sim.model import clock
from sim.model.eventlog import EventLog
from sim.model.resources import Broker, Pool
from tests.unit.test_broker_equivalence import ScanBroker

HORIZON_MIN = 10 * clock.MIN_PER_DAY
SHIFTS = ("day", "night", "weekend")


@dataclass(frozen=True)
class PoolSpec:
    roster: dict[str, int]
    on_call: int


@dataclass(frozen=True)
class Job:
    case_id: int
    start: float
    need: dict[int, int]  # pool index -> units
    priority: int
    holds: tuple[float, float]
    rerank: tuple[float, int] | None


@st.composite
def worlds(draw: st.DrawFn, single_pool: bool = False) -> tuple[list[PoolSpec], list[Job]]:
    pools = []
    for _ in range(1 if single_pool else draw(st.integers(1, 4))):
        day = draw(st.integers(0, 3))
        roster = {"day": day, "night": draw(st.integers(0, day)), "weekend": draw(st.integers(0, day))}
        pools.append(PoolSpec(roster, draw(st.integers(0, 2))))
    usable = [i for i, p in enumerate(pools) if p.roster["day"] + p.on_call > 0]
    jobs = []
    for case_id in range(1, draw(st.integers(1, 40)) + 1):
        if not usable:
            break
        chosen = draw(st.lists(st.sampled_from(usable), min_size=1, max_size=len(usable), unique=True))
        need = {i: draw(st.integers(1, pools[i].roster["day"] + pools[i].on_call)) for i in chosen}
        rerank = None if single_pool else draw(st.none() | st.tuples(st.floats(0, 300), st.integers(0, 3)))
        jobs.append(Job(case_id, draw(st.floats(0, 2 * clock.MIN_PER_DAY)), need, draw(st.integers(0, 3)),
                        (draw(st.floats(0, 400)), draw(st.floats(0, 400))), rerank))
    return pools, jobs


def run(broker_class: type, pools_spec: list[PoolSpec], jobs: list[Job]) -> list[tuple]:
    env, log = simpy.Environment(), EventLog()

    def delay(i: int):
        return lambda case_id, k: random.Random(f"{i}/{case_id}/{k}").uniform(5, 60)

    pools = [Pool("H", f"p{i}", dict(p.roster), p.on_call, delay(i) if p.on_call else None)
             for i, p in enumerate(pools_spec)]
    broker = broker_class(env, log, pools)
    broker.set_shift(clock.shift(0.0))

    def roster():
        while True:
            yield env.timeout(clock.next_shift_change(env.now) - env.now)
            broker.set_shift(clock.shift(env.now))

    def case(job: Job):
        yield env.timeout(job.start)
        grant = broker.request({pools[i]: n for i, n in job.need.items()}, job.priority, job.case_id)
        if job.rerank is not None:
            env.process(rerank(job.rerank[0], job.case_id, job.rerank[1]))
        yield grant.event
        yield env.timeout(job.holds[0])
        broker.release(grant, {p: n // 2 for p, n in grant.need.items()})
        yield env.timeout(job.holds[1])
        broker.release(grant)

    def rerank(after: float, case_id: int, priority: int):
        yield env.timeout(after)
        broker.reprioritise(case_id, priority)

    env.process(roster())
    for job in jobs:
        env.process(case(job))
    env.run(until=HORIZON_MIN)
    return log.rows


def replay_present_covers_busy(rows: list[tuple]) -> None:
    """From the log alone: busy <= on duty + called in + overtime after every event; overtime <= busy
    once a release's ``overtime_end`` (the row after it) is counted."""
    duty: dict[str, float] = defaultdict(float)
    level: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    sign = {"acquire": ("busy", 1), "release": ("busy", -1), "call_in_arrival": ("called", 1),
            "call_in_home": ("called", -1), "overtime_start": ("overtime", 1), "overtime_end": ("overtime", -1)}
    for _, t, event, _, pool, value, _ in rows:
        if event == "capacity":
            duty[pool] = value
        elif event in sign:
            kind, s = sign[event]
            level[pool][kind] += s * value
        else:
            continue
        lv = level[pool]
        assert lv["busy"] <= duty[pool] + lv["called"] + lv["overtime"], f"{pool} over the people present at {t}"
        assert lv["overtime"] >= 0
        if event != "release":  # its overtime_end, if any, is the next row
            assert lv["overtime"] <= lv["busy"], f"{pool} overtime without a job at {t}"
        assert lv["called"] >= 0


SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(worlds())
def test_people_present_always_cover_the_busy_units(world):
    rows = run(Broker, *world)
    replay_present_covers_busy(rows)
    table = resources_table(events_frame(rows, 0), HORIZON_MIN)
    assert (table["utilisation"].dropna() <= 1 + 1e-9).all()
    assert (table["overtime_min"] >= 0).all()


@SETTINGS
@given(worlds())
def test_nothing_is_lost_by_the_horizon(world):
    pools, jobs = world
    rows = run(Broker, pools, jobs)
    granted = {r[0] for r in rows if r[2] == "acquire"}
    assert granted == {job.case_id for job in jobs}
    for name in {r[4] for r in rows}:
        total: dict[str, float] = defaultdict(float)
        for r in rows:
            if r[4] == name:
                total[r[2]] += r[5]
        assert total["overtime_start"] == total["overtime_end"]
        assert total["call_in_arrival"] == total["call_in_home"]
        assert total["acquire"] == total["release"]


@SETTINGS
@given(worlds(single_pool=True))
def test_single_pool_requests_are_granted_in_service_order(world):
    """(No re-ranking here: the service order is (priority, order of the request rows).)"""
    pools, jobs = world
    rows = run(Broker, pools, jobs)
    priority = {job.case_id: job.priority for job in jobs}
    key: dict[int, tuple[int, int]] = {}
    waiting: set[int] = set()
    for r in rows:
        if r[2] == "request":
            key[r[0]] = (priority[r[0]], len(key))
            waiting.add(r[0])
        elif r[2] == "acquire":
            waiting.discard(r[0])
            assert not any(key[c] < key[r[0]] for c in waiting), f"case {r[0]} overtook at {r[1]}"


@SETTINGS
@given(worlds())
def test_the_broker_writes_the_log_of_a_full_scan(world):
    assert run(Broker, *world) == run(ScanBroker, *world)
