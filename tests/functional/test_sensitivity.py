"""Sensitivity studies on the real model (short horizons, few replications, fixed seeds).

Checks that can fail: a parameter that cannot reach a KPI leaves it exactly
unchanged; one that must reach it moves it the right way with an interval
clear of zero; Morris ranks travel above mobilisation for the newborn's
journey; a recommendation built to hold does hold; bad options exit 2.
"""

from __future__ import annotations

import shutil

import pandas as pd
import pytest
from click.testing import CliRunner

from sim import store
from sim.analysis.sensitivity import MORRIS_COLUMNS, SENSITIVITY_COLUMNS, SURVIVAL_COLUMNS
from sim.app import RunOptions
from sim.cli import cli
from sim.experiment.sensitivity import study
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
BUSY = ["run.horizon_days=20", "demand.outreach.rate_per_day=1"]
"""About 20 outreach cases a replication, so the team's KPIs have values and teams sometimes queue."""
ROOMY_NICU = "hospitals.NHOG.nicu_cots=1000"
URGENT_ONLY = "demand.outreach.urgency_mix={cat1: 0.5, cat2: 0.5, planned: 0}"
NICU_STAY = ("clinical.nicu_stay", "clinical.nicu_stay_by_gestation")
QUIET = {"progress": False, "report": False}


def _opts(out, n: int = 3, seed: int = 11) -> RunOptions:
    return RunOptions(replications=n, seed=seed, out=out, **QUIET)


@pytest.fixture(scope="module")
def one_way(tmp_path_factory):
    """The busy baseline with cots to spare and urgent cases only: NICU stay (both keys) and team
    mobilisation scaled.  A planned case's team is sent for her slot, so its time on site follows the
    booking (a slot moved to the next window, or to the clinical cap, shifts it by hours) more than the
    mobilisation; urgent teams leave as soon as they are ready."""
    out = tmp_path_factory.mktemp("sens") / "study"
    study(BASELINE, [*BUSY, ROOMY_NICU, URGENT_ONLY], _opts(out), ",".join(["team.mobilisation", *NICU_STAY]))
    return out


def _rows(folder, parameter: str, kpi: str) -> pd.DataFrame:
    table = store.read_table(folder, "sensitivity")
    return table[(table["parameter"] == parameter) & (table["kpi"] == kpi)].set_index("level")


@pytest.mark.parametrize("parameter", NICU_STAY)
def test_nicu_stay_leaves_the_time_to_the_team_on_site_exactly_unchanged(one_way, parameter):
    """The NICU stay cannot reach ``decision_to_team_on_site_min`` while a cot is always free.

    It can in one corner, read from the event logs (``nicu_arrival`` to ``nicu_admission``): a newborn
    that finds the NICU full waits at its door in the transport incubator, with the team's neonatal staff
    and ambulance held, for up to ``policies.nicu_wait_limit_min`` (30 min) before the surge rule admits
    it; the next outreach dispatch needs that incubator, staff and ambulance, so a longer stay (fuller
    cots) can make the next team later (:func:`test_with_few_cots_the_nicu_stay_can_delay_the_next_team`).
    With 1,000 cots no baby ever waits, so the difference must be exactly zero, in every replication.
    """
    rows = _rows(one_way, parameter, "decision_to_team_on_site_min")
    assert set(rows.index) == {"low", "high"}
    assert (rows["n_pairs"] >= 3).all()
    assert (rows[["diff_mean", "diff_ci_low", "diff_ci_high"]] == 0).all().all()
    cases = store.read_table(one_way / "base", "cases")
    assert (cases["nicu_admission_min"] - cases["nicu_arrival_min"]).max() == 0


def test_with_few_cots_the_nicu_stay_can_delay_the_next_team(tmp_path):
    out = tmp_path / "few"
    study(BASELINE, [*BUSY, "hospitals.NHOG.nicu_cots=3", "demand.home_emergency.rate_per_day=0"], _opts(out),
          "clinical.nicu_stay_by_gestation", "0.5..2")
    rows = _rows(out, "clinical.nicu_stay_by_gestation", "decision_to_team_on_site_min")
    assert (rows["diff_mean"] != 0).any()


