"""Entities: plain data with their own random attributes, drawn at creation.

A case draws one uniform number per attribute, in a fixed order, the moment it
is created.  Durations are obtained later by passing these uniforms through
the scenario's distributions, so two scenarios run with one seed see the same
cases (common random numbers), even when a duration's distribution or the
case's urgency differs between them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import simpy

# One uniform per name, in this order; append only, never reorder.  A case drawn from a shared
# stream (outreach_cases, home_cases) takes len(CASE_DRAWS) numbers, so a new name here shifts
# every later case of that stream; a new step that must leave other cases alone uses a keyed
# uniform instead (sim.model.rng, e.g. the incubator's restock).
CASE_DRAWS = (
    "host", "urgency", "gestation", "weight_z", "consultation", "stabilisation", "deteriorates",
    "deterioration_at", "acute_stabilisation", "mobilisation", "setup", "anaesthesia", "incision",
    "closure", "neonatal_stabilisation", "postop_icu", "nicu_stay", "restock", "packaging",
    "needs_nicu", "decision_to_theatre", "severity", "minimum_resuscitation", "crew_mobilisation", "handover",
    "consult_answer", "crash_delay",
)
DRAW_INDEX = {name: i for i, name in enumerate(CASE_DRAWS)}


@dataclass(slots=True)
class Case:
    """One patient episode: an outreach case at a host hospital or a home emergency.

    ``hospital`` is where the mother is when the case starts; ``location`` is
    where she is now once a transfer has brought her to the obstetric
    hospital (empty before: the host, also while she is on the road);
    ``urgency`` may rise when she deteriorates.  ``u`` holds the case's uniforms (see
    ``CASE_DRAWS``).  ``source`` and ``ordinal`` name the case independently
    of other cases (the demand stream or scripted list it came from, and its
    place there), so that keyed draws such as journeys stay the same when a
    scenario gains or loses other cases (common random numbers).
    """

    id: int
    kind: str  # "outreach" or "home"
    hospital: str
    urgency: str
    gestation_weeks: float
    u: tuple[float, ...]
    source: str = ""
    ordinal: int = 0
    severity: str = ""
    scheduled_min: float | None = None  # the booked slot of a planned case
    latest_slot_min: float | None = None  # a planned case's clinical cap: her slot is never later
    pathway: str = ""
    team: str = ""  # the id of the team sent (outreach pathway)
    team_origin: str = ""  # where that team waited when it was granted: its home, or the host it is based at
    in_transit: bool = False
    location: str = ""  # set on arrival after a transfer; empty: at ``hospital``
    deteriorated: simpy.Event | None = field(default=None, repr=False)
    stabilised: simpy.Event | None = field(default=None, repr=False)  # the mother is ready for theatre
    in_theatre: simpy.Event | None = field(default=None, repr=False)  # ends her deterioration hazard
    hazard_changed: simpy.Event | None = field(default=None, repr=False)  # travel starts or ends

    @property
    def booked(self) -> bool:
        """A planned case waiting for its slot (not once she has deteriorated)."""
        return self.scheduled_min is not None and not (self.deteriorated is not None and self.deteriorated.triggered)

    def key(self, *parts: str | int) -> tuple:
        """A key for a draw that belongs to this case and one of its steps."""
        return (self.source, self.ordinal, *parts)

    def draw(self, name: str) -> float:
        """This case's uniform for ``name``."""
        return self.u[DRAW_INDEX[name]]
