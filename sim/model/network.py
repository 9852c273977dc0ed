"""The network's choices: which team goes, where a newborn is admitted, where a transfer goes.

Every choice is made from what the service knows at that moment: who is
free now, how long a called-in person takes on average, and the expected
journey at this time of day (the peak or off-peak mean of the route).
Nothing here draws a random number, so a choice never shifts a stream
(common random numbers hold across dispatch policies).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.model import clock
from sim.scenario.schema import Team, window_intervals

if TYPE_CHECKING:
    from sim.model.context import SimContext
    from sim.model.entities import Case
    from sim.model.resources import Pool

FREE, CALL_IN, BUSY, LATER = "free", "call-in", "busy", "later"
"""A team's state when it is considered: every unit free now; free once on-call staff
come in; some unit held by other cases (its arrival cannot be known); not
available now (it can go when its window opens)."""


@dataclass(slots=True)
class TeamPlan:
    """One team's place in the network: when it can be sent, where it waits, how often it went."""

    team: Team
    available: clock.WeeklyRoster | None  # None: always
    bases: list[tuple[str, clock.WeeklyRoster]]  # (host, when the team is based there)
    dispatched: int = 0

    @classmethod
    def of(cls, team: Team) -> TeamPlan:
        available = None if team.available is None else clock.WeeklyRoster(window_intervals(team.available))
        bases = [(b.at, clock.WeeklyRoster(window_intervals([b]))) for b in team.based_at]
        return cls(team, available, bases)

    def available_at(self, t: float) -> bool:
        return self.available is None or self.available.on_duty(t) > 0

    def next_available(self, t: float) -> float:
        """``t`` if the team can be sent then, else when its next availability window opens."""
        if self.available is None:
            return t
        while self.available.on_duty(t) == 0:
            t = self.available.next_change(t)
        return t

    def location(self, t: float) -> str:
        """Where the team waits at ``t``: a host it is based at, or its home hospital."""
        for host, week in self.bases:
            if week.on_duty(t) > 0:
                return host
        return self.team.home


@dataclass(slots=True)
class Estimate:
    """A team's expected arrival at the host, in minutes from now (inf when it cannot be known)."""

    team: str
    minutes: float
    state: str

    def text(self) -> str:
        shown = "inf" if math.isinf(self.minutes) else f"{self.minutes:.1f}"
        return f"{self.team}={shown}:{self.state}"


@dataclass(slots=True)
class Choice:
    """The chosen team (None: no team can go now, and ``waiting`` holds every team, in order,
    for the first to come free) and every team's estimate, in team order."""

    team: Team | None
    estimates: list[Estimate] = field(default_factory=list)
    reason: str = ""
    waiting: list[TeamPlan] = field(default_factory=list)

    def detail(self) -> str:
        return "; ".join(e.text() for e in self.estimates) + f" | {self.reason}"


def expected_travel_min(ctx: SimContext, origin: str, dest: str, t: float, via: str) -> float:
    """The mean journey from ``origin`` to ``dest`` starting at ``t`` (peak or off-peak by the
    clock), through ``via`` when there is no direct route."""
    if origin == dest:
        return 0.0
    route = ctx.routes.get((origin, dest))
    if route is None and via in (origin, dest):
        return math.inf  # validation gives every journey the model makes a route, or one through ``via``
    if route is None:
        first = expected_travel_min(ctx, origin, via, t, via)
        return first + expected_travel_min(ctx, via, dest, t + first, via)
    peak = clock.in_windows(t, ctx.peak_windows)
    return (route.peak if peak else route.off_peak).mean()


def _people_ready_min(need: dict[Pool, int]) -> tuple[float, str]:
    """How long until every unit of ``need`` is on site: 0 when all are free, the longest
    mean call-in when on-call staff cover the rest, inf when something is held elsewhere."""
    wait, state = 0.0, FREE
    for pool, n in need.items():
        lack = n - pool.free
        if lack <= 0:
            continue
        if pool.call_in_mean is None or pool.on_call_left < lack:
            return math.inf, BUSY
        wait, state = max(wait, pool.call_in_mean), CALL_IN
    return wait, state


def estimate(ctx: SimContext, plan: TeamPlan, case: Case, ready_now: bool = False) -> Estimate:
    """``plan``'s expected arrival at ``case``'s host if it were sent now.

    A team that is not available now is expected when its window opens (its
    people are assumed free then); one whose people are held by other cases
    has no known arrival (inf), unless ``ready_now`` (it has just been
    granted).  Mobilisation runs alongside call-in and is not needed by a
    team already based at the host.
    """
    team, now = plan.team, ctx.env.now
    start = plan.next_available(now)
    if start > now or ready_now:
        ready, state = 0.0, (LATER if start > now else FREE)
    else:
        ready, state = _people_ready_min(ctx.team_request(team))
        if math.isinf(ready):
            return Estimate(team.name, math.inf, state)
    where = plan.location(start)
    mobilise = 0.0 if where == case.hospital else team.mobilisation.mean()
    leave = start + max(ready, mobilise)
    travel = expected_travel_min(ctx, where, case.hospital, leave, team.home)
    return Estimate(team.name, leave + travel - now, state)


