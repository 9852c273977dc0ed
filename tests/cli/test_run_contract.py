"""``ihsim run`` keeps the results-folder contract of DESIGN.md section 3, through a real subprocess.

A 10-replication run of the baseline (60 simulated days) writes every file
with the documented columns and KPI names; the same seed gives identical
tables with one or two workers; another seed gives different ones.
"""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tests.conftest import RESULT_FILES, ROOT, SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")
SHORT = ("--set", "run.horizon_days=60")
KPI_NAMES = ["decision_to_delivery_min", "decision_to_team_on_site_min", "delivery_to_nicu_min",
             "home_decision_to_delivery_min", "ddi_within_target_pct"]
MANIFEST_KEYS = ["scenario", "scenario_sha256", "seed", "replications", "engine", "workers", "versions", "git_commit",
                 "command", "started", "finished", "wall_seconds"]


def ihsim(*args: str) -> subprocess.CompletedProcess[str]:
    """Run ``python -m sim ARGS`` in a fresh interpreter from the repository root."""
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=900, check=False)


def run_baseline(out: Path, *, seed: int = 7, workers: int = 1, reps: int = 10, extra: tuple[str, ...] = SHORT) -> Path:
    done = ihsim("run", BASELINE, "--replications", str(reps), "--seed", str(seed), "--workers", str(workers),
                 "--out", str(out), *extra)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    return run_baseline(tmp_path_factory.mktemp("run") / "seed7_w1")


@pytest.fixture(scope="module")
def results_two_workers(tmp_path_factory) -> Path:
    return run_baseline(tmp_path_factory.mktemp("run") / "seed7_w2", workers=2)


@pytest.mark.slow
def test_run_writes_every_file_of_the_contract(results):
    for name in RESULT_FILES:
        assert (results / name).is_file(), name
    assert len(list((results / "figures").glob("*.png"))) >= 3
    assert not list((results / "figures").glob("*.svg"))  # SVG only with --svg
    assert not results.with_name(results.name + ".partial").exists()
    assert not (results / "parts").exists()
    assert (results / "report.html").read_text(encoding="utf-8").count("<img") >= 3


@pytest.mark.slow
def test_manifest_carries_the_provenance(results):
    manifest = json.loads((results / "manifest.json").read_text(encoding="utf-8"))
    assert set(MANIFEST_KEYS) <= set(manifest)
    assert (manifest["seed"], manifest["replications"], manifest["workers"]) == (7, 10, 1)
    assert manifest["scenario"]["run"]["horizon_days"] == 60
    assert len(manifest["scenario_sha256"]) == 64
    assert manifest["wall_seconds"] >= 0


@pytest.mark.slow
def test_tables_have_the_documented_columns(results):
    events = pd.read_parquet(results / "events.parquet")
    cases = pd.read_parquet(results / "cases.parquet")
    resources = pd.read_parquet(results / "resources.parquet")
    assert {"replication", "case_id", "time_min", "event", "hospital", "resource"} <= set(events.columns)
    assert {"replication", "case_id", "case_type", "urgency", "pathway", "status", "decision_min", "delivery_min",
            "decision_to_delivery_min"} <= set(cases.columns)
    assert {"replication", "hospital", "resource", "capacity_mean", "busy_min", "utilisation", "mean_queue",
            "max_queue", "mean_wait_min"} <= set(resources.columns)
    for table in (events, cases, resources):
        assert sorted(table["replication"].unique()) == list(range(10))


@pytest.mark.slow
def test_summary_lists_the_contract_kpis_with_t_intervals(results):
    summary = pd.read_csv(results / "summary.csv").set_index("kpi")
    reps = pd.read_csv(results / "replications.csv")
    assert {"unit", "mean", "sd", "ci_low", "ci_high", "n"} <= set(summary.columns)
    assert set(KPI_NAMES) <= set(summary.index)
    assert set(KPI_NAMES) <= set(reps.columns)
    assert len(reps) == 10
    assert any(k.startswith("utilisation_NHOG_") for k in summary.index)
    assert "utilisation_NHOG_operating_room" in summary.index
    x = reps["home_decision_to_delivery_min"].to_numpy()
    low, high = stats.t.interval(0.95, len(x) - 1, loc=x.mean(), scale=x.std(ddof=1) / math.sqrt(len(x)))
    row = summary.loc["home_decision_to_delivery_min"]
    assert (row["mean"], row["ci_low"], row["ci_high"]) == pytest.approx((x.mean(), low, high), rel=1e-8)
    assert row["n"] == 10


@pytest.mark.slow
def test_every_case_is_accounted_for_and_times_never_decrease(results):
    events = pd.read_parquet(results / "events.parquet")
    cases = pd.read_parquet(results / "cases.parquet")
    created = events.loc[events["event"] == "case_created", ["replication", "case_id"]]
    assert len(created) == len(cases)
    assert set(map(tuple, created.to_numpy())) == set(map(tuple, cases[["replication", "case_id"]].to_numpy()))
    assert set(cases["status"]) == {"completed", "in_progress"} or set(cases["status"]) == {"completed"}
    closed = events.loc[events["event"] == "case_closed", ["replication", "case_id"]]
    assert (cases["status"] == "completed").sum() == len(closed)
    for _, group in events[events["case_id"] >= 0].groupby(["replication", "case_id"]):
        assert np.all(np.diff(group["time_min"].to_numpy()) >= 0)
    delivered = cases[cases["delivery_min"].notna()]
    assert len(delivered) > 100
    assert (delivered["decision_to_delivery_min"] == delivered["delivery_min"] - delivered["decision_min"]).all()


@pytest.mark.slow
def test_same_seed_gives_identical_tables_with_one_or_two_workers(results, results_two_workers):
    assert (results / "replications.csv").read_bytes() == (results_two_workers / "replications.csv").read_bytes()
    for table in ("cases", "events", "waits", "occupancy"):  # combined in replication order however they finish
        pd.testing.assert_frame_equal(pd.read_parquet(results / f"{table}.parquet"),
                                      pd.read_parquet(results_two_workers / f"{table}.parquet"))
    charts = sorted(p.name for p in (results / "figures").glob("*.png"))  # drawn here, and by a worker with two
    assert charts == sorted(p.name for p in (results_two_workers / "figures").glob("*.png"))
    for name in charts:
        assert (results / "figures" / name).read_bytes() == (results_two_workers / "figures" / name).read_bytes()


@pytest.mark.slow
def test_another_seed_gives_different_tables(results, tmp_path):
    other = run_baseline(tmp_path / "seed8", seed=8, reps=3)
    mine = pd.read_csv(results / "replications.csv").head(3)
    theirs = pd.read_csv(other / "replications.csv")
    assert not mine.equals(theirs)
    assert not pd.read_parquet(results / "cases.parquet").query("replication < 3").reset_index(drop=True).equals(
        pd.read_parquet(other / "cases.parquet"))


@pytest.mark.slow
def test_a_full_year_runs(tmp_path):
    out = run_baseline(tmp_path / "year", reps=2, extra=())
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["scenario"]["run"]["horizon_days"] == 365
    assert pd.read_csv(out / "replications.csv")["home_cases"].min() > 2000
