"""Scripted-case fixtures: a quiet network, round fixed durations, cases at chosen times.

``quiet()`` is the baseline with every distribution fixed at a round value
(the constants below), no home emergencies, no Poisson outreach cases, no
deterioration, plenty of everything, and travel that does not depend on the
hour (peak == off-peak).  A test adds scripted cases (``script``), changes what
its rule needs, runs one replication (``run``) and reads the log (``Log``), so
every expected time can be written as arithmetic on the constants here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from typing import Any

from sim.model import clock
from sim.model.entities import CASE_DRAWS, DRAW_INDEX
from sim.model.rng import Streams
from sim.model.run import simulate
from tests.builders import baseline_data, build, fix_durations, fixed, unlimited

SEED = 11
DAY = clock.MIN_PER_DAY

# Round fixed durations (minutes) of the quiet network.
CONSULT_ANSWER = 5
CONSULTATION = 20
MOBILISATION = 30
SETUP = 25
TRAVEL = {"CLH": 15, "HHH": 10, "NHTD": 40}  # from NHOG, both ways, every hour
MIN_RESUS = {"cat1": 10, "cat2": 30}
ANAESTHESIA = {"cat1": 10, "cat2": 20, "planned": 30}
INCISION = 4
CLOSURE = 40
NEONATAL_STABILISATION = 30
RESTOCK = 90
POSTOP_ICU = 2880
NICU_STAY = 10080
STABILISATION = 600  # planned
CREW_MOBILISATION = 20
PACKAGING = 30
HANDOVER = 20


def quiet(horizon_days: float = 3) -> dict[str, Any]:
    """The quiet network as scenario data (see the module docstring)."""
    data = unlimited(fix_durations(baseline_data()))
    data["run"]["horizon_days"] = horizon_days
    demand = data["demand"]
    demand["home_emergency"] = None
    demand["outreach"]["rate_per_day"] = 0
    demand["outreach"]["scripted"] = []
    c = data["clinical"]
    c["deterioration_severity_factor"] = {}  # every severity at the urgency's own hazard
    c["consult_answer"] = fixed(CONSULT_ANSWER)
    c["consultation"] = fixed(CONSULTATION)
    c["minimum_resuscitation"] = {u: fixed(v) for u, v in MIN_RESUS.items()}
    c["anaesthesia"] = {u: fixed(v) for u, v in ANAESTHESIA.items()}
    c["incision_to_delivery"] = fixed(INCISION)
    c["closure"] = fixed(CLOSURE)
    c["neonatal_stabilisation"] = fixed(NEONATAL_STABILISATION)
    c["postop_icu"] = fixed(POSTOP_ICU)
    c["nicu_stay"] = fixed(NICU_STAY)
    c["nicu_stay_by_gestation"] = None
    c["stabilisation"] = {"planned": fixed(STABILISATION)}
    c["deterioration_rate_per_hour"] = {}
    t = data["team"]
    t["mobilisation"], t["setup_on_site"], t["restock"] = fixed(MOBILISATION), fixed(SETUP), fixed(RESTOCK)
    tr = data["transfer"]
    tr["crew_mobilisation"], tr["packaging"], tr["handover"] = (fixed(CREW_MOBILISATION), fixed(PACKAGING),
                                                                fixed(HANDOVER))
    for route in data["travel"]["routes"]:
        host = next(h for h in route["between"] if h != "NHOG")
        route["off_peak"] = route["peak"] = fixed(TRAVEL[host])
    data["policies"].update(planned_windows=[{"days": "weekdays", "start": "08:00", "end": "16:00"}],
                            planned_min_lead_min=120, planned_dispatch_lead_min=120, nicu_wait_limit_min=120)
    return data


def route(data: dict[str, Any], host: str, minutes: float) -> None:
    """Set the NHOG-``host`` journey to ``minutes`` at every hour."""
    for r in data["travel"]["routes"]:
        if host in r["between"]:
            r["off_peak"] = r["peak"] = fixed(minutes)


def script(data: dict[str, Any], *cases: tuple[float, str, str]) -> None:
    """Add scripted cases ``(time_min, host, urgency)`` at 34 weeks, severity high."""
    for time_min, host, urgency in cases:
        data["demand"]["outreach"]["scripted"].append(
            {"time_min": time_min, "host": host, "urgency": urgency, "severity": "high", "gestation_weeks": 34})


def run(data: dict[str, Any], seed: int = SEED, replication: int = 0) -> Log:
    return Log(simulate(build(data), seed, replication).rows)


def scripted_uniform(name: str, k: int = 0, seed: int = SEED, replication: int = 0) -> float:
    """The uniform ``name`` of the ``k``-th entry of the scripted list: each entry takes
    ``len(CASE_DRAWS)`` uniforms from a stream of its own, ``scripted_cases/<k>``."""
    u = Streams(seed, replication).stream(f"scripted_cases/{k}").random(len(CASE_DRAWS))
    return float(u[DRAW_INDEX[name]])


def exp_draw(k: int = 0, seed: int = SEED, replication: int = 0) -> float:
    """The unit-exponential hazard that case ``k`` deteriorates at: -ln(1 - u)."""
    return -math.log1p(-scripted_uniform("deterioration_at", k, seed, replication))


class Log:
    """An event log read by case."""

    def __init__(self, rows: list[tuple]):
        self.rows = rows
        self.by_case: dict[int, list[tuple]] = defaultdict(list)
        for row in rows:
            self.by_case[row[0]].append(row)

    def cases(self, kind: str = "outreach") -> list[int]:
        return [r[0] for r in self.rows if r[2] == "case_created" and r[6] == kind]

    def times(self, case_id: int, event: str) -> list[float]:
        return [r[1] for r in self.by_case[case_id] if r[2] == event]

    def at(self, case_id: int, event: str) -> float:
        """The time of the case's one ``event`` (fails when it is missing or repeated)."""
        found = self.times(case_id, event)
        assert len(found) == 1, f"case {case_id}: {event} logged {len(found)} times"
        return found[0]

    def first(self, case_id: int, event: str) -> float:
        found = self.times(case_id, event)
        assert found, f"case {case_id}: no {event}"
        return found[0]

    def rows_of(self, case_id: int, event: str, resource: str | None = None) -> list[tuple]:
        return [r for r in self.by_case[case_id] if r[2] == event and (resource is None or r[4] == resource)]
