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

import bisect
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from sim.model.eventlog import EventLog


class Pool:
    """Units of one kind at one hospital.

    ``roster`` maps shift name to on-duty headcount; a fixed pool has the same
    number in every shift.  ``on_call`` people can be called in; each one is
    present for ``call_in_delay()`` minutes after the call.
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

    __slots__ = ("case_id", "event", "held", "need", "priority", "seq")

    def __init__(self, need: dict[Pool, int], priority: int, seq: int, case_id: int, event: simpy.Event):
        self.need = need
        self.priority = priority
        self.seq = seq
        self.case_id = case_id
        self.event = event
        self.held: dict[Pool, int] = {}

    def __lt__(self, other: Grant) -> bool:
        return (self.priority, self.seq) < (other.priority, other.seq)


class Broker:
    """Grants multi-pool requests atomically and calls in on-call staff."""

    def __init__(self, env: simpy.Environment, log: EventLog, pools: list[Pool], fifo: bool = False):
        self.env = env
        self.log = log
        self.pools = pools
        self.fifo = fifo
        self.waiting: list[Grant] = []
        self._seq = itertools.count()
        self._on_call_pools = [p for p in pools if p.on_call > 0]

    def set_shift(self, shift: str) -> None:
        """Apply the roster of ``shift`` to every pool, then serve whoever can now go."""
        now = self.env.now
        for pool in self.pools:
            cap = pool.roster.get(shift, 0)
            if cap != pool.capacity or now == 0:
                pool.capacity = cap
                self.log.record(-1, now, "capacity", pool.hospital, pool.name, cap)
        self._serve()

    def request(self, need: dict[Pool, int], priority: int, case_id: int) -> Grant:
        """Ask for every unit in ``need`` at once; ``yield grant.event`` to wait."""
        need = {p: n for p, n in need.items() if n > 0}
        grant = Grant(need, 0 if self.fifo else priority, next(self._seq), case_id, self.env.event())
        now, record = self.env.now, self.log.record
        for pool, n in need.items():
            record(case_id, now, "request", pool.hospital, pool.name, n)
        if not self.waiting and self._fits(need):
            self._take(grant)
        else:
            bisect.insort(self.waiting, grant)
            self._serve()
        return grant

    def release(self, grant: Grant, part: dict[Pool, int] | None = None) -> None:
        """Give back everything ``grant`` holds, or only ``part`` (pool -> units)."""
        now, record = self.env.now, self.log.record
        for pool, n in (dict(grant.held) if part is None else part).items():
            n = min(n, grant.held.get(pool, 0))
            if n:
                pool.busy -= n
                left = grant.held[pool] - n
                if left:
                    grant.held[pool] = left
                else:
                    del grant.held[pool]
                record(grant.case_id, now, "release", pool.hospital, pool.name, n)
        self._serve()
        self._send_home()

    @staticmethod
    def _fits(need: dict[Pool, int]) -> bool:
        return all(pool.free >= n for pool, n in need.items())

    def _take(self, grant: Grant) -> None:
        now, record = self.env.now, self.log.record
        for pool, n in grant.need.items():
            pool.busy += n
            record(grant.case_id, now, "acquire", pool.hospital, pool.name, n)
        grant.held = dict(grant.need)
        grant.event.succeed(grant)

    def _serve(self) -> None:
        """Grant every waiting request that fits, in order; call in staff for the rest."""
        still: list[Grant] = []
        for grant in self.waiting:
            if self._fits(grant.need):
                self._take(grant)
            else:
                self._call_in_for(grant)
                still.append(grant)
        self.waiting = still

    def _call_in_for(self, grant: Grant) -> None:
        for pool, n in grant.need.items():
            short = n - pool.free - pool.calling
            calls = min(short, pool.on_call_left)
            for _ in range(max(calls, 0)):
                pool.calling += 1
                self.log.record(grant.case_id, self.env.now, "call_in", pool.hospital, pool.name, 1)
                self.env.process(self._arrive(pool, grant.case_id))

    def _arrive(self, pool: Pool, case_id: int):  # noqa: ANN202 - SimPy process
        assert pool.call_in_delay is not None
        yield self.env.timeout(pool.call_in_delay())
        pool.calling -= 1
        pool.called_in += 1
        self.log.record(case_id, self.env.now, "call_in_arrival", pool.hospital, pool.name, 1)
        self._serve()
        self._send_home()

    def _send_home(self) -> None:
        """Release called-in staff nobody is waiting for (they return to on-call)."""
        present = [p for p in self._on_call_pools if p.called_in]
        if not present:
            return
        wanted = {pool for grant in self.waiting for pool in grant.need}
        for pool in present:
            while pool.called_in and pool.free > 0 and pool not in wanted:
                pool.called_in -= 1
                self.log.record(-1, self.env.now, "call_in_home", pool.hospital, pool.name, 1)
