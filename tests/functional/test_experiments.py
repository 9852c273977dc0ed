"""Comparison, sweep, target and sequential replications on the real model (short horizons).

Each check is directional or against theory: identical scenarios differ by
exactly zero; a longer closure makes theatres busier; common random numbers
narrow the interval of a difference; the target solver finds the number of
operating rooms that queueing arithmetic predicts.
"""

from __future__ import annotations

import math

import openpyxl
import pandas as pd
import pytest
from scipy import stats

from sim import store
from sim.app import RunOptions, run_loaded
from sim.experiment.compare import compare_scenarios
from sim.experiment.sequential import run_to_precision
from sim.experiment.sweep import sweep
from sim.experiment.target import solve
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
SHORT = ["run.horizon_days=20"]
QUIET = {"progress": False, "report": False}


def test_a_scenario_compared_with_itself_differs_by_exactly_zero_on_every_kpi(tmp_path):
    sc = load_scenario(BASELINE, SHORT)
    out = compare_scenarios([sc, sc], RunOptions(replications=3, seed=5, out=tmp_path / "cmp", progress=False))
    diff = store.read_table(out, "differences")
    assert len(diff) >= 10
    assert set(diff["scenario"]) == {"baseline-2"}
    assert (diff[["diff_mean", "diff_ci_low", "diff_ci_high"]] == 0).all().all()
    html = (out / "comparison.html").read_text(encoding="utf-8")
    assert 'id="differences-table"' in html
    assert "<img" in html
    assert (out / "baseline" / "summary.csv").is_file()
    assert (out / "baseline-2" / "summary.csv").is_file()


def test_longer_closure_makes_theatres_busier_and_pairing_narrows_the_interval(tmp_path):
    base = load_scenario(BASELINE, SHORT)
    longer = load_scenario(BASELINE, [*SHORT, "clinical.closure={dist: lognormal, mean: 47.5, sd: 17.5}",
                                      "name=longer-closure"])
    out = compare_scenarios([base, longer], RunOptions(replications=5, seed=3, out=tmp_path / "c", **QUIET))
    diff = store.read_table(out, "differences").set_index("kpi")
    room = diff.loc["utilisation_NHOG_operating_room"]
    assert room["diff_ci_low"] > 0
    assert room["paired_half_width"] < room["unpaired_half_width"]
    home = diff.loc["home_decision_to_delivery_min"]
    assert home["paired_half_width"] < home["unpaired_half_width"]
    record = store.read_json(out, "comparison.json")
    assert record["scenarios"][1]["input_changes"] == [
        "closure (surgery) lognormal(mean 38, sd 14) -> lognormal(mean 47.5, sd 17.5)"]


def test_sweep_writes_one_row_per_variant_and_kpi(tmp_path):
    out = sweep(BASELINE, SHORT, ["hospitals.NHOG.operating_rooms=3,2"],
                RunOptions(replications=2, seed=1, out=tmp_path / "s", **QUIET))
    table = store.read_table(out, "sweep")
    kpis = table["kpi"].nunique()
    assert len(table) == 2 * kpis
    assert list(table["hospitals.NHOG.operating_rooms"].unique()) == [3, 2]
    first = table[table["hospitals.NHOG.operating_rooms"] == 3]
    assert (first["diff_mean"].fillna(0) == 0).all()
    room = table[(table["kpi"] == "utilisation_NHOG_operating_room")].set_index("hospitals.NHOG.operating_rooms")
    assert room.loc[2, "mean"] > room.loc[3, "mean"]
    sheet = openpyxl.load_workbook(out / "results.xlsx")["Sweep"]
    assert sheet.max_row == len(table) + 1  # the header, then every row of sweep.csv


FIXED = [
    "run.horizon_days=20",
    "demand.home_emergency.decision_to_theatre={cat1: {dist: fixed, value: 0}, cat2: {dist: fixed, value: 0}}",
    "clinical.anaesthesia={cat1: {dist: fixed, value: 10}, cat2: {dist: fixed, value: 10},"
    " planned: {dist: fixed, value: 10}}",
    "clinical.incision_to_delivery={dist: fixed, value: 5}",
    "clinical.closure={dist: fixed, value: 15}",
]


