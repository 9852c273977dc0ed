"""Engines: the same seed gives identical tables on the local engine and on Dask.

The Dask run starts a LocalCluster of two worker processes, as ``ihsim run
--engine dask --workers 2`` does without ``--scheduler`` (through the use
case behind the command, without the report, to stay quick).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.app import RunOptions, run_loaded
from sim.cli import cli
from sim.experiment import dask_engine
from sim.experiment.runner import batches
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

ARGS = [str(SCENARIOS / "baseline.yaml"), "-n", "5", "--seed", "11", "--set", "run.horizon_days=20"]


def run(out: Path, engine: str, workers: int) -> Path:
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=20"])
    opts = RunOptions(replications=5, seed=11, workers=workers, engine=engine, out=out, progress=False, report=False)
    return run_loaded(scenario, opts)


@pytest.fixture(scope="module")
def local_and_dask(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    base = tmp_path_factory.mktemp("engines")
    return run(base / "local", "local", 1), run(base / "dask", "dask", 2)


@pytest.mark.slow
@pytest.mark.parametrize("table", ["cases", "events", "resources"])
def test_dask_and_local_engines_write_identical_tables(local_and_dask: tuple[Path, Path], table: str) -> None:
    local, dask = (pd.read_parquet(folder / f"{table}.parquet") for folder in local_and_dask)
    assert len(local) > 100
    pd.testing.assert_frame_equal(local, dask)


@pytest.mark.slow
def test_dask_and_local_engines_write_identical_replication_kpis(local_and_dask: tuple[Path, Path]) -> None:
    local, dask = ((folder / "replications.csv").read_text(encoding="utf-8") for folder in local_and_dask)
    assert local.count("\n") == 6  # header and five replications
    assert local == dask


def test_dask_without_a_reachable_scheduler_exits_2_and_writes_nothing(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(dask_engine, "CONNECT_TIMEOUT_S", 1)
    out = tmp_path / "res"
    result = CliRunner().invoke(cli, ["run", *ARGS, "--out", str(out), "--engine", "dask",
                                      "--scheduler", "tcp://127.0.0.1:1"])
    assert result.exit_code == 2
    assert "cannot reach the Dask scheduler" in result.output
    assert "Traceback" not in result.output
    assert [p.name for p in tmp_path.iterdir()] == ["res.lock"], "no results, only the folder's (empty) lock"


def test_batches_cover_every_replication_once_in_order_with_a_few_tasks_per_worker() -> None:
    todo = [r for r in range(1000) if r % 7]
    for slots in (1, 2, 8, 64, 1000):
        tasks = batches(todo, slots)
        assert [r for task in tasks for r in task] == todo
        assert max(map(len, tasks)) <= 25
        assert len(tasks) >= min(len(todo), 4 * slots) or max(map(len, tasks)) == 1
