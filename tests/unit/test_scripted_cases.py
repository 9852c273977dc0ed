"""Scripted cases: a case at a given time, host, urgency, gestation and birth weight,
next to the Poisson streams and without shifting them."""

from __future__ import annotations

import pytest

from sim.experiment.runner import replication_tables
from sim.model.draws import birth_weight_g
from sim.model.processes.scripted import weight_uniform
from sim.scenario import ScenarioError, load_scenario
from tests.conftest import SCENARIOS

SCRIPT = ("demand.outreach.scripted=[{time_min: 600, host: HHH, urgency: cat2, gestation_weeks: 33, "
          "birth_weight_g: 1900}]")


def test_scripted_case_arrives_as_written() -> None:
    sc = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=3", "demand.outreach.rate_per_day=0", SCRIPT])
    cases = replication_tables(sc, 3, 0)[0]["cases"]
    outreach = cases[cases["case_type"] == "outreach"]
    assert len(outreach) == 1
    case = outreach.iloc[0]
    assert (case["case_created_min"], case["hospital"], case["urgency_initial"]) == (600, "HHH", "cat2")
    assert case["gestation_weeks"] == 33
    assert case["birth_weight_g"] == pytest.approx(1900, abs=1e-6)


@pytest.mark.parametrize(("weeks", "grams"), [(35, 2200), (30, 1300), (38, 3400)])
def test_weight_uniform_inverts_the_birth_weight_model(baseline, weeks: float, grams: float) -> None:
    u = weight_uniform(baseline.clinical, weeks, grams)
    assert 0 < u < 1
    assert birth_weight_g(baseline.clinical, weeks, u) == pytest.approx(grams, abs=1e-6)


def test_a_scripted_case_does_not_shift_the_random_streams() -> None:
    """Same seed, with and without a scripted case: the Poisson cases arrive at the same times."""
    base = ["run.horizon_days=20", "demand.outreach.rate_per_day=0.5"]
    plain = load_scenario(SCENARIOS / "baseline.yaml", base)
    scripted = load_scenario(SCENARIOS / "baseline.yaml", [*base, SCRIPT])
    a = replication_tables(plain, 9, 0)[0]["cases"]
    b = replication_tables(scripted, 9, 0)[0]["cases"]
    arrivals_a = sorted(a["case_created_min"])
    arrivals_b = sorted(b.loc[~((b["case_created_min"] == 600) & (b["hospital"] == "HHH")), "case_created_min"])
    assert arrivals_a == arrivals_b
    assert len(b) == len(a) + 1


def test_scripted_case_at_an_unknown_hospital_is_refused() -> None:
    bad = SCRIPT.replace("host: HHH", "host: XYZ")
    with pytest.raises(ScenarioError) as err:
        load_scenario(SCENARIOS / "baseline.yaml", [bad])
    assert any(p.key == "demand.outreach.scripted.0.host" for p in err.value.problems)


def test_index_case_scenario_holds_the_reported_facts() -> None:
    sc = load_scenario(SCENARIOS / "validation" / "index-case.yaml")
    (case,) = sc.demand.outreach.scripted
    assert (case.host, case.urgency, case.gestation_weeks, case.birth_weight_g) == ("CLH", "planned", 35, 2200)
    assert sum(sc.team.composition.values()) == 11
    assert sc.demand.outreach.rate_per_day == 0
    assert sc.team.incubator in sc.team.equipment


def _scripted_at(minutes: float) -> str:
    return SCRIPT.replace("time_min: 600", f"time_min: {minutes:g}")


@pytest.mark.parametrize(("minutes", "words"), [(3 * 1440, "at or after the horizon"),
                                                (5000, "at or after the horizon"),
                                                (100, "inside the warm-up")])
def test_validate_and_run_name_a_scripted_case_no_kpi_counts(tmp_path, minutes: float, words: str) -> None:
    """A scripted case at or after the horizon (3 days = 4320 min) never starts; one inside the
    warm-up (1 day) is left out of the KPIs: both are named by validate, by run and in the manifest."""
    import json

    from click.testing import CliRunner

    from sim.cli import cli

    sets = ["--set", "run.horizon_days=3", "--set", "run.warmup_days=1", "--set", "demand.outreach.rate_per_day=0",
            "--set", _scripted_at(minutes)]
    path = str(SCENARIOS / "baseline.yaml")
    checked = CliRunner().invoke(cli, ["validate", path, *sets])
    assert checked.exit_code == 0, checked.output
    assert f"demand.outreach.scripted.0.time_min: the scripted case at {minutes:g} min" in checked.output
    assert words in checked.output
    out = tmp_path / "res"
    ran = CliRunner().invoke(cli, ["run", path, "-n", "1", "--out", str(out), *sets])
    assert ran.exit_code == 0, ran.output
    notes = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert any(n.startswith("demand.outreach.scripted.0.time_min: ") and words in n for n in notes), notes


def test_a_scripted_case_inside_the_run_is_not_a_warning() -> None:
    from sim.scenario.feasibility import scripted_outside

    sc = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=3", "run.warmup_days=0", _scripted_at(4319)])
    assert scripted_outside(sc) == []
