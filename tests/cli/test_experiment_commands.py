"""compare, sweep, target, regress, warmup and run --max-replications through the command line.

Exit codes are the contract: 0 success (no regression), 1 a check found a
problem (a regression), 2 bad input with nothing written.
"""

from __future__ import annotations

import shutil

import pytest
from click.testing import CliRunner

from sim import store
from sim.app import RunOptions, run_loaded
from sim.cli import cli
from sim.scenario import load_scenario
from sim.scenario.load import overrides_tag
from tests.conftest import SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")
SHORT = ["run.horizon_days=30"]
LONGER_SURGERY = "clinical.closure={dist: lognormal, mean: 47.5, sd: 17.5}"  # +25% on the mean


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Short runs: a base, the same again, another seed, and one whose closure takes 25% longer."""
    root = tmp_path_factory.mktemp("runs")
    made = {}
    for name, seed, extra in [("base", 1, []), ("again", 1, []), ("reseeded", 2, []), ("slower", 1, [LONGER_SURGERY])]:
        scenario = load_scenario(SCENARIOS / "baseline.yaml", [*SHORT, *extra])
        made[name] = run_loaded(scenario, RunOptions(replications=8, seed=seed, out=root / name,
                                                     progress=False, report=False))
    return made


def test_regress_same_run_twice_is_exact_and_passes(runs):
    result = invoke("regress", str(runs["base"]), str(runs["again"]))
    assert result.exit_code == 0, result.output
    assert "mode: exact" in result.output
    assert "regressions: 0" in result.output


def test_regress_another_seed_is_statistical_and_passes(runs):
    result = invoke("regress", str(runs["base"]), str(runs["reseeded"]))
    assert result.exit_code == 0, result.output
    assert "mode: statistical (seed: 1 vs 2)" in result.output


def test_regress_flags_longer_surgery(runs):
    result = invoke("regress", str(runs["base"]), str(runs["slower"]))
    assert result.exit_code == 1, result.output
    assert "utilisation_NHOG_operating_room" in result.output
    assert "regressed" in result.output


def test_regress_refuses_a_folder_that_is_not_a_results_folder(runs, tmp_path):
    result = invoke("regress", str(tmp_path), str(runs["base"]))
    assert result.exit_code == 2
    assert "is not a results folder" in result.output
    assert "Traceback" not in result.output


def test_regress_update_needs_a_reason_and_records_it(runs, tmp_path):
    reference = tmp_path / "reference" / "baseline"
    refused = invoke("regress", "--update", str(reference), str(runs["base"]))
    assert refused.exit_code == 2
    assert not reference.exists()
    done = invoke("regress", "--update", str(reference), str(runs["base"]), "--reason", "first baseline")
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in reference.iterdir()) == ["manifest.json", "replications.csv", "summary.csv"]
    ledger = store.read_table(tmp_path / "reference", "ledger")
    assert list(ledger["reason"]) == ["first baseline"]
    again = invoke("regress", str(reference), str(runs["again"]))
    assert again.exit_code == 0, again.output


def test_warmup_suggests_a_warmup_and_draws_it(runs):
    result = invoke("warmup", str(runs["base"]), "--pool", "NHOG.obstetric_surgeon", "--bin-days", "0.25")
    assert result.exit_code == 0, result.output
    assert "MSER-5 on NHOG_obstetric_surgeon: warm-up of" in result.output
    assert (runs["base"] / "figures" / "warmup_NHOG_obstetric_surgeon.png").is_file()
    bad = invoke("warmup", str(runs["base"]), "--pool", "nonsense")
    assert bad.exit_code == 2


def test_compare_baseline_with_itself_prints_zero_differences(tmp_path):
    out = tmp_path / "cmp"
    result = invoke("compare", BASELINE, BASELINE, "-n", "2", "--seed", "4", "--set", "run.horizon_days=10",
                    "--out", str(out))
    assert result.exit_code == 0, result.output
    tag = overrides_tag(["run.horizon_days=10"])
    assert (f"baseline{tag}-2 leaves mean decision-to-delivery interval (home emergencies, all urgencies mixed) "
            "unchanged") in result.output
    diff = store.read_table(out, "differences")
    assert (diff[["diff_mean", "diff_ci_low", "diff_ci_high"]] == 0).all().all()
    # the cost to the home hospital is a KPI, so it is compared like any other
    assert "home_ddi_within_target_pct_cat1_team_home_NHOG" in set(diff["kpi"])
    # the comparison report can be rebuilt from the folder alone
    (out / "comparison.html").unlink()
    rebuilt = invoke("report", str(out))
    assert rebuilt.exit_code == 0, rebuilt.output
    assert (out / "comparison.html").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["compare", BASELINE], "at least two scenarios"),
    (["compare", BASELINE, "missing.yaml"], "file not found"),
    (["sweep", BASELINE, "--vary", "hospitals.NHOG.ambulances"], "expected KEY=V1,V2"),
    (["sweep", BASELINE, "--vary", "hospitals.NHOG.ambulances=1,x"], "hospitals.NHOG.ambulances"),
    (["target", BASELINE, "--lever", "hospitals.NHOG.ambulances", "--range", "1..3", "--goal", "ddi >>= 3"],
     "--goal"),
    (["target", BASELINE, "--lever", "hospitals.NHOG.ambulances", "--range", "1..3", "--goal", "nope_min <= 3"],
     "unknown KPI 'nope_min'"),
    (["target", BASELINE, "--lever", "hospitals.NHOG.nothing", "--range", "1..3", "--goal", "call_ins <= 3"],
     "no key 'nothing' under hospitals.NHOG"),
    (["target", BASELINE, "--lever", "hospitals.NHOG.ambulances", "--range", "3..1", "--goal", "call_ins <= 3"],
     "--range"),
])
def test_bad_experiment_input_exits_2_and_writes_nothing(tmp_path, args, message):
    out = tmp_path / "out"
    result = invoke(*args, "--out", str(out))
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert not out.exists()
    assert not (tmp_path / "out.partial").exists()


def test_run_with_max_replications_says_what_it_did(tmp_path):
    out = tmp_path / "r"
    result = invoke("run", BASELINE, "-n", "2", "--max-replications", "3", "--precision", "0.01",
                    "--set", "run.horizon_days=5", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert "ran 3 replications (from 2, at most 3" in result.output
    assert "home_decision_to_delivery_min" in result.output


NO_DELIVERY = ("clinical.anaesthesia={cat1: {dist: fixed, value: 100000}, cat2: {dist: fixed, value: 100000}, "
               "planned: {dist: fixed, value: 100000}}")


def test_regress_fails_a_candidate_in_which_no_baby_is_delivered(tmp_path):
    """Anaesthesia of 100,000 min for every urgency: no delivery within the horizon, so every delivery
    KPI of the candidate is empty.  That is a regression, however few replications ran."""
    made = {}
    for name, extra in (("base", []), ("none", [NO_DELIVERY])):
        scenario = load_scenario(SCENARIOS / "baseline.yaml",
                                 ["run.horizon_days=10", "demand.outreach.rate_per_day=1", *extra])
        made[name] = run_loaded(scenario, RunOptions(replications=3, seed=2, out=tmp_path / name,
                                                     progress=False, report=False))
    none = store.read_table(made["none"], "replications")
    assert none["decision_to_delivery_min"].isna().all()
    assert (none["outreach_delivered"] == 0).all()
    result = invoke("regress", str(made["base"]), str(made["none"]))
    assert result.exit_code == 1, result.output
    assert "mode: statistical" in result.output
    lines = {line.split()[0]: line for line in result.output.splitlines() if line.strip()}
    assert lines["decision_to_delivery_min"].rstrip().endswith("vanished")
    assert lines["home_decision_to_delivery_min"].rstrip().endswith("vanished")
    assert "regressions: 0" not in result.output
    assert "detectable:" in result.output


def copy_of(folder, dest):
    shutil.copytree(folder, dest)
    return dest


@pytest.mark.parametrize(("side", "name"), [("candidate", "summary.csv"), ("baseline", "summary.csv"),
                                            ("candidate", "replications.csv"), ("candidate", "events.parquet")])
def test_regress_counts_a_file_missing_on_either_side_as_a_difference(runs, tmp_path, side, name):
    folders = {"baseline": copy_of(runs["base"], tmp_path / "b"), "candidate": copy_of(runs["again"], tmp_path / "c")}
    (folders[side] / name).unlink()
    result = invoke("regress", str(folders["baseline"]), str(folders["candidate"]))
    assert result.exit_code == 1, result.output
    assert f"{folders[side] / name}: missing" in result.output
    assert "regressions: 0" not in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("name", "content"), [("summary.csv", b"\xff\xfe\x00garbage"), ("manifest.json", b"{"),
                                               ("replications.csv", b"a,b\n1,2\n"), ("events.parquet", b"PAR1")])
@pytest.mark.parametrize("side", ["baseline", "candidate"])
def test_regress_refuses_a_file_it_cannot_read_naming_it(runs, tmp_path, name, content, side):
    folders = {"baseline": copy_of(runs["base"], tmp_path / "b"), "candidate": copy_of(runs["again"], tmp_path / "c")}
    (folders[side] / name).write_bytes(content)
    result = invoke("regress", str(folders["baseline"]), str(folders["candidate"]))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"error: {folders[side] / name}")  # the file named first
    assert any(word in result.output for word in ("cannot be read", "malformed", "no 'replication' column",
                                                  "not a readable parquet table"))
    assert len(result.output.strip().splitlines()) == 1
    assert "Traceback" not in result.output


@pytest.mark.parametrize("where", ["a folder", "under a file"])
def test_regress_update_with_an_unwritable_ledger_changes_nothing(runs, tmp_path, where):
    reference = copy_of(runs["base"], tmp_path / "baseline")
    before = {p.name: p.read_bytes() for p in reference.iterdir() if p.is_file()}
    if where == "a folder":
        ledger = tmp_path / "ledger.csv"
        ledger.mkdir()
    else:
        (tmp_path / "file").write_text("x", encoding="utf-8")
        ledger = tmp_path / "file" / "ledger.csv"
    result = invoke("regress", "--update", str(reference), str(runs["reseeded"]), "--reason", "r",
                    "--ledger", str(ledger))
    assert result.exit_code == 2, result.output
    assert f"error: cannot write the ledger {ledger}: " in result.output
    assert {p.name: p.read_bytes() for p in reference.iterdir() if p.is_file()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["baseline", ledger.parts[len(tmp_path.parts)]]


def test_regress_update_puts_the_old_baseline_back_when_the_ledger_row_fails(runs, tmp_path, monkeypatch):
    reference = tmp_path / "ref" / "baseline"
    assert invoke("regress", "--update", str(reference), str(runs["base"]), "--reason", "first").exit_code == 0
    before = {p.name: p.read_bytes() for p in reference.iterdir()}
    ledger = (tmp_path / "ref" / "ledger.csv").read_bytes()

    def full(*_, **__):
        raise OSError(28, "No space left on device", str(tmp_path / "ref" / "ledger.csv"))

    monkeypatch.setattr(store, "append_csv_row", full)
    result = invoke("regress", "--update", str(reference), str(runs["reseeded"]), "--reason", "second")
    monkeypatch.undo()
    assert result.exit_code == 1, result.output
    assert f"error: could not write {reference}: No space left on device" in result.output
    assert {p.name: p.read_bytes() for p in reference.iterdir()} == before
    assert (tmp_path / "ref" / "ledger.csv").read_bytes() == ledger
    assert sorted(p.name for p in (tmp_path / "ref").iterdir()) == ["baseline", "baseline.lock", "ledger.csv"]
