"""The Python API (``import sim``): docs/api.md's example runs; edits are validated as ``--set`` is; runs in
memory and into a folder agree; comparisons are paired."""

from __future__ import annotations

import re
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

import sim
from sim.scenario import load_scenario
from tests.conftest import ROOT, SCENARIOS

BLOCKS = re.findall(r"^```python\n(.*?)^```", (ROOT / "docs" / "api.md").read_text(encoding="utf-8"),
                    re.MULTILINE | re.DOTALL)


@pytest.fixture(scope="module")
def short() -> sim.Scenario:
    return sim.load("baseline", {"run.horizon_days": 10, "demand.outreach.rate_per_day": 1})


def test_docs_api_example_runs_block_after_block(tmp_path, monkeypatch, capsys):
    assert len(BLOCKS) >= 8
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    for block in BLOCKS:
        exec(compile(block, "docs/api.md", "exec"), namespace)
    printed = capsys.readouterr().out
    assert "edit [hospitals.NHOG.operating_rooms]" in printed
    assert "edit [run.horizon_dayz]" in printed
    assert "edit [clinical.consultation.high]: required key is missing" in printed
    assert (tmp_path / "results" / "api-example" / "manifest.json").is_file()
    pd.testing.assert_frame_equal(namespace["again"].summary, namespace["results"].summary)


def test_import_sim_loads_nothing_heavy():
    code = "import sys, sim; print(sorted(m for m in ('pandas', 'numpy', 'pydantic', 'simpy') if m in sys.modules))"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_every_name_in_all_is_there():
    for name in sim.__all__:
        assert getattr(sim, name) is not None
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018


def test_load_by_name_is_loading_the_shipped_file():
    assert "baseline" in sim.shipped()
    assert sim.load("baseline") == load_scenario(SCENARIOS / "baseline.yaml")
    assert sim.load(SCENARIOS / "lean-team.yaml") == load_scenario(SCENARIOS / "lean-team.yaml")


def test_an_unknown_scenario_name_says_what_is_shipped():
    with pytest.raises(sim.ScenarioError, match=r"nor a shipped scenario.*baseline"):
        sim.load("baselin")


def test_edit_is_set_applied_to_the_resolved_scenario(baseline):
    changes = {"run.horizon_days": 30, "policies.dispatch": "fifo", "travel.routes.0.peak": {"dist": "fixed",
                                                                                             "value": 40}}
    edited = sim.edit(baseline, changes)
    by_set = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=30", "policies.dispatch=fifo",
                                                         "travel.routes.0.peak={dist: fixed, value: 40}"])
    assert edited == by_set
    assert baseline.run.horizon_days == 365  # never in place
    assert sim.edit(baseline, ["run.horizon_days=30"]).run.horizon_days == 30


@pytest.mark.parametrize(("changes", "key", "problem"), [
    ({"hospitals.NHOG.operating_rooms": -1}, "hospitals.NHOG.operating_rooms", "greater than or equal to 0"),
    ({"run.horizon_days": "thirty"}, "run.horizon_days", "expected a number"),
    ({"run.horizon_dayz": 30}, "run.horizon_dayz", "no key 'horizon_dayz'"),
    ({"run.horizon_days": float("nan")}, "run.horizon_days", "cannot be set"),
    ({"run.horizon_days": object()}, "run.horizon_days", "cannot be set"),
    ({"clinical.consultation": {"dist": "triangular", "low": 10}}, "clinical.consultation", "required key"),
    ({"policies.nicu_full": "sometimes"}, "policies.nicu_full", "'wait', 'surge' or 'divert'"),
])
def test_a_bad_edit_raises_a_scenario_error_naming_key_and_problem(baseline, changes, key, problem):
    with pytest.raises(sim.ScenarioError) as caught:
        sim.edit(baseline, changes)
    assert caught.value.problems[0].key.startswith(key)
    assert f"edit [{key}" in str(caught.value)
    assert problem in str(caught.value)


def test_numpy_numbers_are_plain_values(baseline):
    edited = sim.edit(baseline, {"hospitals.NHOG.ambulances": np.int64(3), "run.horizon_days": np.float64(20)})
    assert (edited.hospitals["NHOG"].ambulances, edited.run.horizon_days) == (3, 20)


def test_a_run_in_memory_and_one_into_a_folder_give_the_same_tables(short, tmp_path):
    memory = sim.run(short, 2)
    folder = sim.run(short, 2, out=tmp_path / "run")
    assert memory.folder is None
    assert folder.folder == tmp_path / "run"
    assert (tmp_path / "run" / "results.xlsx").is_file()
    for name in ("summary", "replications", "cases", "unserved", "waits", "occupancy"):
        pd.testing.assert_frame_equal(memory.table(name), sim.read(tmp_path / "run").table(name))
    assert len(memory.kpis) == 2
    assert set(memory.table("waits")["replication"]) == set(memory.table("occupancy")["replication"]) == {0, 1}


def test_summarise_headline_keeps_the_headline_kpis_by_urgency(short):
    table = sim.summarise(sim.run(short, 2), headline=True)
    wanted = {k + s for k in sim.api.HEADLINE for s in ("", "_cat1", "_cat2", "_planned")}
    assert set(table["kpi"]) == wanted - {"home_decision_to_delivery_min_planned"}  # home: cat1 and cat2 only
    assert list(table.columns) == sim.api.SUMMARY_VIEW


def test_read_refuses_a_folder_without_results(tmp_path):
    with pytest.raises(sim.InputError, match="not a results folder"):
        sim.read(tmp_path)


def test_a_scenario_compared_with_itself_differs_by_nothing(short):
    # common random numbers: the same scenario and seed give the same replications, so every paired
    # difference is exactly zero
    comparison = sim.compare([short, short], 2, names=["a", "b"])
    assert set(comparison.differences["scenario"]) == {"b"}
    assert (comparison.differences["diff_mean"].dropna() == 0).all()
    assert set(comparison.summaries["scenario"]) == {"a", "b"}


def test_compare_pairs_a_change_against_the_first(short, tmp_path):
    slower = sim.edit(short, {"name": "slow-team", "team.mobilisation": {"dist": "fixed", "value": 120}})
    memory = sim.compare([short, slower], 2)
    folder = sim.compare([short, slower], 2, out=tmp_path / "cmp")
    row = memory.differences.set_index("kpi").loc["decision_to_team_on_site_min"]
    assert row["scenario"] == "slow-team"
    assert row["diff_mean"] > 0  # a fixed 2-hour mobilisation is longer than triangular(15, 30, 60) always
    pd.testing.assert_frame_equal(memory.differences, folder.differences, check_dtype=False)
    assert set(folder.results) == {"baseline", "slow-team"}


def test_compare_needs_two_scenarios(short):
    with pytest.raises(sim.InputError, match="at least two"):
        sim.compare([short])


def test_a_table_missing_from_an_older_folder_is_named_not_a_traceback(short, tmp_path):
    folder = sim.run(short, 2, out=tmp_path / "run").folder
    (folder / "waits.parquet").unlink()  # as a folder written before the waits were stored
    read = sim.read(folder)
    with pytest.raises(sim.InputError, match=r"no waits table.*earlier ihsim"):
        read.table("waits")
    assert len(read.table("occupancy")) > 0
