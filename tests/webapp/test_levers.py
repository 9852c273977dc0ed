"""The web app's form fields, generated from the scenario schema (sim.webapp.levers)."""

from __future__ import annotations

import pytest

from sim.scenario import scenario_dict
from sim.scenario.base import unit_of
from sim.scenario.load import apply_overrides, parse_override
from sim.scenario.scaling import get
from sim.scenario.schema import Hospital, Policies, StaffRole
from sim.webapp import escape_markdown
from sim.webapp.levers import GROUPS, changed, levers, override


@pytest.fixture(scope="module")
def found(baseline):
    return {lv.key: lv for lv in levers(scenario_dict(baseline))}


def test_every_lever_holds_the_value_at_its_key_in_the_resolved_scenario(baseline, found):
    data = scenario_dict(baseline)
    for lever in found.values():
        assert get(data, lever.path) == lever.value, lever.key


def test_every_group_of_levers_is_offered_for_the_baseline(found):
    groups = {lv.group for lv in found.values()}
    assert groups == {name for name, _ in GROUPS}
    for key in ("hospitals.NHOG.staff.anaesthetist.night", "hospitals.NHOG.staff.anaesthetist.on_call",
                "hospitals.NHOG.staff.anaesthetist.call_in.mode", "hospitals.NHOG.equipment.transport_incubator",
                "hospitals.NHOG.operating_rooms", "hospitals.NHOG.icu_beds", "hospitals.NHOG.nicu_cots",
                "team.composition.neonatologist", "demand.outreach.rate_per_day",
                "demand.home_emergency.rate_per_day", "policies.nicu_full", "policies.pathway.cat1",
                "run.horizon_days"):
        assert key in found, key
    assert not [k for k in found if k.endswith((".dist", ".shift"))]


def test_kinds_bounds_and_choices_come_from_the_schema(found):
    cots = found["hospitals.NHOG.nicu_cots"]  # Count: ge=0, le=100_000
    assert (cots.kind, cots.low, cots.high, cots.bounds) == ("int", 0, 100_000, "0 to 100000")
    carried = found["team.equipment.transport_incubator"]  # a team takes at least one of an item it lists
    assert (carried.low, carried.high) == (1, 1000)
    horizon = found["run.horizon_days"]  # gt=0, le=36_500
    assert (horizon.kind, horizon.low_open, horizon.bounds) == ("float", True, "above 0, at most 36500")
    assert found["policies.nicu_full"].choices == ("wait", "surge", "divert")
    assert found["policies.pathway.cat1"].choices == ("outreach", "transfer")
    assert found["team.dedicated"].kind == "bool"


def test_descriptions_come_from_the_field_info(found):
    on_call = found["hospitals.NHOG.staff.anaesthetist.on_call"]
    assert on_call.description == StaffRole.model_fields["on_call"].description
    assert found["policies.nicu_full"].description == Policies.model_fields["nicu_full"].description
    # a distribution's parameters take the description of the field that holds it, in minutes
    call_in = found["hospitals.NHOG.staff.anaesthetist.call_in.high"]
    holder = StaffRole.model_fields["call_in"]
    assert unit_of(holder) == "minutes"
    assert (call_in.description, call_in.unit) == (holder.description, "minutes")


def test_a_unit_the_schema_gives_is_the_fields_unit(baseline, monkeypatch):
    monkeypatch.setattr(Hospital.model_fields["icu_beds"], "json_schema_extra", {"unit": "beds"})
    monkeypatch.setattr(Hospital.model_fields["icu_beds"], "description", "ICU beds open to these streams")
    lever = {lv.key: lv for lv in levers(scenario_dict(baseline))}["hospitals.NHOG.icu_beds"]
    assert (lever.unit, lever.description) == ("beds", "ICU beds open to these streams")
    assert "Unit: beds" in lever.help()


def test_without_a_description_the_help_falls_back_to_the_field_name(baseline, monkeypatch):
    monkeypatch.setattr(Hospital.model_fields["operating_rooms"], "description", None)
    lever = {lv.key: lv for lv in levers(scenario_dict(baseline))}["hospitals.NHOG.operating_rooms"]
    assert lever.help().startswith("operating rooms")


def test_each_lever_shows_its_source_or_assumption_from_the_sources_section(found):
    # hospitals.NHOG.staff.*.call_in is more specific than hospitals.NHOG.staff: it is the call-in's source
    assert found["hospitals.NHOG.staff.anaesthetist.call_in.low"].mark == "ASSUMPTION A1n (docs/parameters.md)"
    assert found["hospitals.NHOG.staff.anaesthetist.night"].mark.startswith("ASSUMPTION: headcounts")
    assert found["run.horizon_days"].mark == "No source given"  # the baseline names no source for it
    assert found["team.mobilisation.low"].source.startswith("Assumption A1 ")


def test_an_override_is_read_back_by_the_loader_as_the_value_given(found):
    for key, value in (("hospitals.NHOG.nicu_cots", 25), ("demand.outreach.rate_per_day", 1e-05),
                       ("policies.nicu_full", "divert"), ("team.dedicated", True)):
        assert parse_override(override(found[key], value)) == (tuple(key.split(".")), value)
    assert override(found["hospitals.NHOG.nicu_cots"], 3.0) == "hospitals.NHOG.nicu_cots=3"


def test_only_values_that_differ_count_as_edits(found):
    values = {"hospitals.NHOG.nicu_cots": 20, "hospitals.NHOG.icu_beds": 7, "policies.nicu_full": "surge"}
    assert changed(list(found.values()), values) == {"hospitals.NHOG.icu_beds": 7}


def test_levers_of_a_multi_team_scenario_name_each_team_by_position(baseline):
    from sim.scenario import load_scenario
    from tests.conftest import SCENARIOS

    data = scenario_dict(load_scenario(SCENARIOS / "second-hospital.yaml"))
    found = {lv.key: lv for lv in levers(data)}
    assert found["teams.1.ambulances"].label == "ambulances of outreach team 2"
    assert found["demand.home_emergency.1.rate_per_day"].value == data["demand"]["home_emergency"][1]["rate_per_day"]
    edited = apply_overrides(data, [override(found["teams.1.ambulances"], 2)])
    assert edited["teams"][1]["ambulances"] == 2


def test_markdown_in_scenario_text_is_escaped():
    text = "[click](http://x) **b** <img src=x> :red[y] _i_ &amp;"
    escaped = escape_markdown(text)
    assert all(f"\\{ch}" in escaped for ch in "[]()*<>:_&")
    assert escaped.replace("\\", "") == text
