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
    "severity": "an outreach case's severity band (the mother's illness), at creation; detail = band",
    "consult_start": "the on-call senior answers the host's call; the telephone consultation begins",
    "decision": "the decision to operate; detail = pathway (outreach, transfer, home)",
    "surgery_scheduled": "a planned case gets a surgery time; value = scheduled time (min)",
    "deteriorated": "the mother deteriorates (any time from referral to theatre entry); hospital = where she is "
                    "(the host; after a transfer's mother_arrived, the obstetric hospital; in the ambulance, the "
                    "host she left, as mother_departed); detail = new urgency; value = 1 in transit, else 0",
    "stabilisation_start": "resuscitation (urgent) or stabilisation (booked) of the mother begins, at the decision",
    "stabilisation_end": "the mother can go to theatre (minimum resuscitation or capped stabilisation done)",
    "crash_call": "crash policy: the team is not ready, the host's own staff are called to start",
    "crash_start": "crash policy: the host's staff take her to theatre (the team comes for the newborn)",
    "team_chosen": "the team to send is chosen (policies.team_dispatch); hospital = whose staff it takes (its "
                   "home, or a dedicated team's own id); resource = team id; value = its expected arrival (min "
                   "from now); detail = every team's 'id=minutes:state' and the reason",
    "team_awaited": "no team can go now: every team is asked for and the first to come free goes; detail = "
                    "every team's 'id=minutes:state' when the wait began",
    "team_requested": "dispatch begins: every role, item and vehicle is requested at once (hospital = where the "
                      "team waits: its home, or the host it is based at; the host when every team is asked for)",
    "team_assembled": "the whole team, equipment and ambulance are granted",
    "team_stood_down": "a booked case's team came too late for her window: released, her slot re-booked",
    "team_departed": "after mobilisation the team leaves home (or its base; at once when based at the host)",
    "team_on_site": "the team arrives at the host hospital",
    "team_ready": "on-site set-up (theatre check, drugs, incubator warm-up) is done",
    "crew_requested": "transfer pathway: an ambulance and its escort are requested",
    "crew_assembled": "transfer pathway: ambulance and escort are granted",
    "crew_stood_down": "a booked transfer's crew would bring her in only after her window: released, her slot "
                       "re-booked",
    "crew_departed": "transfer pathway: after mobilisation the crew leaves the obstetric hospital",
    "crew_on_site": "transfer pathway: the crew arrives at the host",
    "mother_packaged": "transfer pathway: the mother is packaged for the journey",
    "mother_departed": "transfer pathway: the mother leaves the host by ambulance",
    "mother_arrived": "transfer pathway: the mother arrives at the obstetric hospital",
    "handover_done": "transfer pathway: handover and theatre preparation done on arrival",
    "theatre_entry": "operating room, team and patient are together",
    "incision": "anaesthesia done; skin incision",
    "delivery": "the baby is born; value = birth weight (g)",
    "surgery_end": "closure done; the operating room is released",
    "neonatal_stabilised": "the newborn is stable in the transport incubator",
    "newborn_departed": "the newborn leaves by mobile incubator; detail = destination",
    "nicu_arrival": "the newborn arrives at the neonatal unit (again at the divert unit after newborn_diverted)",
    "newborn_diverted": "the wait for a cot reached its limit; the newborn goes on; detail = destination",
    "nicu_admission": "the newborn is admitted; detail = 'diverted' (a cot at the divert unit), 'surge' (over the "
                      "count, no cot held, after the wait limit at the first unit or at the divert unit) or empty",
    "nicu_discharge": "the newborn leaves the NICU cot",
    "team_returned": "the rest of the team is back home (or at the host it is based at by then)",
    "neonatal_crew_returned": "the team's neonatal staff and ambulance are back from a neonatal unit that is not "
                              "where the team waits, and are released",
    "equipment_restocked": "an item is cleaned and restocked; resource = item",
    "icu_bed_wait": "surgery is over and no host ICU bed is free: she waits in recovery",
    "icu_admission": "the mother is in an ICU bed for postoperative care",
    "icu_discharge": "the mother leaves the ICU bed after postoperative care",
    "case_closed": "every branch of the case is finished",
    "request": "a pool is asked for; resource = pool; value = count",
    "acquire": "a pool grants; resource = pool; value = count",
    "release": "a pool gets units back; resource = pool; value = count",
    "withdraw": "a waiting request is withdrawn unserved (e.g. a wait limit passed); resource = pool; value = count",
    "capacity": "on-duty capacity of a pool is set (start, shift change); value = units",
    "call_in": "an on-call person is called; resource = role",
    "call_in_arrival": "the called-in person is on site; resource = role",
    "call_in_home": "a called-in person is released back to on-call; resource = role",
    "overtime_start": "a shift change: staff busy at the change stay on as overtime; resource = role; value = people",
    "overtime_end": "overtime staff finish their job and go home; resource = role; value = people",
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
