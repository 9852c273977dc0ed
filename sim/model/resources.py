"""Resources: pools of people, rooms, beds, cots, items and vehicles.

A :class:`Pool` is one kind of unit at one hospital.  Staff pools follow a
roster (day, night, weekend headcount) and may call in on-call staff after a
delay; other pools have a fixed capacity.

The :class:`Broker` grants requests for several pools **all or nothing**: a
request waits holding nothing until every unit it asks for is free, then takes
them all at once.  Nothing is ever held while waiting for something else in
the same request, so assembling a team can never deadlock.  Waiting requests
are served in (priority, arrival) order; a request that cannot be served does
not block a later one that can (the later one "backfills").
"""

from __future__ import annotations

import heapq
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from sim.model.eventlog import EventLog


class Pool:
    """Units of one kind at one hospital.

    ``roster`` maps shift name to on-duty headcount; a fixed pool has the same
    number in every shift.  ``on_call`` people can be called in; each one
    arrives ``call_in_delay()`` minutes after the call and stays until nobody
    waits for the role.
    """

    __slots__ = ("busy", "call_in_delay", "called_in", "calling", "capacity", "hospital", "name",
                 "on_call", "roster")

    def __init__(self, hospital: str, name: str, roster: dict[str, int], on_call: int = 0,
                 call_in_delay: Callable[[], float] | None = None):
        self.hospital = hospital
        self.name = name
        self.roster = roster
        self.on_call = on_call
        self.call_in_delay = call_in_delay
        self.capacity = 0  # on-duty units now; set by the broker for the current shift
        self.busy = 0
        self.called_in = 0  # on-call people on site now
        self.calling = 0  # on-call people on their way in

    @property
    def free(self) -> int:
        return self.capacity + self.called_in - self.busy

    @property
    def on_call_left(self) -> int:
        return self.on_call - self.called_in - self.calling

    def __repr__(self) -> str:
        return f"Pool({self.hospital}/{self.name}, free={self.free})"


class Grant:
    """One all-or-nothing request and, once granted, what it still holds."""

    __slots__ = ("case_id", "event", "held", "key", "may_call", "may_fit", "need", "priority", "queued", "seq",
                 "watch")

    def __init__(self, need: dict[Pool, int], priority: int, seq: int, case_id: int, event: simpy.Event):
        self.need = need
        self.priority = priority
        self.seq = seq
        self.case_id = case_id
        self.event = event
        self.held: dict[Pool, int] = {}
        self.key = (priority, seq)  # service order; ``seq`` is unique, so keys never tie
        # Broker bookkeeping while the request waits (see Broker):
        self.watch: Pool | None = None  # a pool that lacks units for it
        self.queued = False  # due for a look
        self.may_fit = True  # its watched pool gained units since the last look
        self.may_call = True  # an on-call pool it needs lost units since the last look

    def __lt__(self, other: Grant) -> bool:
        return self.key < other.key


