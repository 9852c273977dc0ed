"""Build the SimPy world for one replication and run it to the horizon."""

from __future__ import annotations

import gc
from collections.abc import Callable, Generator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import simpy

from sim.model import clock
from sim.model.context import SimContext
from sim.model.eventlog import EventLog
from sim.model.network import TeamPlan
from sim.model.processes.case import outreach_case
from sim.model.processes.demand import arrivals, home_stream_name, new_home_case, new_outreach_case
from sim.model.processes.home import home_emergency
from sim.model.processes.scripted import scripted_arrivals
from sim.model.resources import Broker, Pool
from sim.model.rng import Streams
from sim.scenario.schema import HomeDemand, Scenario, StaffRole

FIXED_POOLS = ("operating_rooms", "icu_beds", "nicu_cots", "ambulances")
GC_YOUNG_THRESHOLD = 100_000
"""Allocations between two young-generation collections while a replication runs (CPython default 700).
At 10,000 a run at 16 times the stress load spent about a tenth of its time in the older generations'
collections (the more cases in flight, the more young objects outlive a young collection); at 100,000
most runs have none, and cyclic garbage waits at most that many allocations."""
SHIFTS = ("day", "night", "weekend")
POOL_NAME = {"operating_rooms": "operating_room", "icu_beds": "icu_bed", "nicu_cots": "nicu_cot",
             "ambulances": "ambulance"}


@dataclass(frozen=True, slots=True)
class ModelOutput:
    """What one replication produces: its event rows and the number of SimPy steps."""

    rows: list[tuple]
    sim_events: int


def build_pools(scenario: Scenario, streams: Streams,
                case_keys: dict[int, tuple[str, int]] | None = None) -> dict[tuple[str, str], Pool]:
    """One pool per hospital and unit kind: staff roles, equipment, rooms, beds, cots, vehicles.

    Staff pools follow their role's roster (shift names for the day/night/weekend
    shorthand, and a weekly roster of shift windows either way) and hand over at
    shift changes; the others, and roles with ``handover: false``, are fixed.
    A call-in delay is ``delay(case_id, k)`` for the ``k``-th person called for
    a case, drawn from the keyed uniform ``("call_in", hospital, role, *key, k)``
    where ``key`` is the case's ``(source, ordinal)`` from ``case_keys`` (filled
    as cases are created), so that other cases never shift it.
    """
    pools: dict[tuple[str, str], Pool] = {}
    keys = {} if case_keys is None else case_keys
    for hid, h in scenario.hospitals.items():
        fixed = {POOL_NAME[f]: getattr(h, f) for f in FIXED_POOLS}
        _add_pools(pools, hid, {**fixed, **h.equipment}, h.staff, streams, keys)
    for team in scenario.teams:
        if team.dedicated:  # its own people, items and vehicles, under the team's id
            _add_pools(pools, team.name, {**team.equipment, "ambulance": team.ambulances}, team.own_staff(),
                       streams, keys)
    return pools


def _add_pools(pools: dict[tuple[str, str], Pool], owner: str, units: dict[str, int], staff: dict[str, StaffRole],
               streams: Streams, keys: dict[int, tuple[str, int]]) -> None:
    """Fixed pools for ``units`` and rostered ones for ``staff``, owned by ``owner`` (a hospital or a team)."""
    for name, n in units.items():
        pools[(owner, name)] = Pool(owner, name, dict.fromkeys(SHIFTS, n), rostered=False)
    for role, r in staff.items():
        # Keyed by case and call number (common random numbers): a change elsewhere never shifts a delay.
        delay = (lambda case_id, k, d=r.call_in, hid=owner, role=role:
                 d.ppf(streams.keyed("call_in", hid, role, *keys.get(case_id, ("", case_id)), k))
                 ) if r.call_in else None
        shifts = r.shifts() if r.roster is None else None
        week = clock.WeeklyRoster(r.weekly_intervals()) if r.handover else None
        pool = pools[(owner, role)] = Pool(owner, role, shifts, r.on_call, delay, rostered=r.handover, week=week)
        pool.call_in_mean = r.call_in.mean() if r.call_in else None


