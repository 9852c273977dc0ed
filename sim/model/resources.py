"""Resources: pools of people, rooms, beds, cots, items and vehicles.

A :class:`Pool` is one kind of unit at one hospital.  Staff pools follow a
roster, hand over at every shift change and may call in on-call staff after a
delay; fixed pools (rooms, beds, cots, items, vehicles) keep their units.

The :class:`Broker` grants requests for several pools **all or nothing**: a
request waits holding nothing until every unit it asks for can be granted,
then takes them all at once, so assembling a team can never deadlock.

How requests are served (the rule users read in docs/results.md):

* Waiting requests are looked at in service order: priority (urgency), then
  the order in which they were first asked.
* A waiting request **reserves**, in each pool where it lacks units, the
  units that come free, in service order; a later (lower-ranked) request may
  only take units beyond those reserved for the requests ahead of it.  A
  request that lacks nothing in a pool reserves nothing there, so a later
  request may still use a pool that the requests ahead of it do not lack
  ("backfill" across pools, never past a reservation).
* On-call staff are called for what a waiting request lacks in a pool once
  the free units, the units reserved ahead of it and the people already on
  their way are counted.

The reference semantics is a full scan after every change (a request, a
release, a withdrawal, a shift change, a called-in arrival, a re-ranking)::

    claimed[P] = 0 for every pool P
    for each waiting request H in service order:           # grant pass
        if free[P] - claimed[P] >= need_H[P] for every P of H: grant H
        else: for each P with free[P] - claimed[P] < need_H[P]: claimed[P] += need_H[P]
    repeat the claims over the requests still waiting, and   # call-in pass
    call min(claimed[P] + need_H[P] - free[P] - calling[P], on call left) for each H lacking P

The broker skips the scans that provably change nothing (see
:meth:`Broker.request` and :meth:`Broker.release`);
``tests/unit/test_broker_equivalence.py`` compares it with a plain full scan
on random worlds, event log row for row.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from sim.model.clock import WeeklyRoster
    from sim.model.eventlog import EventLog

CallInDelay = Callable[[int, int], float]
"""``delay(case_id, k)``: minutes until the ``k``-th person (from 0) called for ``case_id`` arrives."""


class Pool:
    """Units of one kind at one hospital.

    ``roster`` maps shift name to on-duty headcount (or is None when
    ``week``, a :class:`~sim.model.clock.WeeklyRoster`, gives the headcount by
    clock time); a fixed pool (``rostered=False``) keeps its units through
    shift changes.  A staff pool's people are of four kinds:

    * ``capacity`` on duty in the current shift;
    * ``overtime`` from earlier shifts, each finishing the job they had when
      their shift ended and going home when that job gives the unit back;
    * ``called_in`` on-call people on site (``called_busy`` of them working);
      one goes home when idle and no waiting request needs the pool;
    * ``calling``: on-call people on their way.

    ``free = capacity + called_in + overtime - busy`` is never negative for a
    staff pool: busy units never exceed the people present.  A request takes
    on-duty people before called-in ones.
    """

    __slots__ = ("busy", "call_in_delay", "call_in_mean", "called_busy", "called_in", "calling", "calls", "capacity",
                 "epoch", "hospital", "name", "on_call", "overtime", "roster", "rostered", "wanted", "week")

    def __init__(self, hospital: str, name: str, roster: dict[str, int] | None, on_call: int = 0,
                 call_in_delay: CallInDelay | None = None, rostered: bool = True, week: WeeklyRoster | None = None):
        self.hospital = hospital
        self.name = name
        self.roster = roster
        self.rostered = rostered
        self.week = week
        self.on_call = on_call
        self.call_in_delay = call_in_delay
        self.call_in_mean: float | None = None  # mean call-in minutes, for expected arrivals (network.py)
        self.capacity = 0  # on duty now; set by the broker at each shift change
        self.busy = 0  # units held by grants, of every kind
        self.overtime = 0  # people of earlier shifts still on a job
        self.called_in = 0  # on-call people on site now
        self.called_busy = 0  # ... of whom working
        self.calling = 0  # on-call people on their way in
        self.calls: dict[int, int] = {}  # case id -> people called for it so far
        self.epoch = -1  # the broker's handover count at this pool's last shift change (-1: never set)
        self.wanted = 0  # waiting requests that need this pool

    @property
    def free(self) -> int:
        return self.capacity + self.called_in + self.overtime - self.busy

    @property
    def on_call_left(self) -> int:
        return self.on_call - self.called_in - self.calling

    def __repr__(self) -> str:
        return f"Pool({self.hospital}/{self.name}, free={self.free})"


class Grant:
    """One all-or-nothing request and, once granted, what it still holds.

    ``epoch`` is the broker's handover count when the units were taken: a
    staff pool's units that a grant took before that pool's last shift change
    (``grant.epoch < pool.epoch``) are overtime, except ``called`` (pool ->
    units of called-in people it holds).
    """

    __slots__ = ("called", "case_id", "epoch", "event", "held", "key", "need", "priority", "seq")

    def __init__(self, need: dict[Pool, int], priority: int, seq: int, case_id: int, event: simpy.Event):
        self.need = need
        self.priority = priority
        self.seq = seq
        self.case_id = case_id
        self.event = event
        self.held: dict[Pool, int] = {}
        self.called: dict[Pool, int] | None = None
        self.epoch = 0
        self.key = (priority, seq)  # service order; ``seq`` is unique, so keys never tie

    def __lt__(self, other: Grant) -> bool:
        return self.key < other.key


class Broker:
    """Grants multi-pool requests atomically, hands staff over at shift changes and calls in on-call staff.

    Requests are served by the rule in the module docstring.  Every public
    method ends in the state a full scan would leave, and a full scan run
    again from such a state changes nothing; that lets the broker skip scans
    no change can alter:

    * a new request cannot let a waiting one fit (it only takes or reserves
      units), so only the new request is judged, against the reservations
      ahead of it, and call-ins are recomputed in its on-call pools only;
    * a release that frees no unit of a pool some waiting request needs cannot
      let anything fit or call for anyone (reservations only shrink when
      units come free).
    """

    def __init__(self, env: simpy.Environment, log: EventLog, pools: list[Pool], fifo: bool = False):
        self.env = env
        self.log = log
        self.pools = pools
        self.fifo = fifo
        self._seq = itertools.count()
        self._append = log.rows.append
        self._waiting: list[Grant] = []  # in service order
        self._handovers = 0
        self._called_in = 0  # on-call people on site, over all pools
        self._on_call_pools = [p for p in pools if p.on_call > 0]
        self._commits: dict[Grant, simpy.Event] = {}  # waiting requests whose ``committed`` event is pending

    @property
    def waiting(self) -> list[Grant]:
        """Requests still waiting, in service order."""
        return list(self._waiting)

    # -- shift changes ---------------------------------------------------------------------------------------

    def set_shift(self, shift: str) -> None:
        """Start ``shift`` in every pool: staff pools hand over to its roster; then serve.

        A pool without a shift-name roster takes its weekly roster's headcount now.
        """
        for pool in self.pools:
            if pool.roster is not None:
                self._hand_over(pool, pool.roster.get(shift, 0))
            elif pool.week is not None:
                self._hand_over(pool, pool.week.on_duty(self.env.now))
        self._serve()
        self._send_home()

    def hand_over(self, on_duty: dict[Pool, int]) -> None:
        """A new shift starts in each pool of ``on_duty`` (pool -> headcount); then serve."""
        for pool, n in on_duty.items():
            self._hand_over(pool, n)
        self._serve()
        self._send_home()

    def _hand_over(self, pool: Pool, n: int) -> None:
        """The incoming shift arrives complete; the outgoing shift's busy people go into overtime.

        A fixed pool only takes its new count (its busy units count against it).
        """
        now, first = self.env.now, pool.epoch < 0
        if pool.rostered:
            outgoing = pool.busy - pool.overtime - pool.called_busy
            if outgoing:
                pool.overtime += outgoing
                self._append((-1, now, "overtime_start", pool.hospital, pool.name, outgoing, ""))
            self._handovers += 1
            pool.epoch = self._handovers
        elif first:
            pool.epoch = 0
        if n != pool.capacity or first:
            pool.capacity = n
            self._append((-1, now, "capacity", pool.hospital, pool.name, n, ""))

    # -- requests ---------------------------------------------------------------------------------------------

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
        waiting = self._waiting
        pos = bisect.bisect(waiting, grant) if waiting else 0
        claimed = self._reserved_ahead(grant, waiting, pos) if pos else {}
        for pool, n in need.items():
            if pool.capacity + pool.called_in + pool.overtime - pool.busy - claimed.get(pool, 0) < n:
                break
        else:
            self._take(grant)
            # Fewer units are free now, so waiting requests ahead as well as behind may lack more.
            callers = {p for p in need if p.wanted and p.on_call > p.called_in + p.calling}
            if callers:
                self._call_in(callers)
            return grant
        waiting.insert(pos, grant)
        for pool in need:
            pool.wanted += 1
        callers = {p for p in need if p.on_call > p.called_in + p.calling}
        if callers:  # nothing changed for the requests ahead: look from this one's place on
            self._call_in(callers, pos, {p: c for p, c in claimed.items() if p in callers})
        return grant

    @staticmethod
    def _reserved_ahead(grant: Grant, waiting: list[Grant], pos: int) -> dict[Pool, int]:
        """Units of ``grant``'s pools reserved by the waiting requests ahead of it (``waiting[:pos]``)."""
        claimed: dict[Pool, int] = {}
        for pool in grant.need:
            if pool.wanted:
                free, c = pool.capacity + pool.called_in + pool.overtime - pool.busy, 0
                for i in range(pos):
                    m = waiting[i].need.get(pool)
                    if m is not None and free - c < m:  # it lacks the pool: it reserves its need
                        c += m
                if c:
                    claimed[pool] = c
        return claimed

    def reprioritise(self, case_id: int, priority: int) -> None:
        """Give every waiting request of ``case_id`` a new priority (same arrival order); then serve.

        Ignored under FIFO dispatch.
        """
        if self.fifo:
            return
        moved = False
        for grant in self._waiting:
            if grant.case_id == case_id and grant.priority != priority:
                grant.priority = priority
                grant.key = (priority, grant.seq)
                moved = True
        if moved:
            self._waiting.sort()
            self._serve()
            self._send_home()

    def cancel(self, grant: Grant) -> None:
        """Withdraw a waiting request (``withdraw`` rows, one per pool); then serve the requests
        behind it, which its reservations no longer hold back.  A granted one is released instead."""
        if grant.event.triggered:
            self.release(grant)
            return
        if grant not in self._waiting:
            return
        self._waiting.remove(grant)
        now, append = self.env.now, self._append
        for pool, n in grant.need.items():
            pool.wanted -= 1
            append((grant.case_id, now, "withdraw", pool.hospital, pool.name, n, ""))
        self._serve()
        self._send_home()

    def release(self, grant: Grant, part: dict[Pool, int] | None = None) -> None:
        """Give back everything ``grant`` holds, or only ``part`` (pool -> units).

        Overtime people whose job this was go home; called-in people held by the
        grant are given back first.
        """
        held = grant.held
        items = list(held.items()) if part is None else [(p, min(n, held.get(p, 0))) for p, n in part.items()]
        gained = False
        for pool, n in items:
            if n > 0:
                gained = self._give_back(grant, pool, n) or gained
        if gained and self._waiting:
            self._serve()
        if self._called_in:
            self._send_home()

    def _give_back(self, grant: Grant, pool: Pool, n: int) -> bool:
        """Return ``n`` units of ``pool``; True when a unit came free for a waiting request."""
        now, held = self.env.now, grant.held
        left = held[pool] - n
        if left:
            held[pool] = left
        else:
            del held[pool]
        pool.busy -= n
        self._append((grant.case_id, now, "release", pool.hospital, pool.name, n, ""))
        rostered = n
        called = grant.called
        if called and called.get(pool):
            k = min(n, called[pool])
            called[pool] -= k
            pool.called_busy -= k
            rostered -= k
        if rostered and grant.epoch < pool.epoch and pool.rostered:
            pool.overtime -= rostered
            self._append((grant.case_id, now, "overtime_end", pool.hospital, pool.name, rostered, ""))
            return rostered < n and pool.wanted > 0
        return pool.wanted > 0

    # -- serving ----------------------------------------------------------------------------------------------

    def _take(self, grant: Grant) -> None:
        now, append = self.env.now, self._append
        grant.epoch = self._handovers
        for pool, n in grant.need.items():
            if pool.called_in:
                on_duty_idle = max(pool.capacity - (pool.busy - pool.overtime - pool.called_busy), 0)
                k = n - on_duty_idle
                if k > 0:
                    if grant.called is None:
                        grant.called = {}
                    grant.called[pool] = k
                    pool.called_busy += k
            pool.busy += n
            append((grant.case_id, now, "acquire", pool.hospital, pool.name, n, ""))
        grant.held = dict(grant.need)
        grant.event.succeed(grant)

    def _serve(self) -> None:
        """The full scan: grant what fits beyond the reservations ahead, then call in staff."""
        claimed: dict[Pool, int] = {}
        still: list[Grant] = []
        took = False
        for grant in self._waiting:
            need = grant.need
            for pool, n in need.items():
                if pool.capacity + pool.called_in + pool.overtime - pool.busy - claimed.get(pool, 0) < n:
                    break
            else:
                for pool in need:
                    pool.wanted -= 1
                self._take(grant)
                took = True
                continue
            for pool, n in need.items():
                c = claimed.get(pool, 0)
                if pool.capacity + pool.called_in + pool.overtime - pool.busy - c < n:
                    claimed[pool] = c + n
            still.append(grant)
        if took:
            self._waiting = still
        self._call_in(None)

    def _call_in(self, pools: set[Pool] | None, start: int = 0, claimed: dict[Pool, int] | None = None) -> None:
        """Call on-call staff for what each waiting request lacks after the reservations ahead of it
        and the people already on their way, in service order.

        Only in ``pools`` when given, and only for ``waiting[start:]`` when the
        units ``claimed`` by the requests before ``start`` are given.
        """
        if pools is None and not any(pool.on_call_left > 0 for pool in self._on_call_pools):
            self._check_commits()
            return
        claimed = {} if claimed is None else claimed
        waiting = self._waiting
        for i in range(start, len(waiting)):
            grant = waiting[i]
            for pool, n in grant.need.items():
                if pool.on_call <= pool.called_in + pool.calling or (pools is not None and pool not in pools):
                    continue
                c = claimed.get(pool, 0)
                avail = pool.capacity + pool.called_in + pool.overtime - pool.busy - c
                if avail < n:
                    claimed[pool] = c + n
                    for _ in range(min(n - avail - pool.calling, pool.on_call_left)):
                        self._call(pool, grant.case_id)
        self._check_commits()

    def committed(self, grant: Grant) -> simpy.Event:
        """An event that succeeds once nothing ``grant`` waits for is busy elsewhere: it is
        granted, or every unit it lacks beyond the reservations ahead of it is an on-call
        person already on the way.  A team's on-duty part mobilises from then while the
        called-in staff travel in."""
        event = self.env.event()
        if grant.event.triggered:
            event.succeed()
        else:
            self._commits[grant] = event
            self._check_commits()
        return event

    def _check_commits(self) -> None:
        """Succeed the ``committed`` events whose requests are now covered (see ``committed``)."""
        commits = self._commits
        if not commits:
            return
        claimed: dict[Pool, int] = {}
        for grant in self._waiting:
            event = commits.get(grant)
            if event is not None and all(pool.free + pool.calling - claimed.get(pool, 0) >= n
                                         for pool, n in grant.need.items()):
                del commits[grant]
                event.succeed()
            for pool, n in grant.need.items():
                c = claimed.get(pool, 0)
                if pool.free - c < n:
                    claimed[pool] = c + n
        for grant in [g for g in commits if g.event.triggered or g not in self._waiting]:
            commits.pop(grant).succeed()

    def _call(self, pool: Pool, case_id: int) -> None:
        k = pool.calls.get(case_id, 0)
        pool.calls[case_id] = k + 1
        pool.calling += 1
        self._append((case_id, self.env.now, "call_in", pool.hospital, pool.name, 1, ""))
        self.env.process(self._arrive(pool, case_id, k))

    def _arrive(self, pool: Pool, case_id: int, k: int):  # SimPy process
        assert pool.call_in_delay is not None
        yield self.env.timeout(pool.call_in_delay(case_id, k))
        pool.calling -= 1
        pool.called_in += 1
        self._called_in += 1
        self._append((case_id, self.env.now, "call_in_arrival", pool.hospital, pool.name, 1, ""))
        if pool.wanted:
            self._serve()
        self._send_home()

    def _send_home(self) -> None:
        """Idle called-in people go home from pools no waiting request needs."""
        if not self._called_in:
            return
        for pool in self._on_call_pools:
            while pool.called_in > pool.called_busy and not pool.wanted:
                pool.called_in -= 1
                self._called_in -= 1
                self._append((-1, self.env.now, "call_in_home", pool.hospital, pool.name, 1, ""))
