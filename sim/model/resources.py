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

The broker answers the questions of that scan from indexes of the waiting
requests, so that its cost per change does not grow with the queue (see
:class:`Broker`); ``tests/unit/test_broker_equivalence.py`` compares it with
a plain full scan on random worlds, short queues and queues hundreds long,
event log row for row.
"""

from __future__ import annotations

import bisect
import heapq
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

    from sim.model.clock import WeeklyRoster
    from sim.model.eventlog import EventLog

END = float("inf")
"""A rank after every request's."""
SEQ_SPAN = 1 << 48
"""``Grant.rank = priority * SEQ_SPAN + seq``: priority first, then the order of asking."""

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
                 "epoch", "groups", "hospital", "name", "on_call", "overtime", "roster", "rostered", "waiters",
                 "wanted", "week")

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
        self.waiters = Waiters()  # the broker's index of those requests
        self.groups: list[Group] = []  # the broker's groups of requests that need this pool

    @property
    def free(self) -> int:
        return self.capacity + self.called_in + self.overtime - self.busy

    @property
    def on_call_left(self) -> int:
        return self.on_call - self.called_in - self.calling

    def __repr__(self) -> str:
        return f"Pool({self.hospital}/{self.name}, free={self.free})"


class Waiters:
    """The waiting requests that need one pool, by the units each asks of it.

    ``by_need[n]`` holds the ranks (service order, see :attr:`Grant.rank`) of
    the waiting requests that ask for ``n`` units of the pool, ascending.
    Requests ask for few distinct counts, so each question below costs a
    binary search per count, whatever the length of the queue.
    """

    __slots__ = ("by_need", "most")

    def __init__(self) -> None:
        self.by_need: dict[int, list[int]] = {}
        self.most = 0  # the most units a waiting request asks (0: none waits)

    def add(self, rank: int, n: int) -> None:
        ranks = self.by_need.get(n)
        if ranks is None:
            self.by_need[n] = [rank]
        else:
            bisect.insort(ranks, rank)
        if n > self.most:
            self.most = n

    def remove(self, rank: int, n: int) -> None:
        ranks = self.by_need[n]
        del ranks[bisect.bisect_left(ranks, rank)]
        if not ranks and n == self.most:
            self.most = max((m for m, left in self.by_need.items() if left), default=0)

    def first_over(self, after: float, units: int) -> float:
        """The rank of the first request after rank ``after`` that asks for more than ``units``; ``END`` if none."""
        first = END
        if units >= self.most:
            return first
        for n, ranks in self.by_need.items():
            if n > units and ranks:
                i = bisect.bisect_right(ranks, after)
                if i < len(ranks) and ranks[i] < first:
                    first = ranks[i]
        return first

    def units_between(self, low: float, high: float) -> int:
        """Units asked by the requests ranked from ``low`` (included) to ``high`` (excluded)."""
        return sum(n * (bisect.bisect_left(ranks, high) - bisect.bisect_left(ranks, low))
                   for n, ranks in self.by_need.items())

    def crossing(self, first: float, low: float, units: int) -> float:
        """The first rank ``r >= low`` such that the requests ranked from ``first`` to ``r`` (both included)
        ask for more than ``units`` in all; ``END`` if none."""
        bases = {n: bisect.bisect_left(ranks, first) for n, ranks in self.by_need.items()}

        def asked(rank: int) -> int:
            return sum(n * (bisect.bisect_right(ranks, rank) - bases[n]) for n, ranks in self.by_need.items())

        found = END
        for ranks in self.by_need.values():
            lo, hi = bisect.bisect_left(ranks, low), len(ranks)
            while lo < hi:
                mid = (lo + hi) // 2
                if asked(ranks[mid]) > units:
                    hi = mid
                else:
                    lo = mid + 1
            if lo < len(ranks) and ranks[lo] < found:
                found = ranks[lo]
        return found

    def from_rank(self, rank: float) -> Iterator[tuple[int, int]]:
        """``(rank, units)`` of the requests ranked from ``rank`` on, in service order."""
        return heapq.merge(*(_tail(ranks, n, rank) for n, ranks in self.by_need.items()))


def _tail(ranks: list[int], n: int, rank: float) -> Iterator[tuple[int, int]]:
    """``(r, n)`` for the ranks ``r >= rank`` of ``ranks``, ascending."""
    for i in range(bisect.bisect_left(ranks, rank), len(ranks)):
        yield ranks[i], n


class Group:
    """Waiting requests that ask for the same units (``needs``: pool and count pairs), by rank.

    In one grant pass, once a request of a group cannot be granted, no later
    one of the group can (the units it lacks only get scarcer), so the pass
    looks at one request per group and moves on to the next only after a grant.
    """

    __slots__ = ("blocker", "needs", "ranks", "stamp")

    def __init__(self, needs: tuple[tuple[Pool, int], ...]):
        self.needs = needs
        self.ranks: list[int] = []
        self.stamp = 0  # the grant pass that last looked at the group
        self.blocker = needs[0]  # a pool and count it lacked when last looked at: checked first


