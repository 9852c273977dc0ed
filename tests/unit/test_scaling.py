"""Which scenario values a sensitivity study scales, and how (sim/scenario/scaling.py)."""

from __future__ import annotations

import re

import pytest

from sim.scenario import load_scenario, scenario_dict, yamlsafe
from sim.scenario.scaling import (
    Leaf,
    Parameter,
    Skipped,
    assumption_keys,
    is_assumption,
    matches,
    parameter,
    scale,
    scale_count,
    scale_leaf,
)
from tests.builders import BASELINE

DATA = scenario_dict(load_scenario(BASELINE))
SOURCES = DATA["sources"]
MARK = re.compile(r"ASSUMPTION|\bA\d{1,2}n?\b")


def _of(key: str) -> Parameter | Skipped:
    return parameter(DATA, key, SOURCES.get(key, ""), list(SOURCES))


def _covers(key: str, path: tuple[str, ...], below: bool = False) -> bool:
    """Whether ``key`` names ``path`` or a key above it (or, with ``below``, one under it)."""
    return any(path[:len(m)] == m or (below and m[:len(path)] == path) for m in matches(DATA, key))


def _marked_lines() -> list[tuple[int, str, list[tuple[str, ...]]]]:
    """Lines of baseline.yaml whose comment marks an assumption (ASSUMPTION or A1-A17), with the keys on them."""
    raw = BASELINE.read_bytes()
    _, lines = yamlsafe.read_document(raw)
    keys: dict[int, list[tuple[str, ...]]] = {}
    for path, line in lines.items():
        if line and path[0] != "sources":
            keys.setdefault(line, []).append(path)
    found = []
    for number, text in enumerate(raw.decode().splitlines(), start=1):
        comment = text.split("#", 1)[1] if "#" in text else ""
        if MARK.search(comment) and number in keys:
            found.append((number, comment, keys[number]))
    return found


def test_the_baseline_comments_mark_thirty_or_more_lines_as_assumptions():
    assert len(_marked_lines()) >= 30


@pytest.mark.parametrize(("line", "comment", "paths"), [pytest.param(*x, id=f"line-{x[0]}") for x in _marked_lines()])
def test_every_value_the_baseline_comments_mark_as_an_assumption_has_a_sources_entry(line, comment, paths):
    """A line marked ASSUMPTION needs an "Assumption" entry for its key or one above it; a line that only
    names a label (``outcomes:  # ... (A22)``) needs an entry for its key, above or under it."""
    marked = "ASSUMPTION" in comment
    covering = [key for key, text in SOURCES.items()
                if (is_assumption(text) or not marked) and any(_covers(key, p, below=not marked) for p in paths)]
    assert covering, f"baseline.yaml line {line} ({comment.strip()}) has no sources entry"


def test_assumption_keys_are_those_whose_text_starts_with_assumption_in_any_case():
    keys = assumption_keys({"a": "Assumption A1", "b": "  ASSUMPTIONS A2/A3", "c": "Tuffnell 2001",
                            "d": "an assumption"})
    assert keys == ["a", "b"]


def test_the_baseline_names_its_assumptions_with_their_ids():
    assert SOURCES["team.setup_on_site"] == "Assumption A4 (docs/parameters.md)"
    assert is_assumption(SOURCES["hospitals.NHOG.ambulances"])
    assert is_assumption(SOURCES["demand.home_emergency.rate_per_day"])
    assert not is_assumption(SOURCES["clinical.anaesthesia"])


@pytest.mark.parametrize(("key", "reason"), [
    ("policies.nicu_full", "a name, an id or a policy"),
    ("policies.planned_windows", "clock windows"),
    ("demand.outreach.urgency_mix", "shares that must sum to 1"),
    ("demand.outreach.hosts", "changes nothing"),
    ("demand.outreach.gestation_weeks", "gestational age"),
    ("travel.routes.0.between", "route pair"),
    ("run.horizon_days", "how the model is run"),
])
def test_keys_that_cannot_be_scaled_are_skipped_with_the_reason(key, reason):
    found = _of(key)
    assert isinstance(found, Skipped)
    assert reason in found.reason


def test_a_subtree_scales_every_distribution_under_it_and_notes_what_it_leaves():
    travel = _of("travel")
    assert isinstance(travel, Parameter)
    assert {leaf.path[-1] for leaf in travel.leaves} == {"off_peak", "peak"}
    assert len(travel.leaves) == 2 * len(DATA["travel"]["routes"])
    assert any("route pair" in note for note in travel.notes)


