"""A small results folder shared by the report tests, built once through the CLI.

Its scenario name and description carry HTML and script, so every report
test also exercises escaping.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import SCENARIOS

HOSTILE_NAME = "<script>alert(1)</script>"
HOSTILE_DESCRIPTION = '<b>bold</b> & "quoted" <img src=x onerror=alert(2)>'


def run_cli(args: list[str]):
    return CliRunner().invoke(cli, args)


@pytest.fixture(scope="session")
def results(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Two replications of 20 days with frequent outreach cases, under a hostile name."""
    out = tmp_path_factory.mktemp("report") / "res"
    result = run_cli(["run", str(SCENARIOS / "baseline.yaml"), "-n", "2", "--seed", "3", "--out", str(out),
                      "--set", f"name={HOSTILE_NAME}", "--set", f"description={HOSTILE_DESCRIPTION}",
                      "--set", "run.horizon_days=20", "--set", "demand.outreach.rate_per_day=0.5"])
    assert result.exit_code == 0, result.output
    return out