def roster_clock(ctx: SimContext) -> Generator:
    """Start each shift when its window opens.

    At every boundary of a staff pool's weekly roster (07:00 and 19:00 for the
    day/night/weekend shorthand) the pools whose roster changes there hand
    over together (:meth:`Broker.hand_over`).
    """
    env, weeks = ctx.env, [(p, p.week) for p in ctx.pools.values() if p.week is not None]
    if not weeks:
        return
    while True:
        now = env.now
        yield env.timeout(min(week.next_change(now) for _, week in weeks) - now)
        now = env.now
        ctx.broker.hand_over({p: n for p, week in weeks if (n := week.change_at(now)) is not None})


def build_context(scenario: Scenario, seed: int, replication: int) -> SimContext:
    env = simpy.Environment()
    log = EventLog()
    streams = Streams(seed, replication)
    case_keys: dict[int, tuple[str, int]] = {}
    pools = build_pools(scenario, streams, case_keys)
    broker = Broker(env, log, list(pools.values()), fifo=scenario.policies.dispatch == "fifo")
    routes = {(a, b): r for r in scenario.travel.routes for a, b in (r.between, r.between[::-1])}
    windows = [(clock.clock_to_min(a), clock.clock_to_min(b)) for a, b in scenario.travel.peaks]
    plans = {team.name: TeamPlan.of(team) for team in scenario.teams}
    return SimContext(env, scenario, streams, log, broker, pools, routes, windows, case_keys=case_keys, plans=plans)


def start_processes(ctx: SimContext) -> None:
    """The roster clock and one arrival process per demand stream."""
    demand, env = ctx.scenario.demand, ctx.env
    ctx.broker.set_shift(clock.shift(0.0))
    env.process(roster_clock(ctx))
    env.process(arrivals(ctx, demand.outreach, "outreach_arrivals",
                         lambda c: c.env.process(outreach_case(c, new_outreach_case(c, demand.outreach)))))
    for i, home in enumerate(demand.home_streams):
        env.process(arrivals(ctx, home, home_stream_name("home_arrivals", i, home.hospital), home_starter(home, i)))
    if demand.outreach.scripted:
        scripted_arrivals(ctx, demand.outreach.scripted, lambda c, case: c.env.process(outreach_case(c, case)))


def home_starter(demand: HomeDemand, i: int) -> Callable[[SimContext], object]:
    """Starts a home emergency of the ``i``-th home stream."""
    def start(ctx: SimContext) -> object:
        return ctx.env.process(home_emergency(ctx, new_home_case(ctx, demand, i), demand))
    return start


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
        steps = run_until(ctx.env, horizon)
    return ModelOutput(ctx.log.rows, steps)


def run_until(env: simpy.Environment, horizon: float) -> int:
    """Process every event scheduled before ``horizon`` (minutes) and return how many there were.

    ``env.run(until=horizon)`` stops at an event it schedules at the horizon
    ahead of every event due then, so exactly the events due before the
    horizon are processed, as a ``peek``-then-``step`` loop would, without
    the two calls per event.  The count is the events scheduled so far
    (SimPy numbers them from 0) less those still queued and the stop event:
    SimPy 4's own counter and queue (``_eid``, ``_queue``), which is why
    ``pyproject.toml`` keeps SimPy below 5 and ``tests/unit/test_run_until.py``
    checks the count against a ``peek``-then-``step`` loop.
    Raises ValueError if ``horizon`` is not after ``env.now``.
    """
    env.run(until=horizon)
    scheduled = next(env._eid)  # SimPy's event counter: the next number is how many were scheduled
    return scheduled - len(env._queue) - 1
