"""The per-replication context that every process receives first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.model import clock

if TYPE_CHECKING:
    import simpy

    from sim.model.entities import Case
    from sim.model.eventlog import EventLog
    from sim.model.network import TeamPlan
    from sim.model.resources import Broker, Pool
    from sim.model.rng import Streams
    from sim.scenario.schema import Route, Scenario, Team


@dataclass(slots=True)
class SimContext:
    """Everything one replication owns: clock, streams, pools, broker, log, scenario.

    Pools are keyed by ``(hospital id, pool name)``; pool names are staff roles,
    equipment items, and ``operating_room``, ``icu_bed``, ``nicu_cot``, ``ambulance``.
    A dedicated team's own pools are keyed by the team's id in place of a hospital.
    ``plans`` holds each team's availability, bases and dispatch count, by team id.
    """

    env: simpy.Environment
    scenario: Scenario
    streams: Streams
    log: EventLog
    broker: Broker
    pools: dict[tuple[str, str], Pool]
    routes: dict[tuple[str, str], Route]  # both directions
    peak_windows: list[tuple[int, int]]
    next_case_id: int = 0
    needs: dict[tuple | str, dict[Pool, int]] = field(default_factory=dict)  # cache of ``need`` (str: a team's)
    ordinals: dict[str, int] = field(default_factory=dict)  # cases started so far, by source
    case_keys: dict[int, tuple[str, int]] = field(default_factory=dict)  # case id -> (source, ordinal)
    plans: dict[str, TeamPlan] = field(default_factory=dict)  # team id -> its plan, in the scenario's order

    def pool(self, hospital: str, name: str) -> Pool:
        return self.pools[(hospital, name)]

    def need(self, hospital: str, counts: dict[str, int]) -> dict[Pool, int]:
        """Turn ``{name: count}`` at one hospital into a broker request.

        Requests repeat (the same team, a cot, a bed), so each one is built once
        and shared: callers must not change the dict they get.
        """
        key = (hospital, *counts.items())
        need = self.needs.get(key)
        if need is None:
            need = self.needs[key] = {self.pools[(hospital, name)]: n for name, n in counts.items()}
        return need

    def team_request(self, team: Team) -> dict[Pool, int]:
        """Every role of ``team``, its equipment and its ambulance(s), from the pools it draws on (built once
        per team and shared, as :meth:`need`)."""
        need = self.needs.get(team.name)
        if need is None:
            need = self.needs[team.name] = self.need(team.owner, {**team.composition, **team.equipment,
                                                                  "ambulance": team.ambulances})
        return need

    def team_of(self, case: Case) -> Team:
        """The team sent to ``case``."""
        return self.plans[case.team].team

    def priority(self, urgency: str) -> int:
        return self.scenario.urgency[urgency].priority

    def count(self, source: str) -> int:
        """The next ordinal of a case from ``source`` (0, 1, ...): its place in its own stream."""
        n = self.ordinals.get(source, 0)
        self.ordinals[source] = n + 1
        return n

    def new_case_id(self) -> int:
        self.next_case_id += 1
        return self.next_case_id

    def keep(self, case: Case) -> Case:
        """Remember ``case``'s key by its id (call-in draws are keyed by case), and return it."""
        self.case_keys[case.id] = (case.source, case.ordinal)
        return case

    def travel_min(self, origin: str, dest: str, case: Case, leg: str, via: str | None = None) -> float:
        """A road journey starting now for ``case``'s ``leg`` (``outbound``, ``return``, ...).

        Peak-hour windows use the route's peak distribution.  The uniform is
        keyed by the case and the leg (``Streams.keyed``), never drawn in the
        order journeys happen, so common random numbers hold for every
        journey.  Without a direct route the journey goes through ``via`` (by
        default the first team's home hospital), each hop with its own key.
        """
        if origin == dest:
            return 0.0
        route = self.routes.get((origin, dest))
        if route is None:
            hub = via or self.scenario.teams[0].home
            if hub in (origin, dest):
                raise ValueError(f"no route between {origin} and {dest}")  # validation prevents it
            first = self.travel_min(origin, hub, case, f"{leg}/1", hub)
            return first + self.travel_min(hub, dest, case, f"{leg}/2", hub)
        peak = clock.in_windows(self.env.now, self.peak_windows)
        dist = route.peak if peak else route.off_peak
        return dist.ppf(self.streams.keyed("travel", *case.key(leg)))


def planned_windows(ctx: SimContext) -> list[tuple[str, int, int]]:
    """``policies.planned_windows`` as ``(days, start min, end min)``."""
    return [(w.days, clock.clock_to_min(w.start), clock.clock_to_min(w.end))
            for w in ctx.scenario.policies.planned_windows]
