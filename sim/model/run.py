"""Build the SimPy world for one replication and run it to the horizon."""

from __future__ import annotations

import gc
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import simpy

from sim.model import clock
from sim.model.context import SimContext
from sim.model.eventlog import EventLog
from sim.model.processes.case import outreach_case
from sim.model.processes.demand import arrivals, new_home_case, new_outreach_case
from sim.model.processes.home import home_emergency
from sim.model.processes.scripted import scripted_arrivals
from sim.model.resources import Broker, Pool
from sim.model.rng import Streams
from sim.scenario.schema import Scenario

FIXED_POOLS = ("operating_rooms", "icu_beds", "nicu_cots", "ambulances")
GC_YOUNG_THRESHOLD = 10_000
"""Allocations between two young-generation collections while a replication runs (CPython default 700)."""
POOL_NAME = {"operating_rooms": "operating_room", "icu_beds": "icu_bed", "nicu_cots": "nicu_cot",
             "ambulances": "ambulance"}


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """What one replication produces: its event rows and the number of SimPy steps."""

    rows: list[tuple]
    sim_events: int


def build_pools(scenario: Scenario, streams: Streams) -> dict[tuple[str, str], Pool]:
    """One pool per hospital and unit kind: staff roles, equipment, rooms, beds, cots, vehicles."""
    pools: dict[tuple[str, str], Pool] = {}
    call_rng = streams["call_in"]
    for hid, h in scenario.hospitals.items():
        for field in FIXED_POOLS:
            n = getattr(h, field)
            pools[(hid, POOL_NAME[field])] = Pool(hid, POOL_NAME[field], dict.fromkeys(("day", "night", "weekend"), n))
        for item, n in h.equipment.items():
            pools[(hid, item)] = Pool(hid, item, dict.fromkeys(("day", "night", "weekend"), n))
        for role, r in h.staff.items():
            delay = (lambda d=r.call_in: d.ppf(call_rng.random())) if r.call_in else None
            pools[(hid, role)] = Pool(hid, role, {"day": r.day, "night": r.night, "weekend": r.weekend},
                                      r.on_call, delay)
    return pools


def roster_clock(ctx: SimContext) -> Generator:
    """Apply each shift's roster at 07:00 and 19:00."""
    while True:
        now = ctx.env.now
        yield ctx.env.timeout(clock.next_shift_change(now) - now)
        ctx.broker.set_shift(clock.shift(ctx.env.now))


def build_context(scenario: Scenario, seed: int, replication: int) -> SimContext:
    env = simpy.Environment()
    log = EventLog()
    streams = Streams(seed, replication)
    pools = build_pools(scenario, streams)
    broker = Broker(env, log, list(pools.values()), fifo=scenario.policies.dispatch == "fifo")
    routes = {(a, b): r for r in scenario.travel.routes for a, b in (r.between, r.between[::-1])}
    windows = [(clock.clock_to_min(a), clock.clock_to_min(b)) for a, b in scenario.travel.peaks]
    return SimContext(env, scenario, streams, log, broker, pools, routes, windows)


def start_processes(ctx: SimContext) -> None:
    """The roster clock and one arrival process per demand stream."""
    demand, env = ctx.scenario.demand, ctx.env
    ctx.broker.set_shift(clock.shift(0.0))
    env.process(roster_clock(ctx))
    env.process(arrivals(ctx, demand.outreach, "outreach_arrivals",
                         lambda c: c.env.process(outreach_case(c, new_outreach_case(c, demand.outreach)))))
    home = demand.home_emergency
    if home is not None:
        env.process(arrivals(ctx, home, "home_arrivals",
                             lambda c: c.env.process(home_emergency(c, new_home_case(c, home)))))
    if demand.outreach.scripted:
        env.process(scripted_arrivals(ctx, demand.outreach.scripted,
                                      lambda c, case: c.env.process(outreach_case(c, case))))


@contextmanager
def fewer_collections(young: int = GC_YOUNG_THRESHOLD) -> Iterator[None]:
    """Run the cyclic garbage collector less often inside the block, then restore its thresholds.

    The event log allocates a tuple per row, and by default every 700
    allocations start a collection, which costs about a tenth of a run
    (measured on the stress scenario; docs/performance.md).  Nothing in the
    model waits for that collector: SimPy's events are freed by reference
    counting, so the outputs do not depend on when it runs.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(young, before[0]), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def simulate(scenario: Scenario, seed: int, replication: int) -> ModelOutput:
    """Run one replication to the horizon and return its event log."""
    with fewer_collections():
        ctx = build_context(scenario, seed, replication)
        start_processes(ctx)
        horizon = scenario.run.horizon_days * clock.MIN_PER_DAY
        env = ctx.env
        steps = 0
        step, peek = env.step, env.peek
        while peek() < horizon:
            step()
            steps += 1
    return ModelOutput(ctx.log.rows, steps)