def test_a_more_specific_source_keeps_its_values_from_a_subtree():
    staff, call_in = _of("hospitals.NHOG.staff"), _of("hospitals.NHOG.staff.*.call_in")
    assert isinstance(staff, Parameter)
    assert isinstance(call_in, Parameter)
    assert not any("call_in" in leaf.path for leaf in staff.leaves)
    assert {leaf.kind for leaf in staff.leaves} == {"count"}
    assert len(call_in.leaves) == len(DATA["hospitals"]["NHOG"]["staff"])
    assert {leaf.kind for leaf in call_in.leaves} == {"distribution"}


def test_a_wildcard_matches_any_key_and_list_item():
    assert matches(DATA, "travel.routes.*.peak") == [("travel", "routes", str(i), "peak") for i in range(3)]
    assert matches(DATA, "no.such.key") == []


@pytest.mark.parametrize(("n", "k", "expected"), [
    (3, 0.75, 2), (4, 1.25, 5), (6, 0.75, 4), (6, 1.25, 8), (1, 0.75, 1), (1, 1.25, 2), (2, 0.4, 1),
    (0, 1.25, 0), (0, 0.5, 0), (3, 1.1, 4), (10, 1.1, 11), (5, 1.0, 5),
])
def test_counts_round_down_below_one_and_up_above_never_below_one(n, k, expected):
    assert scale_count(n, k) == expected


def test_a_count_that_cannot_move_says_so():
    value, note = scale_leaf(Leaf(("hospitals", "CLH", "operating_rooms"), 1, "count"), 0.75)
    assert value == 1
    assert "a count of 1 stays 1" in note


def test_a_probability_is_capped_at_one_and_says_so():
    value, note = scale_leaf(Leaf(("x", "probability"), 0.9, "probability"), 1.25)
    assert value == 1.0
    assert "capped at 1" in note
    assert scale_leaf(Leaf(("x", "probability"), 0.4, "probability"), 1.25) == (0.5, "")


def test_a_scaled_parameter_is_a_set_of_overrides_the_loader_validates():
    mobilisation = _of("team.mobilisation")
    assert isinstance(mobilisation, Parameter)
    high = scale(mobilisation, 1.25)
    assert high.value == "triangular(low 18.75, mode 37.5, high 75)"
    variant = load_scenario(BASELINE, list(high.overrides))
    base = load_scenario(BASELINE)
    assert variant.teams[0].mobilisation.mean() == pytest.approx(1.25 * base.teams[0].mobilisation.mean())


def test_scaled_counts_and_rates_reach_the_scenario():
    rooms, rate = _of("hospitals.NHOG.operating_rooms"), _of("demand.home_emergency.rate_per_day")
    assert isinstance(rooms, Parameter)
    assert isinstance(rate, Parameter)
    variant = load_scenario(BASELINE, [*scale(rooms, 0.75).overrides, *scale(rate, 1.25).overrides])
    assert variant.hospitals["NHOG"].operating_rooms == 2
    assert variant.demand.home_streams[0].rate_per_day == 10


def test_load_overrides_multiply_demand_and_units_and_leave_the_rest(tmp_path) -> None:
    from sim.scenario.load import with_overrides
    from sim.scenario.scaling import load_overrides

    path = tmp_path / "windows.yaml"
    path.write_text(f"extends: {BASELINE}\n"
                    "hospitals: {NHOG: {staff: {technician: {day: null, night: null, weekend: null, roster: ["
                    "{days: all, start: '07:00', end: '19:00', on_duty: 2}, "
                    "{days: all, start: '19:00', end: '07:00', on_duty: 1}]}}}}\n", encoding="utf-8")
    base = load_scenario(path)
    three = with_overrides(base, load_overrides(scenario_dict(base), 3))
    assert three.demand.outreach.rate_per_day == pytest.approx(3 * base.demand.outreach.rate_per_day)
    assert [h.rate_per_day for h in three.demand.home_streams] == [3 * h.rate_per_day for h in base.demand.home_streams]
    assert [w.on_duty for w in three.hospitals["NHOG"].staff["technician"].roster] == [6, 3]
    nhog, nhog3 = base.hospitals["NHOG"], three.hospitals["NHOG"]
    assert nhog3.staff["obstetric_surgeon"].day == 3 * nhog.staff["obstetric_surgeon"].day
    assert nhog3.staff["obstetric_surgeon"].on_call == 3 * nhog.staff["obstetric_surgeon"].on_call
    assert nhog3.nicu_cots == 3 * nhog.nicu_cots
    assert three.clinical == base.clinical
    assert three.travel == base.travel
    assert three.teams == base.teams
    once = load_overrides(scenario_dict(base), 1)
    assert once
    assert with_overrides(base, once) == base
    for bad in (0, 2.5, True):
        with pytest.raises(ValueError, match="whole number"):
            load_overrides(scenario_dict(base), bad)
