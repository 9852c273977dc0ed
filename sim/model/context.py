"""The per-replication context that every process receives first."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sim.model import clock

if TYPE_CHECKING:
    import simpy

    from sim.model.eventlog import EventLog
    from sim.model.resources import Broker, Pool
    from sim.model.rng import Streams
    from sim.scenario.schema import Route, Scenario


@dataclass(slots=True)
class SimContext:
    """Everything one replication owns: clock, streams, pools, broker, log, scenario.

    Pools are keyed by ``(hospital id, pool name)``; pool names are staff roles,
    equipment items, and ``operating_room``, ``icu_bed``, ``nicu_cot``, ``ambulance``.
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
    needs: dict[tuple, dict[Pool, int]] = field(default_factory=dict)  # cache of ``need``

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

    def priority(self, urgency: str) -> int:
        return self.scenario.urgency[urgency].priority

    def new_case_id(self) -> int:
        self.next_case_id += 1
        return self.next_case_id

    def travel_min(self, origin: str, dest: str) -> float:
        """A road journey starting now, drawn from the ``travel`` stream.

        Peak-hour windows use the route's peak distribution.  Without a direct
        route the journey goes through the team's home hospital.
        """
        if origin == dest:
            return 0.0
        route = self.routes.get((origin, dest))
        if route is None:
            home = self.scenario.team.home
            return self.travel_min(origin, home) + self.travel_min(home, dest)
        peak = clock.in_windows(self.env.now, self.peak_windows)
        dist = route.peak if peak else route.off_peak
        return dist.ppf(self.streams["travel"].random())
