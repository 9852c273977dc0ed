"""Scenario builders for tests: the baseline as plain data, changed key by key.

Tests change a scenario as a plain dictionary (the resolved, JSON-ready form
that ``scenario_dict`` returns) and validate it with the schema, so every
scenario a test runs is one a user could have written.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter

from sim.scenario import Scenario, load_scenario, scenario_dict
from sim.scenario.distributions import Distribution
from sim.scenario.load import checked_scenario
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
_DIST = TypeAdapter(Distribution)


def baseline_data(overrides: list[str] | None = None) -> dict[str, Any]:
    """The resolved baseline as a fresh, mutable dictionary."""
    return scenario_dict(load_scenario(BASELINE, overrides))


def build(data: dict[str, Any]) -> Scenario:
    """Validate a scenario dictionary and check its cross-references, as the loader does (raises pydantic's
    ValidationError, or ReferenceProblems for a name that points at nothing)."""
    return checked_scenario(data)


def fixed(value: float) -> dict[str, Any]:
    return {"dist": "fixed", "value": value}


def dist_mean(spec: dict[str, Any]) -> float:
    """Theoretical mean of a distribution written as data (minutes)."""
    return _DIST.validate_python(spec).mean()


def fix_durations(node: Any) -> Any:
    """A copy of ``node`` with every distribution replaced by a fixed value at its mean."""
    if isinstance(node, dict):
        if "dist" in node:
            return fixed(round(dist_mean(node), 3))
        return {key: fix_durations(value) for key, value in node.items()}
    if isinstance(node, list):
        return [fix_durations(value) for value in node]
    return node


def unlimited(data: dict[str, Any], n: int = 1000) -> dict[str, Any]:
    """A copy where every hospital has ``n`` of everything and nobody is on call."""
    out = copy.deepcopy(data)
    for hospital in out["hospitals"].values():
        for key in ("operating_rooms", "icu_beds", "nicu_cots", "ambulances"):
            hospital[key] = n
        hospital["equipment"] = dict.fromkeys(hospital["equipment"], n)
        for role in hospital["staff"].values():
            role.update(day=n, night=n, weekend=n, on_call=0, call_in=None)
    return out


BAD_SCENARIOS: dict[str, tuple[str, str, int | None]] = {
    # name: (file text, key the message must name, line it must name)
    "yaml_error": ("name: broken\nrun: {horizon_days: 3\nurgency: [\n", "", 3),
    "unknown_key": ("extends: {base}\nhospitals:\n  NHOG:\n    helipads: 1\n", "hospitals.NHOG.helipads", 4),
    "negative_count": ("extends: {base}\nhospitals:\n  NHOG:\n    operating_rooms: -1\n",
                       "hospitals.NHOG.operating_rooms", 4),
    "unknown_distribution": ("extends: {base}\nteam:\n  mobilisation: {dist: weibull, shape: 2}\n",
                             "team.mobilisation", 3),
    "missing_extends": ("extends: nowhere.yaml\nname: orphan\n", "extends", 1),
    "extends_cycle": ("extends: cycle_partner.yaml\nname: cycle\n", "extends", 1),
    "empty_file": ("", "", None),
    "non_mapping": ("- just\n- a list\n", "", 1),
}
"""Every kind of bad input the CLI contract names, with where its message must point."""


def write_bad_scenario(folder: Path, name: str) -> Path:
    """Write the bad scenario ``name`` (and any partner file it needs) into ``folder``."""
    text = BAD_SCENARIOS[name][0]
    path = folder / f"{name}.yaml"
    path.write_text(text.replace("{base}", str(BASELINE)), encoding="utf-8")
    if name == "extends_cycle":
        (folder / "cycle_partner.yaml").write_text(f"extends: {path.name}\nname: partner\n", encoding="utf-8")
    return path
