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

# One uniform per name, in this order; append only, never reorder.
CASE_DRAWS = (
    "host", "urgency", "gestation", "weight_z", "consultation", "stabilisation", "deteriorates",
    "deterioration_at", "acute_stabilisation", "mobilisation", "setup", "anaesthesia", "incision",
    "closure", "neonatal_stabilisation", "postop_icu", "nicu_stay", "restock", "packaging",
    "needs_nicu", "decision_to_theatre",
)
DRAW_INDEX = {name: i for i, name in enumerate(CASE_DRAWS)}


@dataclass(slots=True)
class Case:
    """One patient episode: an outreach case at a host hospital or a home emergency.

    ``hospital`` is where the mother is when the case starts; ``urgency`` may
    rise during stabilisation.  ``u`` holds the case's uniforms (see
    ``CASE_DRAWS``).
    """

    id: int
    kind: str  # "outreach" or "home"
    hospital: str
    urgency: str
    gestation_weeks: float
    u: tuple[float, ...]
    scheduled_min: float | None = None
    pathway: str = ""
    deteriorated: simpy.Event | None = field(default=None, repr=False)
    stabilised: simpy.Event | None = field(default=None, repr=False)

    def draw(self, name: str) -> float:
        """This case's uniform for ``name``."""
        return self.u[DRAW_INDEX[name]]
