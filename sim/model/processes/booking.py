"""Booking a planned caesarean: her slot in the planned-operating windows, within the clinical cap.

A planned (booked) mother is given a slot when the pathway is decided:

* the earliest time in the planned-operating windows (``policies.planned_windows``,
  assumption A12) that is at least the minimum lead after the decision
  (``policies.planned_min_lead_min``) and after she is expected ready for
  theatre: her own stabilisation (capped, A5 and A11) and, on the transfer
  pathway, the expected packaging, journey and handover at the obstetric
  hospital too;
* but never later than the clinical cap after the decision
  (``clinical.stabilisation_cap_min``, A11: delivered within 48 h): when no
  window opens before it, the slot is the cap itself, outside the windows
  (or when she is expected ready, if that is later).

Once her slot has come she goes to theatre as soon as she and the team are
ready, even if the window has closed by then: a late team at her side
operates rather than waiting for the next window.  Before the team (or a
transfer's crew) leaves, a team expected ready only outside a window is
stood down and the slot moved to the next one if it opens before the
cap (otherwise the team goes at once)
(:func:`sim.model.processes.dispatch.rebook_if_late`,
:func:`sim.model.processes.transfer.rebook_transfer_if_late`).
"""

from __future__ import annotations

from sim.model import clock
from sim.model.context import SimContext, planned_windows
from sim.model.entities import Case
from sim.model.network import expected_travel_min
from sim.model.processes.stabilise import stabilisation_min


def slot_from(ctx: SimContext, case: Case, t: float) -> float:
    """The earliest slot for ``case`` at or after ``t`` (min): in a planned window, or her
    latest slot (the clinical cap) if no window opens before it, or ``t`` when that has passed."""
    assert case.latest_slot_min is not None
    return min(clock.earliest_in_windows(t, planned_windows(ctx)), max(t, case.latest_slot_min))


def book_slot(ctx: SimContext, case: Case, pathway: str) -> None:
    """Book a planned case (see the module doc) on ``pathway`` (``"outreach"`` or ``"transfer"``).

    Records ``surgery_scheduled`` (value = the slot, min); other urgencies are not booked.
    """
    policies, now = ctx.scenario.policies, ctx.env.now
    if case.urgency != policies.planned_urgency:
        return
    ready = stabilisation_min(ctx, case)
    if pathway == "transfer":
        ready += expected_transfer_min(ctx, case)
    case.latest_slot_min = now + ctx.scenario.clinical.stabilisation_cap_min
    case.scheduled_min = slot_from(ctx, case, now + max(policies.planned_min_lead_min, ready))
    ctx.log.record(case.id, now, "surgery_scheduled", case.hospital, value=case.scheduled_min)


def rebook(ctx: SimContext, case: Case, ready: float) -> bool:
    """Move a booked case's slot when those who must come for it are expected ready only at
    ``ready`` (min), after her slot and outside the windows, and a window opens before her
    clinical cap; returns whether it moved.  Records ``surgery_scheduled`` again."""
    assert case.scheduled_min is not None
    assert case.latest_slot_min is not None
    start = max(ready, case.scheduled_min)  # an early team waits for the slot
    slot = clock.earliest_in_windows(start, planned_windows(ctx))
    if slot == start or slot > case.latest_slot_min:  # in time, or no window before the cap: go now
        return False
    case.scheduled_min = slot
    ctx.log.record(case.id, ctx.env.now, "surgery_scheduled", case.hospital, value=slot)
    return True


def slot_wait_min(ctx: SimContext, case: Case) -> float:
    """Minutes until a booked case may start: until her slot, 0 once it has come (or when not booked)."""
    if not case.booked:
        return 0.0
    assert case.scheduled_min is not None
    return max(case.scheduled_min - ctx.env.now, 0.0)


def expected_transfer_min(ctx: SimContext, case: Case, home: str | None = None) -> float:
    """Expected minutes from packaging to the end of handover at ``home`` (off-peak journey;
    by default the nearest obstetric hospital): how much later than at the host a booked
    transfer can be in theatre, and how much earlier than a team her crew must be sent."""
    transfer = ctx.scenario.transfer
    if home is None:
        home = min(dict.fromkeys(t.home for t in ctx.scenario.teams),
                   key=lambda h: expected_travel_min(ctx, case.hospital, h, ctx.env.now, h))
    route = ctx.routes.get((case.hospital, home))
    journey = route.off_peak.mean() if route is not None else 0.0
    handover = transfer.handover.mean() if transfer.handover is not None else 0.0
    return transfer.packaging.mean() + journey + handover
