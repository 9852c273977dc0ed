"""The event log: the model's one output, a closed vocabulary of events.

Each row is ``(case_id, time_min, event, hospital, resource, value, detail)``;
the experiment layer adds ``replication``.  ``case_id`` is -1 for events that
belong to no case (roster changes, called-in staff going home).  Appending a
tuple to a list is the cheapest record Python offers, which keeps logging off
the hot path.
"""

from __future__ import annotations

from typing import NamedTuple

EVENTS: dict[str, str] = {
    "case_created": "a case appears; hospital = where the mother is; detail = case type; value = gestation (weeks)",
    "urgency": "the case's urgency category is set or raised; detail = category",
    "consult_start": "urgent inter-hospital consultation begins (seniors at both hospitals present)",
    "decision": "the decision to operate; detail = pathway (outreach, transfer, home)",
    "surgery_scheduled": "a planned case gets a surgery time; value = scheduled time (min)",
    "deteriorated": "the mother deteriorates during stabilisation; detail = new urgency",
    "stabilisation_start": "the mother occupies a host ICU bed for preoperative stabilisation",
    "stabilisation_end": "the mother is ready for surgery",
    "team_requested": "dispatch begins: every role, item and vehicle is requested at once",
    "team_assembled": "the whole team, equipment and ambulance are granted",
    "team_departed": "after mobilisation the team leaves home",
    "team_on_site": "the team arrives at the host hospital",
    "team_ready": "on-site set-up (theatre check, drugs, incubator warm-up) is done",
    "mother_departed": "transfer pathway: the mother leaves the host by ambulance",
    "mother_arrived": "transfer pathway: the mother arrives at the obstetric hospital",
    "theatre_entry": "operating room, team and patient are together",
    "incision": "anaesthesia done; skin incision",
    "delivery": "the baby is born; value = birth weight (g)",
    "surgery_end": "closure done; the operating room is released",
    "neonatal_stabilised": "the newborn is stable in the transport incubator",
    "newborn_departed": "the newborn leaves by mobile incubator; detail = destination",
    "nicu_arrival": "the newborn arrives at the neonatal unit",
    "nicu_admission": "the newborn gets a NICU cot; detail = 'diverted' when not the first choice",
    "nicu_discharge": "the newborn leaves the NICU cot",
    "team_returned": "the rest of the team is back home",
    "equipment_restocked": "an item is cleaned and restocked; resource = item",
    "icu_discharge": "the mother leaves the ICU bed after postoperative care",
    "case_closed": "every branch of the case is finished",
    "request": "a pool is asked for; resource = pool; value = count",
    "acquire": "a pool grants; resource = pool; value = count",
    "release": "a pool gets units back; resource = pool; value = count",
    "capacity": "on-duty capacity of a pool is set (start, shift change); value = units",
    "call_in": "an on-call person is called; resource = role",
    "call_in_arrival": "the called-in person is on site; resource = role",
    "call_in_home": "a called-in person is released back to on-call; resource = role",
}


class Event(NamedTuple):
    case_id: int
    time_min: float
    event: str
    hospital: str
    resource: str
    value: float
    detail: str


COLUMNS = ("case_id", "time_min", "event", "hospital", "resource", "value", "detail")


class EventLog:
    """Rows in the order they happened."""

    __slots__ = ("rows",)

    def __init__(self) -> None:
        self.rows: list[tuple] = []

    def record(self, case_id: int, time_min: float, event: str, hospital: str = "",
               resource: str = "", value: float = float("nan"), detail: str = "") -> None:
        self.rows.append((case_id, time_min, event, hospital, resource, value, detail))
