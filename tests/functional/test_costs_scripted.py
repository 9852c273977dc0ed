"""Staff-hours, missions, NICU days and costs of scripted cases, computed by hand.

The quiet network of ``tests.scripted`` (round fixed durations, plenty of
everything), the baseline's illustrative rates (``costs`` in baseline.yaml:
doctors 150,000 and nurses and technicians 80,000 an hour away, 500,000 an
ambulance mission, 1,500,000 a NICU day).

Category-1 outreach at CLH, referral at 600 (travel 15 each way):
decision 625 = team assembled; departs 655, on site 670, ready 695; theatre 695,
incision 705, delivery 709, surgery ends 749; the newborn is stable at 739,
leaves with the neonatologist, the neonatal nurse and the ambulance, and is
admitted at 754 (they are released); the rest of the team is back at
749 + 15 = 764.
"""

from __future__ import annotations

import pytest

from sim.analysis.costs import with_resource_use
from sim.analysis.tables import cases_table, events_frame
from sim.experiment.runner import staff_roles_of
from sim.model.run import simulate
from tests.builders import build
from tests.scripted import NICU_STAY, SEED, quiet, script

T0 = 600
DECISION, NICU_ADMISSION, TEAM_BACK = 625, 754, 764


def case_row(data: dict, horizon_days: float = 10):
    data["run"]["horizon_days"] = horizon_days
    scenario = build(data)
    events = events_frame(simulate(scenario, SEED, 0).rows, 0)
    cases = cases_table(events, {u: v.target_min for u, v in scenario.urgency.items()})
    cases = with_resource_use(cases, events, staff_roles_of(scenario), horizon_days * 1440.0, scenario.costs)
    (row,) = cases[cases["case_type"] == "outreach"].itertuples()
    return row


def test_outreach_team_hours_missions_nicu_days_and_cost():
    data = quiet()
    script(data, (T0, "CLH", "cat1"))
    row = case_row(data)
    assert (row.team_assembled_min, row.nicu_admission_min, row.team_returned_min) == (
        DECISION, NICU_ADMISSION, TEAM_BACK)
    main_body_h, neonatal_h = (TEAM_BACK - DECISION) / 60, (NICU_ADMISSION - DECISION) / 60  # 139 and 129 min
    assert row.staff_hours_away == pytest.approx(9 * main_body_h + 2 * neonatal_h)  # 25.15 h
    assert row.ambulance_trips == 1
    assert row.ambulance_hours == pytest.approx(neonatal_h)  # the ambulance carries the newborn
    assert row.nicu_days == pytest.approx(NICU_STAY / 1440)  # 7 days
    # 6 doctors and 3 nurses/technicians for 139 min; a neonatologist and a neonatal nurse for 129 min
    staff_cost = (6 * 150_000 + 3 * 80_000) * main_body_h + (150_000 + 80_000) * neonatal_h  # 3,135,500
    assert row.cost == pytest.approx(staff_cost + 500_000 + 7 * 1_500_000)  # 14,135,500


def test_a_newborn_still_in_the_nicu_at_the_horizon_counts_days_to_the_horizon():
    data = quiet()
    script(data, (T0, "CLH", "cat1"))
    row = case_row(data, horizon_days=3)
    assert row.nicu_days == pytest.approx((3 * 1440 - NICU_ADMISSION) / 1440)


def test_a_transfer_escort_is_away_until_handover_not_while_the_surgical_team_operates():
    """Transfer at CLH: crew assembled at the decision (625), departs 645, on site 660; the mother is packaged
    and leaves at 690, arrives at 705, handover done at 725 (the escort, a resuscitation doctor and an
    anaesthetic nurse, is released).  The surgical team (with another anaesthetic nurse) is taken at 690 at
    NHOG, at home: it is not away."""
    data = quiet()
    data["policies"]["pathway"] = dict.fromkeys(data["urgency"], "transfer")
    script(data, (T0, "CLH", "cat1"))
    row = case_row(data)
    assert (row.crew_assembled_min, row.mother_departed_min, row.handover_done_min) == (625, 690, 725)
    assert row.staff_hours_away == pytest.approx(2 * (725 - 625) / 60)
    assert row.staff_hours > row.staff_hours_away  # the surgical team's hours are counted, but not as away
