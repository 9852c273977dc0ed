"""Fuzzing the scenario loader: whatever the bytes, ``load_scenario`` either returns a
scenario or raises :class:`ScenarioError`, never anything else.

Three generators: random bytes, random YAML documents built from random data,
and the baseline with one random value replaced somewhere in its tree (the
most realistic mistakes: a value of the wrong kind in the right place).
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.load import _Raw, _validate, apply_overrides
from sim.scenario.text import first_forbidden
from tests.conftest import SCENARIOS

FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True), st.text(max_size=20),
)
yaml_data = st.recursive(scalars, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(min_size=1, max_size=10), inner, max_size=5)),
    max_leaves=30)


def _dump(data: Any) -> str:
    out = io.StringIO()
    yaml = YAML(typ="safe", pure=True)
    yaml.dump(data, out)
    return out.getvalue()


def _baseline_data() -> dict[str, Any]:
    yaml = YAML(typ="safe", pure=True)
    return yaml.load((SCENARIOS / "baseline.yaml").read_text(encoding="utf-8"))


BASELINE = _baseline_data()


def _paths(node: Any, prefix: tuple = ()) -> list[tuple]:
    """Every key path in a nested document (list items by index)."""
    items = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else []
    out = []
    for key, value in items:
        out.append((*prefix, key))
        out += _paths(value, (*prefix, key))
    return out


PATHS = _paths(BASELINE)


def _problems(load: Callable[[], Scenario]) -> list | None:
    """The problems listed by a ScenarioError, or None when ``load`` succeeds.
    Any other exception escapes and fails the test."""
    try:
        load()
    except ScenarioError as exc:
        return exc.problems
    return None


def _load(tmp_path: Path, content: bytes) -> list | None:
    path = tmp_path / "fuzz.yaml"
    path.write_bytes(content)
    return _problems(lambda: load_scenario(path))


@FUZZ
@given(content=st.binary(max_size=400))
def test_random_bytes_give_a_scenario_error(tmp_path: Path, content: bytes) -> None:
    assert _load(tmp_path, content)


@FUZZ
@given(text=st.text(alphabet=st.characters(codec="utf-8"), max_size=300))
def test_random_text_gives_a_scenario_error(tmp_path: Path, text: str) -> None:
    assert _load(tmp_path, text.encode("utf-8"))


@FUZZ
@given(data=yaml_data)
def test_random_yaml_documents_give_a_scenario_error(tmp_path: Path, data: Any) -> None:
    assert _load(tmp_path, _dump(data).encode("utf-8"))


@FUZZ
@given(where=st.sampled_from(PATHS), value=yaml_data)
def test_baseline_with_one_random_value_validates_or_fails_cleanly(where: tuple, value: Any) -> None:
    """Validation and the translation of its errors (the YAML layer is fuzzed above)."""
    data = copy.deepcopy(BASELINE)
    node = data
    for key in where[:-1]:
        node = node[key]
    node[where[-1]] = value
    assert _problems(lambda: _validate(_Raw(data, {}, ["fuzz.yaml"]))) != []


@settings(FUZZ, max_examples=40)
@given(key=st.sampled_from([".".join(map(str, p)) for p in PATHS if not isinstance(p[-1], int)]),
       value=st.text(max_size=30))
def test_random_set_overrides_load_or_fail_cleanly(key: str, value: str) -> None:
    assert _problems(lambda: load_scenario(SCENARIOS / "baseline.yaml", [f"{key}={value}"])) != []


def test_a_deep_copy_of_the_baseline_still_loads(tmp_path: Path) -> None:
    """The fuzz base itself is valid, so mutations test one fault at a time."""
    assert _load(tmp_path, _dump(BASELINE).encode("utf-8")) is None


def test_overrides_never_touch_the_input_document() -> None:
    data = {"run": {"seed": 1}}
    apply_overrides(data, ["run.seed=2"])
    assert data == {"run": {"seed": 1}}


@FUZZ
@given(where=st.sampled_from(PATHS), text=st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
       as_key=st.booleans())
def test_problems_never_print_what_a_terminal_acts_on(where: tuple, text: str, as_key: bool) -> None:
    """Any text, as a value or as a mapping key anywhere: every problem prints as one line free of control,
    format and bidi characters (a carriage return or U+202E from a file cannot rewrite the terminal)."""
    data = copy.deepcopy(BASELINE)
    node = data
    for key in where[:-1]:
        node = node[key]
    if as_key and isinstance(node, dict):
        node[text] = node.pop(where[-1])
    else:
        node[where[-1]] = text
    for problem in _problems(lambda: _validate(_Raw(data, {}, ["fuzz.yaml"]))) or []:
        assert first_forbidden(str(problem)) is None, repr(str(problem))