class Broker:
    """Grants multi-pool requests atomically and calls in on-call staff.

    The outcome is that of looking at every waiting request, in (priority,
    arrival) order, after every change: grant those that fit, call in staff
    for the others.  The cost does not grow with the queue, because a request
    is looked at again only when a change could alter the answer.  Each
    waiting request watches one pool that lacks units for it and is looked at
    when that pool gains units and no other pool lacks any; it is also looked
    at when an on-call pool it needs loses units and might now call someone.
    A request marked behind the current position of a round waits for the
    next round, as it would in a full scan.
    """

    def __init__(self, env: simpy.Environment, log: EventLog, pools: list[Pool], fifo: bool = False):
        self.env = env
        self.log = log
        self.pools = pools
        self.fifo = fifo
        self._seq = itertools.count()
        self._called_in = 0  # on-call people on site, over all pools
        self._on_call_pools = [p for p in pools if p.on_call > 0]
        self._append = log.rows.append
        self._waiting: set[Grant] = set()
        self._watchers: dict[Pool, set[Grant]] = {p: set() for p in pools}  # requests watching a pool
        self._callers: dict[Pool, set[Grant]] = {p: set() for p in self._on_call_pools}  # waiting, by on-call pool
        self._due: list[tuple[int, int, Grant]] = []  # heap of requests to look at, in service order
        self._next_round: list[Grant] = []  # marked behind the current position
        self._current: tuple[int, int] | None = None  # key of the request being looked at

    @property
    def waiting(self) -> list[Grant]:
        """Requests still waiting, in service order."""
        return sorted(self._waiting)

    def set_shift(self, shift: str) -> None:
        """Apply the roster of ``shift`` to every pool, then serve whoever can now go."""
        now = self.env.now
        for pool in self.pools:
            cap = pool.roster.get(shift, 0)
            if cap != pool.capacity or now == 0:
                old, pool.capacity = pool.capacity, cap
                self._append((-1, now, "capacity", pool.hospital, pool.name, cap, ""))
                if cap > old:
                    self._freed(pool)
                elif cap < old:
                    self._taken(pool)
        self._serve()

    def request(self, need: dict[Pool, int], priority: int, case_id: int) -> Grant:
        """Ask for every unit in ``need`` at once; ``yield grant.event`` to wait.

        The grant keeps ``need`` (without zero counts) as it is: do not change it afterwards.
        """
        if 0 in need.values():
            need = {p: n for p, n in need.items() if n > 0}
        grant = Grant(need, 0 if self.fifo else priority, next(self._seq), case_id, self.env.event())
        now, append = self.env.now, self._append
        for pool, n in need.items():
            append((case_id, now, "request", pool.hospital, pool.name, n, ""))
        if not self._next_round and self._lacking(need) is None:
            # A scan would find nothing to do ahead of this request (no waiting
            # request fits, and none is due), so take it where it stands in the
            # scan, then look at the requests behind it that the take affects.
            self._current = grant.key
            self._take(grant)
            if self._due:
                self._serve_due()
            self._current = None
        else:
            self._enqueue(grant)
            self._serve()
        return grant

    def release(self, grant: Grant, part: dict[Pool, int] | None = None) -> None:
        """Give back everything ``grant`` holds, or only ``part`` (pool -> units)."""
        now, append, held = self.env.now, self._append, grant.held
        if part is None:
            freed, grant.held = list(held), {}
            for pool, n in held.items():
                pool.busy -= n
                append((grant.case_id, now, "release", pool.hospital, pool.name, n, ""))
        else:
            freed = []
            for pool, n in part.items():
                n = min(n, held.get(pool, 0))
                if n:
                    pool.busy -= n
                    left = held[pool] - n
                    if left:
                        held[pool] = left
                    else:
                        del held[pool]
                    append((grant.case_id, now, "release", pool.hospital, pool.name, n, ""))
                    freed.append(pool)
        watchers = self._watchers
        for pool in freed:
            if watchers.get(pool):
                self._freed(pool)
        if self._due or self._next_round:
            self._serve()
        if self._called_in:
            self._send_home()

    @staticmethod
    def _lacking(need: dict[Pool, int]) -> Pool | None:
        """The first pool without enough free units for ``need``, or None when it all fits."""
        for pool, n in need.items():
            if pool.capacity + pool.called_in - pool.busy < n:
                return pool
        return None

    def _enqueue(self, grant: Grant) -> None:
        self._waiting.add(grant)
        for pool in grant.need:
            if pool.on_call > 0:
                callers = self._callers.setdefault(pool, set())
                for later in [g for g in callers if g.key > grant.key]:
                    later.may_call = True  # it now queues behind one more claim on this pool
                    self._mark(later)
                callers.add(grant)
        grant.queued = True
        heapq.heappush(self._due, (*grant.key, grant))

    def _dequeue(self, grant: Grant) -> None:
        self._waiting.discard(grant)
        if grant.watch is not None:
            self._watchers[grant.watch].discard(grant)
        for pool in grant.need:
            if pool.on_call > 0:
                self._callers.setdefault(pool, set()).discard(grant)

    def _mark(self, grant: Grant) -> None:
        if not grant.queued:
            grant.queued = True
            if self._current is not None and grant.key < self._current:
                self._next_round.append(grant)
            else:
                heapq.heappush(self._due, (*grant.key, grant))

    def _rewatch(self, grant: Grant, pool: Pool | None) -> None:
        if grant.watch is not pool:
            if grant.watch is not None:
                self._watchers[grant.watch].discard(grant)
            if pool is not None:
                self._watchers.setdefault(pool, set()).add(grant)
            grant.watch = pool

    def _freed(self, pool: Pool) -> None:
        """Units came free in ``pool``: mark the requests watching it that might now fit."""
        watchers = self._watchers.get(pool)
        if not watchers:
            return
        free = pool.free
        for grant in [g for g in watchers if not g.may_fit and g.need[pool] <= free]:
            lacking = self._lacking(grant.need)
            if lacking is None:
                grant.may_fit = True
                self._mark(grant)
            else:
                self._rewatch(grant, lacking)

    def _taken(self, pool: Pool) -> None:
        """Units went from ``pool``: mark the waiting requests that might now need a call-in."""
        callers = self._callers.get(pool)
        if callers and pool.on_call_left > 0:
            enough = pool.free + pool.calling
            claimed = 0
            for grant in sorted(callers):
                claimed += grant.need[pool]
                if claimed > enough:
                    grant.may_call = True
                    self._mark(grant)

    def _claimed_before(self, grant: Grant, pool: Pool) -> int:
        """Units of ``pool`` that waiting requests served before ``grant`` still need."""
        return sum(g.need[pool] for g in self._callers.get(pool, ()) if g.key < grant.key)

    def _take(self, grant: Grant) -> None:
        now, append = self.env.now, self._append
        for pool, n in grant.need.items():
            pool.busy += n
            append((grant.case_id, now, "acquire", pool.hospital, pool.name, n, ""))
        grant.held = dict(grant.need)
        grant.event.succeed(grant)
        callers = self._callers
        for pool in grant.need:
            if callers.get(pool):
                self._taken(pool)

    def _serve(self) -> None:
        """Grant every marked request that fits, in order; call in staff for the rest."""
        due = self._due
        for grant in self._next_round:
            heapq.heappush(due, (*grant.key, grant))
        self._next_round = []
        self._serve_due()

    def _serve_due(self) -> None:
        """The rest of a round: the marked requests, in order."""
        due = self._due
        while due:
            grant = heapq.heappop(due)[2]
            self._current = grant.key
            lacking = self._lacking(grant.need) if grant.may_fit else grant.watch
            if lacking is None:
                self._dequeue(grant)
                self._take(grant)
            else:
                self._rewatch(grant, lacking)
                if grant.may_call:
                    self._call_in_for(grant)
            grant.queued = grant.may_fit = grant.may_call = False
        self._current = None

    def _call_in_for(self, grant: Grant) -> None:
        """Call in on-call staff for what ``grant`` lacks once the free units and
        the people already on their way have gone to the requests ahead of it."""
        for pool, n in grant.need.items():
            if pool.on_call_left <= 0:
                continue
            short = self._claimed_before(grant, pool) + n - pool.free - pool.calling
            calls = min(short, pool.on_call_left)
            for _ in range(max(calls, 0)):
                pool.calling += 1
                self._append((grant.case_id, self.env.now, "call_in", pool.hospital, pool.name, 1, ""))
                self.env.process(self._arrive(pool, grant.case_id))

    def _arrive(self, pool: Pool, case_id: int):  # SimPy process
        assert pool.call_in_delay is not None
        yield self.env.timeout(pool.call_in_delay())
        pool.calling -= 1
        pool.called_in += 1
        self._called_in += 1
        self._append((case_id, self.env.now, "call_in_arrival", pool.hospital, pool.name, 1, ""))
        self._freed(pool)
        self._serve()
        self._send_home()

    def _send_home(self) -> None:
        """Release called-in staff nobody is waiting for (they return to on-call)."""
        for pool in self._on_call_pools:
            if pool.called_in and not self._callers.get(pool):
                while pool.called_in and pool.free > 0:
                    pool.called_in -= 1
                    self._called_in -= 1
                    self._append((-1, self.env.now, "call_in_home", pool.hospital, pool.name, 1, ""))