class Grant:
    """One all-or-nothing request and, once granted, what it still holds.

    ``epoch`` is the broker's handover count when the units were taken: a
    staff pool's units that a grant took before that pool's last shift change
    (``grant.epoch < pool.epoch``) are overtime, except ``called`` (pool ->
    units of called-in people it holds).  ``rank`` is the service order as one
    integer (priority, then arrival: ``seq``, unique, so ranks never tie);
    ``queued`` is true while it waits.
    """

    __slots__ = ("called", "case_id", "epoch", "event", "group", "held", "need", "priority", "queued", "rank", "seq")

    def __init__(self, need: dict[Pool, int], priority: int, seq: int, case_id: int, event: simpy.Event):
        self.need = need
        self.priority = priority
        self.seq = seq
        self.case_id = case_id
        self.event = event
        self.held: dict[Pool, int] = {}
        self.called: dict[Pool, int] | None = None
        self.epoch = 0
        self.rank = priority * SEQ_SPAN + seq
        self.queued = False
        self.group: Group | None = None


class Broker:
    """Grants multi-pool requests atomically, hands staff over at shift changes and calls in on-call staff.

    Requests are served by the rule in the module docstring.  Every public
    method ends in the state a full scan would leave (a *settled* state), and
    a full scan run again from such a state changes nothing.  In a settled
    state each pool's reservations are simple: no waiting request lacks the
    pool before the first one that asks for more than is free (its
    *threshold*), and every one from there on lacks it and reserves all it
    asks.  The broker keeps, per pool, the waiting requests by the units they
    ask (:class:`Waiters`) and, over all pools, the requests grouped by what
    they ask (:class:`Group`), and answers each question of the full scan
    from them:

    * a new request cannot let a waiting one fit (it only takes or reserves
      units), so only the new request is judged, against the units that the
      requests ahead of it reserve, and call-ins are recomputed in its on-call
      pools only;
    * after a change, a waiting request can only be granted if one of its pools
      gained units or lost a request ahead of it (otherwise the pool that held
      it back in the settled state still does); units coming free in a pool that
      no waiting request lacks change nothing at all.  So the grant pass looks
      at the groups of the pools that changed only, one request per group at a time, and learns
      where each pool runs out from :meth:`Waiters.first_over` rather than by
      walking the queue;
    * a pool's call-ins and reservations ahead of a request are sums of units
      from its threshold (:meth:`Waiters.units_between`, :meth:`Waiters.crossing`).
    """

    def __init__(self, env: simpy.Environment, log: EventLog, pools: list[Pool], fifo: bool = False):
        self.env = env
        self.log = log
        self.pools = pools
        self.fifo = fifo
        self._seq = itertools.count()
        self._append = log.rows.append
        self._by_rank: dict[int, Grant] = {}  # waiting requests
        self._by_case: dict[int, list[Grant]] = {}  # waiting requests, by case id
        self._groups: dict[tuple[tuple[Pool, int], ...], Group] = {}
        self._stamp = 0
        self._handovers = 0
        self._called_in = 0  # on-call people on site, over all pools
        self._on_call_pools = [p for p in pools if p.on_call > 0]
        self._commits: dict[Grant, simpy.Event] = {}  # waiting requests whose ``committed`` event is pending

    @property
    def waiting(self) -> list[Grant]:
        """Requests still waiting, in service order."""
        return [self._by_rank[rank] for rank in sorted(self._by_rank)]

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
        self._serve(None)
        self._send_home()

    def hand_over(self, on_duty: dict[Pool, int]) -> None:
        """A new shift starts in each pool of ``on_duty`` (pool -> headcount); then serve."""
        for pool, n in on_duty.items():
            self._hand_over(pool, n)
        self._serve(None)
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

    # -- the queue --------------------------------------------------------------------------------------------

    def _enqueue(self, grant: Grant) -> None:
        """Put ``grant`` in the queue's indexes (it waits)."""
        grant.queued = True
        rank = grant.rank
        self._by_rank[rank] = grant
        self._by_case.setdefault(grant.case_id, []).append(grant)
        group = grant.group
        if group is None:
            needs = tuple(grant.need.items())
            group = self._groups.get(needs)
            if group is None:
                group = self._groups[needs] = Group(needs)
                for pool, _ in needs:
                    pool.groups.append(group)
            grant.group = group
        bisect.insort(group.ranks, rank)
        for pool, n in grant.need.items():
            pool.wanted += 1
            pool.waiters.add(rank, n)

    def _dequeue(self, grant: Grant) -> None:
        """Take ``grant`` out of the queue's indexes (granted, withdrawn or re-ranked)."""
        grant.queued = False
        rank = grant.rank
        del self._by_rank[rank]
        mine = self._by_case[grant.case_id]
        mine.remove(grant)
        if not mine:
            del self._by_case[grant.case_id]
        ranks = grant.group.ranks  # type: ignore[union-attr]  # set by _enqueue
        del ranks[bisect.bisect_left(ranks, rank)]
        for pool, n in grant.need.items():
            pool.wanted -= 1
            pool.waiters.remove(rank, n)

    @staticmethod
    def _reserved_ahead(pool: Pool, rank: float) -> int:
        """Units of ``pool`` reserved, in a settled state, by the waiting requests ranked before ``rank``."""
        waiters = pool.waiters
        free = pool.capacity + pool.called_in + pool.overtime - pool.busy
        if free >= waiters.most:  # nobody lacks the pool
            return 0
        first = waiters.first_over(-1, free)
        return waiters.units_between(first, rank) if first < rank else 0

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
        rank, reserved = grant.rank, self._reserved_ahead
        for pool, n in need.items():
            free = pool.capacity + pool.called_in + pool.overtime - pool.busy
            if free < n or (pool.waiters.most > free and free - reserved(pool, rank) < n):  # (someone lacks it)
                break
        else:
            self._take(grant)
            if self._on_call_pools:  # fewer units are free now: requests ahead as well as behind may lack more
                callers = [p for p in need if p.wanted and p.on_call > p.called_in + p.calling]
                if callers:
                    self._call_in(callers)
            return grant
        self._enqueue(grant)
        if self._on_call_pools:  # nothing changed for the requests ahead: look from this one's place on
            callers = [p for p in need if p.on_call > p.called_in + p.calling]
            if callers:
                self._call_in(callers, rank)
        return grant

    def reprioritise(self, case_id: int, priority: int) -> None:
        """Give every waiting request of ``case_id`` a new priority (same arrival order); then serve.

        Ignored under FIFO dispatch.
        """
        if self.fifo:
            return
        moved = [g for g in self._by_case.get(case_id, ()) if g.priority != priority]
        for grant in moved:
            self._dequeue(grant)
            grant.priority = priority
            grant.rank = priority * SEQ_SPAN + grant.seq
            self._enqueue(grant)
        if moved:
            self._serve({pool for grant in moved for pool in grant.need})
            self._send_home()

    def cancel(self, grant: Grant) -> None:
        """Withdraw a waiting request (``withdraw`` rows, one per pool); then serve the requests
        behind it, which its reservations no longer hold back.  A granted one is released instead."""
        if grant.event.triggered:
            self.release(grant)
            return
        if not grant.queued:
            return
        self._dequeue(grant)
        now, append = self.env.now, self._append
        for pool, n in grant.need.items():
            append((grant.case_id, now, "withdraw", pool.hospital, pool.name, n, ""))
        self._serve(grant.need)
        self._send_home()

    def release(self, grant: Grant, part: dict[Pool, int] | None = None) -> None:
        """Give back everything ``grant`` holds, or only ``part`` (pool -> units; at most what it holds).

        Overtime people whose job this was go home; called-in people held by the
        grant are given back first.  Then the requests that lacked a pool that
        gained units are served (where nobody lacked a pool, more free units
        there cannot let anyone fit).
        """
        held, called, append, now = grant.held, grant.called, self._append, self.env.now
        items = list(held.items()) if part is None else [(p, min(n, held.get(p, 0))) for p, n in part.items()]
        gained = []
        for pool, n in items:
            if n <= 0:
                continue
            lacked = pool.waiters.most > pool.capacity + pool.called_in + pool.overtime - pool.busy
            left = held[pool] - n
            if left:
                held[pool] = left
            else:
                del held[pool]
            pool.busy -= n
            append((grant.case_id, now, "release", pool.hospital, pool.name, n, ""))
            rostered = n
            if called and called.get(pool):
                k = min(n, called[pool])
                called[pool] -= k
                pool.called_busy -= k
                rostered -= k
            if rostered and grant.epoch < pool.epoch and pool.rostered:
                pool.overtime -= rostered  # overtime people go home: only called-in units came free
                append((grant.case_id, now, "overtime_end", pool.hospital, pool.name, rostered, ""))
                lacked = lacked and rostered < n
            if lacked:
                gained.append(pool)
        if gained:
            self._serve(gained)
        if self._called_in:
            self._send_home()

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
        grant.event.succeed()  # no value: the grant holds its event, and an event holding its grant would be
        # a reference cycle, freed only by the cyclic collector (about 6,000 a stress run)

    def _serve(self, changed: Iterable[Pool] | None) -> None:
        """The full scan after a change in the pools ``changed`` (None: any pool): grant what fits beyond
        the reservations ahead, then call in staff.

        Only the groups of requests that need a changed pool can hold a request
        that now fits, and only while every pool they need has enough free.
        """
        self._stamp += 1
        stamp, heads = self._stamp, []
        groups = self._groups.values() if changed is None else [g for pool in changed for g in pool.groups]
        for group in groups:
            if group.stamp == stamp or not group.ranks:
                continue
            group.stamp = stamp
            pool, n = group.blocker
            if pool.capacity + pool.called_in + pool.overtime - pool.busy < n:
                continue
            for pool, n in group.needs:
                if pool.capacity + pool.called_in + pool.overtime - pool.busy < n:
                    group.blocker = (pool, n)
                    break
            else:
                heads.append((group.ranks[0], group))
        if heads:
            self._grant_pass(heads)
        self._call_in(None)

    def _grant_pass(self, heads: list[tuple[int, Group]]) -> None:
        """Grant, in service order, the requests of these groups (``(rank of the first, group)``) that fit.

        Per pool the pass keeps ``[units left, rank of its last grant, rank where it runs out]``: between
        two grants a pool runs out at the first request that asks for more than is left, which
        :meth:`Waiters.first_over` finds without looking at the requests before it.
        """
        heapq.heapify(heads)
        state: dict[Pool, list] = {}
        while heads:
            rank, group = heads[0]
            for pool, n in group.needs:
                s = state.get(pool)
                if s is None:
                    s = state[pool] = [pool.capacity + pool.called_in + pool.overtime - pool.busy, -1, None]
                if s[0] < n:
                    break
                out = s[2]
                if out is None:
                    out = s[2] = pool.waiters.first_over(s[1], s[0])
                if out < rank:
                    break
            else:
                for pool, n in group.needs:
                    s = state[pool]
                    s[0] -= n
                    s[1] = rank
                    s[2] = None
                grant = self._by_rank[rank]
                self._dequeue(grant)
                self._take(grant)
                if group.ranks:
                    heapq.heapreplace(heads, (group.ranks[0], group))
                else:
                    heapq.heappop(heads)
                continue
            group.blocker = (pool, n)
            heapq.heappop(heads)

    def _call_in(self, pools: Iterable[Pool] | None, start: float = -1) -> None:
        """Call on-call staff for what each waiting request lacks after the reservations ahead of it
        and the people already on their way, in service order.

        Only in ``pools`` when given, and only for the requests ranked from
        ``start`` on.  Each pool's calls depend on that pool alone, so they are
        found pool by pool (:meth:`_calls`) and made in service order.
        """
        calls: list[tuple[int, int, Pool, int]] = []
        for pool in self._on_call_pools if pools is None else pools:
            if pool.on_call > pool.called_in + pool.calling \
                    and pool.waiters.most > pool.capacity + pool.called_in + pool.overtime - pool.busy:  # one lacks it
                self._calls(pool, start, calls)
        if calls:
            calls.sort(key=lambda call: call[:2])
            for rank, _, pool, k in calls:
                case_id = self._by_rank[rank].case_id
                for _ in range(k):
                    self._call(pool, case_id)
        self._check_commits()

    def _calls(self, pool: Pool, start: float, out: list[tuple[int, int, Pool, int]]) -> None:
        """Append ``(rank, place of the pool in the request, pool, people)`` for each request ranked from
        ``start`` on that calls people of ``pool``.

        From the pool's threshold on every request reserves what it asks; a request calls as many
        people as its reservation raises the total reserved above the free units and the people on
        their way, while anyone is left to call.
        """
        free = pool.capacity + pool.called_in + pool.overtime - pool.busy
        covered, left = free + pool.calling, pool.on_call - pool.called_in - pool.calling
        waiters = pool.waiters
        first = waiters.first_over(-1, free)
        if first == END:
            return
        rank = waiters.crossing(first, max(first, start), covered)
        if rank == END:
            return
        reserved, done = waiters.units_between(first, rank), 0
        for r, n in waiters.from_rank(rank):
            reserved += n
            want = min(reserved - covered, left)
            if want > done:
                out.append((r, list(self._by_rank[r].need).index(pool), pool, want - done))
                done = want
                if done >= left:
                    return

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
        """Succeed the ``committed`` events whose requests are now covered (see ``committed``), in service order."""
        commits = self._commits
        if not commits:
            return
        reserved = self._reserved_ahead
        for grant in sorted((g for g in commits if g.queued), key=lambda g: g.rank):
            if all(pool.capacity + pool.called_in + pool.overtime - pool.busy + pool.calling
                   - reserved(pool, grant.rank) >= n for pool, n in grant.need.items()):
                commits.pop(grant).succeed()
        for grant in [g for g in commits if not g.queued]:  # granted or withdrawn
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
            self._serve((pool,))
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
