"""The spine end to end through the CLI: a short run writes a complete results folder."""

from __future__ import annotations

from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import RESULT_FILES, SCENARIOS


def test_run_writes_every_results_file(tmp_path):
    out = tmp_path / "res"
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "-n", "2", "--seed", "7",
                                      "--out", str(out), "--set", "run.horizon_days=30"])
    assert result.exit_code == 0, result.output
    for name in RESULT_FILES:
        assert (out / name).is_file(), name
    assert len(list((out / "figures").glob("*.png"))) >= 3
    assert not (tmp_path / "res.partial").exists()
