"""The fastest possible DDI, from the scenario alone, against scripted cases on the quiet network.

On the quiet network every duration is fixed and nothing waits, so a
scripted case takes exactly the fastest path: its DDI, computed by hand from
the round durations of ``tests.scripted``, must equal the bound.
"""

from __future__ import annotations

import pytest

from sim.report import narrative
from sim.scenario.fastest import fastest_ddi_min, fastest_for_kpi
from tests.builders import build
from tests.scripted import (
    ANAESTHESIA,
    CONSULT_ANSWER,
    CONSULTATION,
    INCISION,
    MIN_RESUS,
    MOBILISATION,
    SETUP,
    STABILISATION,
    TRAVEL,
    quiet,
    run,
    script,
)

T0 = 600.0  # Monday 10:00


def test_fastest_outreach_cat1_is_team_to_the_nearest_host_then_surgery() -> None:
    fastest = fastest_ddi_min(build(quiet()))
    by_hand = max(MOBILISATION + min(TRAVEL.values()) + SETUP, MIN_RESUS["cat1"]) + ANAESTHESIA["cat1"] + INCISION
    assert fastest["outreach"]["cat1"] == pytest.approx(by_hand)  # 30 + 10 + 25, then 10 + 4 = 79
    assert fastest["outreach"]["planned"] == pytest.approx(max(120, STABILISATION) + ANAESTHESIA["planned"] + INCISION)
    assert fastest_for_kpi("decision_to_delivery_min_cat1", fastest) == pytest.approx(
        min(fastest["outreach"]["cat1"], fastest["transfer"]["cat1"]))
    assert fastest_for_kpi("decision_to_delivery_min_cat1_transfer", fastest) == fastest["transfer"]["cat1"]


def test_a_scripted_case_at_the_nearest_host_takes_exactly_the_fastest_time() -> None:
    data = quiet()
    nearest = min(TRAVEL, key=TRAVEL.__getitem__)
    script(data, (T0, nearest, "cat1"))
    log = run(data)
    case = log.cases()[0]
    ddi = log.at(case, "delivery") - log.times(case, "decision")[-1]
    assert log.times(case, "decision")[-1] == pytest.approx(T0 + CONSULT_ANSWER + CONSULTATION)
    assert ddi == pytest.approx(fastest_ddi_min(build(data))["outreach"]["cat1"])


def test_a_target_below_the_fastest_case_cannot_be_met_whatever_the_share() -> None:
    verdict, words = narrative.target_verdict(0.0, 0.0, 0.0, 90.0, 79.0, 30.0)
    assert verdict == "cannot be met"
    assert "the fastest possible case decided at this urgency takes 79 min" in words


@pytest.mark.parametrize(("share", "low", "high", "verdict"), [
    (95.0, 91.0, 98.0, "met"), (80.0, 70.0, 89.9, "missed"), (90.0, 85.0, 95.0, "uncertain"),
    (100.0, float("nan"), float("nan"), "uncertain"),  # one replication: no interval, no claim
])
def test_a_target_verdict_compares_the_share_of_cases_with_the_service_level(share, low, high, verdict) -> None:
    assert narrative.target_verdict(share, low, high, 90.0, 10.0, 30.0)[0] == verdict


def test_the_baseline_cannot_meet_category_1_by_outreach():
    """Fastest outreach case: mobilisation 15 + the quickest off-peak journey (NHOG-HHH, 8) + set-up 15 = 38
    min > 30 (a rush-hour journey is never quicker than the quickest off-peak one)."""
    from sim.scenario.fastest import fastest_ddi_min
    from sim.scenario.load import load_scenario
    from tests.conftest import SCENARIOS

    fastest = fastest_ddi_min(load_scenario(SCENARIOS / "baseline.yaml"))
    assert fastest["outreach"]["cat1"] == pytest.approx(38.0)
