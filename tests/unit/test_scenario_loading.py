"""Scenario files: errors name file, key and line; extends merges; --set hits existing keys, type-checked."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import ScenarioError, load_scenario
from tests.builders import BAD_SCENARIOS, BASELINE, write_bad_scenario
from tests.conftest import SCENARIOS


@pytest.mark.parametrize("name", BAD_SCENARIOS)
def test_bad_file_gives_a_problem_naming_file_key_and_line(tmp_path, name):
    path = write_bad_scenario(tmp_path, name)
    _, key, line = BAD_SCENARIOS[name]
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    problems = caught.value.problems
    assert problems, "a ScenarioError must list at least one problem"
    first = problems[0]
    assert Path(first.file).parent == tmp_path
    assert first.key == key
    assert first.line == line
    assert first.message
    assert first.file in str(caught.value)


def test_cycle_message_shows_the_whole_chain(tmp_path):
    path = write_bad_scenario(tmp_path, "extends_cycle")
    with pytest.raises(ScenarioError, match=r"extends_cycle.yaml -> cycle_partner.yaml -> extends_cycle.yaml"):
        load_scenario(path)


def test_a_file_extending_itself_is_a_cycle(tmp_path):
    path = tmp_path / "self.yaml"
    path.write_text("extends: self.yaml\nname: me\n", encoding="utf-8")
    with pytest.raises(ScenarioError, match="cycle"):
        load_scenario(path)


def test_every_problem_is_listed_at_once(tmp_path):
    path = tmp_path / "many.yaml"
    path.write_text(f"extends: {BASELINE}\nhospitals:\n  NHOG:\n    operating_rooms: -1\n    icu_beds: -2\n"
                    "    helipads: 1\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    keys = {(p.key, p.line) for p in caught.value.problems}
    assert keys == {("hospitals.NHOG.operating_rooms", 4), ("hospitals.NHOG.icu_beds", 5),
                    ("hospitals.NHOG.helipads", 6)}


def test_problem_in_the_base_file_points_at_the_base_file(tmp_path):
    text = BASELINE.read_text(encoding="utf-8")
    assert text.count("operating_rooms: 3 ") == 1, "the baseline changed: pick another value to break"
    base = tmp_path / "base.yaml"
    base.write_text(text.replace("operating_rooms: 3 ", "operating_rooms: -3 "), encoding="utf-8")
    variant = tmp_path / "variant.yaml"
    variant.write_text("extends: base.yaml\nname: variant\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(variant)
    (problem,) = caught.value.problems
    assert (Path(problem.file).name, problem.key) == ("base.yaml", "hospitals.NHOG.operating_rooms")
    assert "operating_rooms: -3" in base.read_text(encoding="utf-8").splitlines()[problem.line - 1]


def test_duplicate_keys_are_refused(tmp_path):
    path = tmp_path / "dup.yaml"
    path.write_text("name: a\nname: b\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    assert caught.value.problems[0].line == 2


def test_invalid_distribution_parameters_name_the_distribution_key(tmp_path):
    path = tmp_path / "p90.yaml"
    path.write_text(f"extends: {BASELINE}\nteam:\n  mobilisation: {{dist: lognormal, median: 30, p90: 20}}\n",
                    encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    (problem,) = caught.value.problems
    assert (problem.key, problem.line) == ("team.mobilisation", 3)
    assert "p90" in problem.message


def test_variant_replaces_a_distribution_of_another_kind_whole(tmp_path):
    """A variant that swaps a triangular for a lognormal must not inherit low/mode/high."""
    path = tmp_path / "swap.yaml"
    path.write_text(f"extends: {BASELINE}\nteam:\n  mobilisation: {{dist: lognormal, median: 30, p90: 45}}\n",
                    encoding="utf-8")
    sc = load_scenario(path)
    assert sc.team.mobilisation.dist == "lognormal"
    assert sc.team.mobilisation.ppf(0.5) == pytest.approx(30)


def test_variant_changes_only_what_it_names(baseline, tmp_path):
    path = tmp_path / "one_change.yaml"
    path.write_text(f"extends: {BASELINE}\nname: one_change\nhospitals:\n  NHOG:\n    ambulances: 5\n",
                    encoding="utf-8")
    sc = load_scenario(path)
    assert sc.hospitals["NHOG"].ambulances == 5
    assert sc.hospitals["NHOG"].operating_rooms == baseline.hospitals["NHOG"].operating_rooms
    assert sc.model_copy(update={"name": baseline.name, "hospitals": baseline.hospitals}) == baseline


@pytest.mark.parametrize("variant", sorted(p.name for p in SCENARIOS.glob("*.yaml")))
def test_every_shipped_scenario_is_valid(variant):
    assert load_scenario(SCENARIOS / variant).name


# --set ---------------------------------------------------------------------------------------------------


def test_set_changes_an_existing_key(baseline):
    sc = load_scenario(BASELINE, ["run.horizon_days=12", "hospitals.NHOG.staff.anaesthetist.day=7",
                                  "team.mobilisation={dist: fixed, value: 4}"])
    assert sc.run.horizon_days == 12
    assert sc.hospitals["NHOG"].staff["anaesthetist"].day == 7
    assert sc.team.mobilisation.ppf(0.3) == 4
    assert sc.hospitals["NHOG"].staff["obstetric_surgeon"] == baseline.hospitals["NHOG"].staff["obstetric_surgeon"]


BAD_SETS = {
    "unknown key": ("run.horizon_dayz=3", "run.horizon_dayz"),
    "unknown branch": ("hospitals.XYZ.ambulances=3", "hospitals.XYZ.ambulances"),
    "below a scalar": ("run.seed.deeper=3", "run.seed.deeper"),
    "text for a number": ("run.horizon_days=abc", "run.horizon_days"),
    "boolean for a count": ("hospitals.NHOG.operating_rooms=true", "hospitals.NHOG.operating_rooms"),
    "number for a boolean": ("hospitals.NHOG.obstetric=1", "hospitals.NHOG.obstetric"),
    "number for a mapping": ("team.mobilisation=5", "team.mobilisation"),
    "negative count": ("hospitals.NHOG.operating_rooms=-1", "hospitals.NHOG.operating_rooms"),
    "fractional count": ("hospitals.NHOG.operating_rooms=2.5", "hospitals.NHOG.operating_rooms"),
    "invalid distribution": ("team.mobilisation={dist: uniform, low: 9, high: 1}", "team.mobilisation"),
    "no equals sign": ("run.horizon_days", "run.horizon_days"),
    "list item out of range": ("travel.routes.99.off_peak={dist: fixed, value: 5}", "travel.routes.99.off_peak"),
    "list item not a number": ("travel.routes.first.off_peak={dist: fixed, value: 5}",
                               "travel.routes.first.off_peak"),
    "negative list item": ("travel.routes.-1.off_peak={dist: fixed, value: 5}", "travel.routes.-1.off_peak"),
}


@pytest.mark.parametrize(("override", "key"), BAD_SETS.values(), ids=BAD_SETS.keys())
def test_bad_set_is_refused_with_its_key(override, key):
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, [override])
    assert [(p.file, p.key) for p in caught.value.problems][:1] == [("--set", key)]


def test_set_picks_a_list_item_by_its_position(baseline):
    sc = load_scenario(BASELINE, ["travel.routes.1.off_peak={dist: fixed, value: 17}",
                                  "travel.peaks.1.0=17:00"])
    assert sc.travel.routes[1].off_peak.ppf(0.9) == 17
    assert sc.travel.routes[1].between == baseline.travel.routes[1].between
    assert sc.travel.routes[0] == baseline.travel.routes[0]
    assert sc.travel.peaks == [baseline.travel.peaks[0], ("17:00", baseline.travel.peaks[1][1])]


def test_a_missing_list_item_names_the_list_and_its_length():
    with pytest.raises(ScenarioError) as caught:
        load_scenario(BASELINE, ["travel.routes.7.peak={dist: fixed, value: 5}"])
    assert "a list of 3 (items are numbered from 0)" in str(caught.value)


def test_set_accepts_an_integer_for_a_float_and_null_for_an_optional():
    sc = load_scenario(BASELINE, ["run.warmup_days=2", "policies.planned_urgency=null"])
    assert sc.run.warmup_days == 2.0
    assert sc.policies.planned_urgency is None