def expected_ready_min(ctx: SimContext, team: Team, origin: str, host: str) -> float:
    """Minutes from now until a team granted now, waiting at ``origin``, is expected ready at
    ``host``: mean mobilisation (none when based there), the mean journey at the hour and
    the mean set-up."""
    mobilise = 0.0 if origin == host else team.mobilisation.mean()
    travel = expected_travel_min(ctx, origin, host, ctx.env.now + mobilise, team.home)
    return mobilise + travel + team.setup_on_site.mean()


def team_order(ctx: SimContext, host: str) -> list[TeamPlan]:
    """The teams in the order ``home_first`` tries them at ``host``: ``policies.team_order``
    for the host, then the others in the scenario's order."""
    first = ctx.scenario.policies.team_order.get(host, [])
    names = list(dict.fromkeys([*first, *ctx.plans]))
    return [ctx.plans[n] for n in names]


def choose_team(ctx: SimContext, case: Case) -> Choice:
    """The team to send to ``case``, by ``policies.team_dispatch``.

    * ``nearest_available``: of the teams that can go now (free, or free
      once their on-call staff come in) and those whose availability window
      opens later, the one expected on site soonest.
    * ``home_first``: the first team in ``team_order`` that can go now.
    * ``balanced``: of the teams that can go now, the one sent least often
      so far (ties: ``team_order``).

    A booked case only has to make its slot: a team that can go with the
    people on duty is preferred to one that must call staff in.  When no
    team can go now, none is chosen (``waiting`` lists them all): every team
    is asked for, and the first to come free goes (:func:`first_team_free`).
    """
    order = team_order(ctx, case.hospital)
    estimates = {p.team.name: estimate(ctx, p, case) for p in order}
    state = {name: e.state for name, e in estimates.items()}
    now = [p for p in order if state[p.team.name] in (FREE, CALL_IN)]
    if case.booked and any(state[p.team.name] == FREE for p in now):
        now = [p for p in now if state[p.team.name] == FREE]
    shown = [estimates[name] for name in ctx.plans]
    if not now:
        return Choice(None, shown, "none can go now: the first to come free goes", order)
    policy = ctx.scenario.policies.team_dispatch
    if policy == "nearest_available":
        later = [p for p in order if state[p.team.name] == LATER]
        plan, reason = min([*now, *later], key=lambda p: estimates[p.team.name].minutes), "nearest"
    elif policy == "balanced":
        plan, reason = min(now, key=lambda p: p.dispatched), "least used"
    else:
        plan, reason = now[0], "first free"
    return Choice(plan.team, shown, reason)


def _free(ctx: SimContext, hospital: str, name: str) -> bool:
    pool = ctx.pools.get((hospital, name))
    return pool is not None and pool.free > 0


def choose_nicu(ctx: SimContext, case: Case, team: Team) -> str:
    """Where the newborn goes, by ``policies.nicu_choice``: the team's home NICU, or the
    nearest NICU (a hospital with ``nicu: true`` and cots) with a free cot, reachable by a
    direct route; else the team's home."""
    if ctx.scenario.policies.nicu_choice == "team_home":
        return team.home
    now, host = ctx.env.now, case.hospital
    reachable = [h for h, spec in ctx.scenario.hospitals.items()
                 if spec.nicu and spec.nicu_cots > 0 and (h == host or (host, h) in ctx.routes)]
    candidates = [h for h in reachable if _free(ctx, h, "nicu_cot")]
    if not candidates:
        return team.home
    return min(candidates, key=lambda h: expected_travel_min(ctx, host, h, now, team.home))


def choose_obstetric_hospital(ctx: SimContext, case: Case) -> str:
    """Where a transfer goes, by ``policies.transfer_to``: the nearest obstetric hospital (a
    team's home), or the nearest with a free operating room, else the nearest."""
    now, host = ctx.env.now, case.hospital
    homes = list(dict.fromkeys(t.home for t in ctx.scenario.teams))
    by_distance = sorted(homes, key=lambda h: expected_travel_min(ctx, host, h, now, h))
    if ctx.scenario.policies.transfer_to == "free_theatre":
        free = [h for h in by_distance if _free(ctx, h, "operating_room")]
        if free:
            return free[0]
    return by_distance[0]