def test_longer_mobilisation_makes_the_team_later_and_shorter_earlier(one_way):
    rows = _rows(one_way, "team.mobilisation", "decision_to_team_on_site_min")
    assert rows.loc["high", "diff_mean"] > 0
    assert rows.loc["high", "diff_ci_low"] > 0
    assert rows.loc["low", "diff_ci_high"] < 0


def test_the_study_folder_holds_its_table_record_summary_charts_and_runs(one_way):
    table = store.read_table(one_way, "sensitivity")
    assert list(table.columns) == SENSITIVITY_COLUMNS
    assert set(table["parameter"]) == {"team.mobilisation", *NICU_STAY}
    assert set(table["level"]) == {"low", "high"}
    assert set(table["factor"]) == {0.75, 1.25}
    record = store.read_json(one_way, "sensitivity.json")
    assert (record["seed"], record["replications"], record["range"]) == (11, 3, {"low": 0.75, "high": 1.25})
    assert [p["key"] for p in record["parameters"]] == ["team.mobilisation", *NICU_STAY]
    assert record["parameters"][0]["high"]["value"] == "triangular(low 18.75, mode 37.5, high 75)"
    for kpi in ("decision_to_team_on_site_min", "decision_to_delivery_min_cat1", "home_decision_to_delivery_min"):
        assert kpi in record["kpis"]
        assert (one_way / "figures" / f"tornado_{kpi}.png").is_file()
    text = (one_way / "sensitivity.txt").read_text(encoding="utf-8")
    assert "decision_to_team_on_site_min" in text
    assert "1. team.mobilisation" in text
    for run in ("base", "team.mobilisation_low", "team.mobilisation_high", "clinical.nicu_stay_low"):
        assert (one_way / run / "replications.csv").is_file()


def test_the_study_workbook_holds_the_table_as_numbers(one_way):
    import openpyxl

    book = openpyxl.load_workbook(one_way / "results.xlsx")
    assert book.sheetnames[:2] == ["About", "Sensitivity"]
    rows = list(book["Sensitivity"].iter_rows(values_only=True))
    header, first = list(rows[0]), rows[1]
    table = store.read_table(one_way, "sensitivity")
    assert "parameter" in header
    assert first[header.index("parameter")] == table["parameter"].iloc[0]
    column = next(h for h in header if str(h).startswith("diff_mean"))
    assert first[header.index(column)] == pytest.approx(table["diff_mean"].iloc[0], rel=1e-12, nan_ok=True)