def test_target_finds_the_operating_rooms_queueing_arithmetic_predicts(tmp_path):
    """With no preparation, a home emergency holds a room 10 + 5 + 15 = 30 min, so the offered
    load is rate * 30 / 1440 rooms and utilisation with N rooms is load / N (outreach cases
    operate at the host).  The smallest N with utilisation at most 0.1 is ceil(load / 0.1)."""
    sc = load_scenario(BASELINE, FIXED)
    load = sc.demand.home_streams[0].rate_per_day * 30 / 1440
    expected = math.ceil(load / 0.1)
    out, outcome = solve(BASELINE, FIXED, "hospitals.NHOG.operating_rooms", "1..6",
                         "utilisation_NHOG_operating_room <= 0.1",
                         RunOptions(replications=4, seed=9, out=tmp_path / "t", **QUIET))
    assert outcome.answer == expected
    assert outcome.confirm is not None
    assert outcome.confirm.holds
    evidence = store.read_table(out, "target")
    tried = evidence[evidence["role"] == "search"].set_index("value")
    assert tried.loc[expected, "mean"] == pytest.approx(load / expected, rel=0.1)
    assert not tried.loc[float(expected - 1), "holds"]


def test_sequential_procedure_adds_replications_until_the_precision_is_met(tmp_path):
    sc = load_scenario(BASELINE, ["run.horizon_days=20"])
    kpi = "home_decision_to_delivery_min"
    seq = run_to_precision(sc, 2, 3, 60, tmp_path, 0.03, kpis=[kpi], progress=False)
    assert seq.met
    assert seq.n > 3
    assert seq.rounds[0]["unmet"] == [kpi]
    values = store.read_kpis(tmp_path, list(range(seq.n)))[kpi].to_numpy()
    half = stats.t.ppf(0.975, len(values) - 1) * values.std(ddof=1) / math.sqrt(len(values))
    assert half <= 0.03 * values.mean()
    assert store.read_json(tmp_path, "sequential.json")["replications"] == seq.n


def test_sequential_run_stops_at_the_maximum_and_says_so(tmp_path):
    sc = load_scenario(BASELINE, ["run.horizon_days=10"])
    out = run_loaded(sc, RunOptions(replications=2, seed=2, precision=0.01, max_replications=4,
                                    out=tmp_path / "r", **QUIET))
    seq = store.read_json(out, "sequential.json")
    assert not seq["met"]
    assert seq["replications"] == 4
    assert [r["n"] for r in seq["rounds"]] == [2, 4]
    assert seq["rounds"][-1]["unmet"]  # it stopped short of the precision, and says which KPIs


def test_a_study_and_a_sequential_run_start_their_worker_processes_once(tmp_path, monkeypatch):
    """Every scenario of a comparison, and every round of a sequential run, share one process pool;
    the results equal those of separate runs, which start a pool each."""
    from concurrent.futures import ProcessPoolExecutor

    from sim.experiment import runner

    started: list[int] = []

    class CountingPool(ProcessPoolExecutor):
        def __init__(self, *args, **kwargs):
            started.append(kwargs.get("max_workers", 0))
            super().__init__(*args, **kwargs)

    monkeypatch.setattr(runner, "ProcessPoolExecutor", CountingPool)
    base = load_scenario(BASELINE, ["run.horizon_days=5"])
    other = load_scenario(BASELINE, ["run.horizon_days=5", "name=other", "hospitals.NHOG.operating_rooms=2"])
    out = compare_scenarios([base, other], RunOptions(replications=2, seed=4, workers=2, out=tmp_path / "c", **QUIET))
    assert started == [2]
    alone = run_loaded(other, RunOptions(replications=2, seed=4, workers=2, out=tmp_path / "alone", **QUIET))
    assert started == [2, 2]
    pd.testing.assert_frame_equal(store.read_table(out / "other", "replications"),
                                  store.read_table(alone, "replications"))
    seq = run_to_precision(base, 4, 2, 6, tmp_path / "seq", 1e-6, lookahead=1, workers=2, progress=False)
    assert len(seq.rounds) > 1
    assert started == [2, 2, 2]
