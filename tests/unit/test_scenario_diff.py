"""The plain-English diff of two resolved scenarios."""

from __future__ import annotations

from sim.scenario import load_scenario, scenario_dict
from sim.scenario.diff import describe_changes
from tests.conftest import SCENARIOS


def test_staff_equipment_and_distribution_changes_read_plainly():
    base = scenario_dict(load_scenario(SCENARIOS / "baseline.yaml"))
    other = scenario_dict(load_scenario(SCENARIOS / "baseline.yaml", [
        "hospitals.NHOG.staff.anaesthetist.on_call=2", "hospitals.NHOG.equipment.transport_incubator=2",
        "clinical.closure={dist: lognormal, mean: 47.5, sd: 17.5}", "name=other"]))
    assert describe_changes(base, other) == [
        "transport incubators at NHOG 1 -> 2",
        "on-call anaesthetists at NHOG 1 -> 2",
        "closure (surgery) lognormal(mean 38, sd 14) -> lognormal(mean 47.5, sd 17.5)",
    ]


def test_routes_are_named_by_their_hospitals_and_added_keys_show_none():
    a = {"travel": {"routes": [{"between": ["A", "B"], "peak": {"dist": "fixed", "value": 10.0, "shift": 0.0}}]},
         "hospitals": {"A": {"equipment": {}}}}
    b = {"travel": {"routes": [{"between": ["A", "B"], "peak": {"dist": "fixed", "value": 12.0, "shift": 0.0}}]},
         "hospitals": {"A": {"equipment": {"outreach_kit": 1}}}}
    assert describe_changes(a, b) == ["peak travel A-B fixed(value 10) -> fixed(value 12)",
                                      "outreach kits at A (none) -> 1"]


def test_a_new_staff_role_reads_as_a_role_at_its_hospital():
    a = {"hospitals": {"H": {"staff": {}}}}
    b = {"hospitals": {"H": {"staff": {"outreach_anaesthetist": {"day": 0, "on_call": 2}}}}}
    assert describe_changes(a, b) == ["outreach anaesthetists at H (none) -> {day: 0, on_call: 2}"]


def test_a_scenario_against_itself_has_no_changes():
    base = scenario_dict(load_scenario(SCENARIOS / "baseline.yaml"))
    again = scenario_dict(load_scenario(SCENARIOS / "baseline.yaml"))  # equal values, no shared objects
    assert describe_changes(base, again) == []
