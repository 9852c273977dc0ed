"""The JSON Schema of scenario files: shipped as generated, accepted by an independent validator for every
shipped file, agreeing with the loader on what it refuses, with a description and a unit on every key."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from sim.scenario import ScenarioError, load_scenario, yamlsafe
from sim.scenario.base import UNITS
from sim.scenario.distributions import DIST_NAMES
from sim.scenario.fileschema import DRAFT, SHIPPED, file_schema, schema_text
from tests.conftest import ROOT, SCENARIOS

FILES = sorted(SCENARIOS.rglob("*.yaml"))


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return file_schema()


@pytest.fixture(scope="module")
def validator(schema) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(schema)


def read(path: Path) -> Any:
    return yamlsafe.read_document(path.read_bytes())[0]


def properties(node: Any, where: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every property schema in ``node``, with its path of definitions and keywords."""
    if isinstance(node, dict):
        for name, sub in (node.get("properties") or {}).items():
            yield f"{where}.{name}", sub
        for key, value in node.items():
            if key not in ("default", "enum", "const", "x-units"):
                yield from properties(value, f"{where}.{key}" if key != "properties" else where)
    elif isinstance(node, list):
        for i, item in enumerate(node):
            yield from properties(item, f"{where}.{i}")


def test_the_shipped_schema_is_the_generated_one():
    shipped = (ROOT / SHIPPED).read_text(encoding="utf-8")
    assert shipped == schema_text(), f"regenerate it: ihsim schema --out {SHIPPED}"


def test_the_schema_is_a_valid_draft_2020_12_schema(schema):
    assert schema["$schema"] == DRAFT
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_shipped_scenario_file_is_there_to_check():
    names = {p.name for p in FILES}
    assert {"baseline.yaml", "second-hospital.yaml", "mmc.yaml", "index-case.yaml"} <= names
    assert sum("extends" in read(p) for p in FILES) >= 8  # the variants the resolved schema refused


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(SCENARIOS)))
def test_every_shipped_scenario_file_is_valid_against_the_file_schema(validator, path):
    errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in validator.iter_errors(read(path))]
    assert not errors, errors


VARIANTS = [
    # (what the variant says after "extends: baseline.yaml", whether the loader and the schema accept it)
    ("hospitals: {NHOG: {operating_rooms: 4}}", True),
    ("hospitals: {NHOG: {operating_rooms: many}}", False),
    ("hospitals: {NHOG: {operating_rooms: -1}}", False),
    ("hospitals: {NHOG: {helipads: 1}}", False),
    ("hospitals: {St.Mary: {name: St Mary}}", False),
    ("clinical: {consultation: {shift: 5}}", True),
    ("clinical: {consultation: {dist: fixed, value: 15}}", True),
    ("clinical: {consultation: {dist: weibull, shape: 2}}", False),
    ("clinical: {consultation: {dist: triangular, low: 1}}", False),
    ("clinical: {consultation: {spread: 5}}", False),
    ("travel: {routes: [{between: [NHOG, CLH]}]}", False),
    ("policies: {nicu_full: sometimes}", False),
    ("policies: {nicu_full: divert, divert_to: CLH}", True),
    ("policies: {planned_windows: [{days: weekends, start: '08:00', end: '16:00'}]}", False),
    ("demand: {home_emergency: null}", True),
    ("demand: {outreach: {rate_per_day: '0.5'}}", False),
    ("run: {horizon_days: 30, replications: 2.5}", False),
    ("team: {ambulances: 2}", True),
    ("outcomes: [{name: x, label: X, source: S, risk: 2}]", False),
]


@pytest.mark.parametrize(("text", "valid"), VARIANTS)
def test_the_schema_and_the_loader_agree_on_a_variant(validator, tmp_path, text, valid):
    path = tmp_path / "variant.yaml"
    path.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: variant\n{text}\n", encoding="utf-8")
    try:
        load_scenario(path)
        loaded = True
    except ScenarioError:
        loaded = False
    assert (loaded, validator.is_valid(read(path))) == (valid, valid)


@pytest.mark.parametrize("drop", ["run", "team", "clinical", "name"])
def test_a_whole_file_missing_a_required_section_is_refused(validator, drop):
    doc = read(SCENARIOS / "baseline.yaml")
    del doc[drop]
    assert not validator.is_valid(doc)


def test_a_file_with_extends_needs_no_required_key(validator):
    assert validator.is_valid({"extends": "baseline.yaml"})
    assert not validator.is_valid({"extends": ""})


def test_every_property_has_a_description_and_a_known_unit(schema):
    found = list(properties(schema))
    assert len(found) > 300  # every model twice (whole and partial), the distributions once
    for where, prop in found:
        unit = prop.get("x-unit")
        assert unit in UNITS, f"{where}: x-unit {unit!r}"
        description = prop.get("description", "")
        assert description.strip(), f"{where}: no description"
        if unit != "none":
            assert description.endswith(f"[{unit}]"), f"{where}: the unit is not in the description"


UNIT_BY_NAME = [(r"_min$", "minutes"), (r"_days$", "days"), (r"_pct$", "percent"), (r"_per_hour$", "per hour"),
                (r"^rate_per_day$", "cases per day"), (r"_g$", "grams"), (r"^gestation_weeks$", "weeks"),
                (r"probability$", "probability"), (r"_mix$", "probability"), (r"_factor$", "factor")]
"""Units the key names state (STYLE: units in names), which x-unit must agree with."""


def test_units_agree_with_the_unit_a_key_name_states(schema):
    checked = 0
    for where, prop in properties(schema):
        name = where.rsplit(".", 1)[-1]
        for pattern, unit in UNIT_BY_NAME:
            if re.search(pattern, name):
                assert prop["x-unit"] == unit, f"{where}: {prop['x-unit']}, its name says {unit}"
                checked += 1
                break
    assert checked > 40


def test_closed_values_are_enums(schema):
    defs = schema["$defs"]
    assert defs["Distribution"]["properties"]["dist"]["enum"] == list(DIST_NAMES)
    assert defs["Window"]["properties"]["days"]["enum"] == ["weekdays", "weekend", "all"]
    assert set(defs["Policies"]["properties"]["nicu_full"]["enum"]) == {"wait", "surge", "divert"}
    assert set(defs["CrashPolicy"]["properties"]["policy"]["enum"]) == {"wait_for_team", "host_starts"}


def test_distribution_keys_carry_the_unit_of_their_draws(schema):
    clinical, outreach = schema["$defs"]["Clinical"]["properties"], schema["$defs"]["OutreachDemand"]["properties"]
    assert clinical["closure"]["$ref"] == "#/$defs/Distribution"
    assert clinical["closure"]["x-unit"] == "minutes"
    assert outreach["gestation_weeks"]["x-unit"] == "weeks"
    assert json.dumps(schema).count('"discriminator"') == 0  # OpenAPI's keyword, not JSON Schema's


def test_forms_read_the_unit_of_a_model_field():
    from sim.scenario.base import unit_of
    from sim.scenario.schema import Hospital, RunSettings, Urgency

    assert unit_of(RunSettings.model_fields["horizon_days"]) == "days"
    assert unit_of(Urgency.model_fields["target_min"]) == "minutes"  # beside the Minutes type's own maximum
    assert unit_of(Hospital.model_fields["icu_beds"]) == "beds"
    assert Hospital.model_fields["icu_beds"].description.endswith("[beds]")
