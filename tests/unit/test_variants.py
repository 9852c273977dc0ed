"""The scenario files in ``scenarios/``: every one validates, variants hold only changes,
and a role set to 0 in the team composition is left out of the dispatch."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.model import simulate
from sim.scenario import ScenarioError, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
VARIANTS = [SCENARIOS / f"{name}.yaml" for name in (
    "second-incubator", "dedicated-team", "lean-team", "transfer-policy", "double-demand", "night-heavy")]
"""The planners' variants documented in scenarios/README.md and docs/variants.md."""


def test_every_documented_variant_exists() -> None:
    assert all(p.is_file() for p in VARIANTS)


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_variant_extends_the_baseline_and_is_named_after_its_file(path: Path) -> None:
    first_keys = [line for line in path.read_text(encoding="utf-8").splitlines()
                  if line and not line.startswith((" ", "#"))]
    assert first_keys[0] == "extends: baseline.yaml"
    scenario = load_scenario(path)
    assert scenario.name == path.stem
    assert scenario.description


@pytest.mark.parametrize("path", VARIANTS, ids=lambda p: p.stem)
def test_variant_differs_from_the_baseline(path: Path) -> None:
    base = load_scenario(SCENARIOS / "baseline.yaml").model_dump(exclude={"name", "description"})
    assert load_scenario(path).model_dump(exclude={"name", "description"}) != base


def test_a_team_that_sends_nobody_is_refused() -> None:
    zeros = "{" + ", ".join(f"{r}: 0" for r in load_scenario(SCENARIOS / "baseline.yaml").team.composition) + "}"
    with pytest.raises(ScenarioError, match="at least one person"):
        load_scenario(SCENARIOS / "baseline.yaml", [f"team.composition={zeros}"])


def test_a_role_set_to_zero_is_never_requested_by_the_team() -> None:
    overrides = ["run.horizon_days=20", "demand.outreach.rate_per_day=1", "demand.home_emergency.rate_per_day=0",
                 "transfer.escort={anaesthetic_nurse: 1}"]
    lean = load_scenario(SCENARIOS / "baseline.yaml", [*overrides, "team.composition.resuscitation_doctor=0"])
    full = load_scenario(SCENARIOS / "baseline.yaml", overrides)

    def requested(scenario: object) -> set[str]:
        rows = simulate(scenario, seed=3, replication=0).rows  # type: ignore[arg-type]
        return {r[4] for r in rows if r[2] == "request"}

    assert "resuscitation_doctor" in requested(full)
    assert "resuscitation_doctor" not in requested(lean)