def test_report_redraws_a_sensitivity_folders_charts_and_workbook_without_rerunning(one_way, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(one_way, copy)
    drawn = {p.name: p.read_bytes() for p in (copy / "figures").glob("*.png")}
    shutil.rmtree(copy / "figures")
    (copy / "results.xlsx").unlink()
    runs = {p: p.stat().st_mtime_ns for p in copy.glob("*/replications.csv")}
    result = CliRunner().invoke(cli, ["report", str(copy), "--svg"])
    assert result.exit_code == 0, result.output
    assert f"figures:  {copy / 'figures'}" in result.output
    assert {p.name: p.read_bytes() for p in (copy / "figures").glob("*.png")} == drawn  # the same charts
    assert {p.stem for p in (copy / "figures").glob("*.svg")} == {name.removesuffix(".png") for name in drawn}
    assert (copy / "results.xlsx").is_file()
    assert {p: p.stat().st_mtime_ns for p in copy.glob("*/replications.csv")} == runs  # nothing was rerun


def test_report_of_a_damaged_sensitivity_record_exits_2_naming_it(one_way, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(one_way, copy)
    record = store.read_json(copy, "sensitivity.json")
    store.write_json(copy, "sensitivity.json", {k: v for k, v in record.items() if k != "range"})
    result = CliRunner().invoke(cli, ["report", str(copy)])
    assert result.exit_code == 2, result.output
    assert f"{copy / 'sensitivity.json'}: lacks 'kpis' or the 'range' low and high" in result.output
    assert "Traceback" not in result.output


def test_morris_on_two_parameters_writes_its_statistics_and_ranks_travel_first_for_the_newborn(tmp_path):
    out = tmp_path / "morris"
    study(BASELINE, ["run.horizon_days=10", "demand.outreach.rate_per_day=1"], _opts(out, n=2),
          "team.mobilisation,travel", method="morris", trajectories=2, levels=4)
    morris = store.read_table(out, "morris")
    assert list(morris.columns) == MORRIS_COLUMNS
    assert set(morris["parameter"]) == {"team.mobilisation", "travel"}
    assert (morris["mu_star"] >= 0).all()
    nicu = morris[morris["kpi"] == "delivery_to_nicu_min"].set_index("parameter")["mu_star"]
    assert nicu["travel"] > nicu["team.mobilisation"]
    assert (out / "figures" / "morris_delivery_to_nicu_min.png").is_file()
    assert store.read_json(out, "sensitivity.json")["method"] == "morris"


def test_a_recommendation_built_to_hold_holds_across_the_range(tmp_path):
    """A set-up of 5 minutes instead of 15-45 shortens every urgent delivery by about 25 minutes, whatever
    the mobilisation (planned cases are left aside: a booked slot can move a whole day)."""
    other = tmp_path / "quick-setup.yaml"
    other.write_text(f"extends: {BASELINE}\nname: quick-setup\nteam:\n  setup_on_site: {{dist: fixed, value: 5}}\n",
                     encoding="utf-8")
    out = tmp_path / "against"
    study(BASELINE, BUSY, _opts(out), "team.mobilisation", against=other)
    surv = store.read_table(out, "survival")
    assert list(surv.columns) == SURVIVAL_COLUMNS
    ddi = surv[surv["kpi"] == "decision_to_delivery_min_cat2"]
    assert list(ddi["level"]) == ["low", "high"]
    assert (ddi["unscaled_ci_high"] < 0).all()
    assert (ddi["keeps_sign"] == "yes").all()
    text = (out / "sensitivity.txt").read_text(encoding="utf-8")
    assert "decision_to_delivery_min_cat2: quick-setup's reduction" in text
    assert "holds across every assumption's range" in text
    assert set(surv["keeps_sign"]) <= {"yes", "no", "not clear"}
    assert (out / "baseline" / "team.mobilisation_high" / "summary.csv").is_file()
    assert (out / "quick-setup" / "team.mobilisation_high" / "summary.csv").is_file()


def invoke(*args: str):
    return CliRunner().invoke(cli, ["sensitivity", str(BASELINE), *args])


@pytest.mark.parametrize("text", ["0..1.25", "1.25..0.75", "nan..1", "0.75..inf", "0.75-1.25"])
def test_a_bad_range_exits_2_naming_the_option_and_writes_nothing(tmp_path, text):
    result = invoke("--range", text, "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "--range" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
    assert not (tmp_path / "out.partial").exists()


@pytest.mark.parametrize(("key", "says"), [("team.nonsense", "'team.nonsense' is not a key"),
                                           ("policies.nicu_full", "nothing can be scaled: policies.nicu_full")])
def test_an_unknown_or_unscalable_parameter_exits_2_naming_it(tmp_path, key, says):
    result = invoke("--parameters", f"team.mobilisation,{key}" if "nonsense" in key else key,
                    "--out", str(tmp_path / "out"))
    assert result.exit_code == 2, result.output
    assert "--parameters" in result.output
    assert says in result.output
    assert not (tmp_path / "out").exists()


@pytest.mark.slow
def test_the_command_writes_the_table_and_tornado_charts(tmp_path):
    out = tmp_path / "cli"
    result = invoke("-n", "2", "--set", "run.horizon_days=30", "--parameters", "team.mobilisation,clinical.nicu_stay",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "scenario runs of 2 replications each" in result.output
    assert "home_decision_to_delivery_min" in result.output
    table = store.read_table(out, "sensitivity")
    assert set(table["parameter"]) == {"team.mobilisation", "clinical.nicu_stay"}
    assert (out / "figures" / "tornado_home_decision_to_delivery_min.png").is_file()
