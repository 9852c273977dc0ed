"""The command line with click's runner and real subprocesses: validate, schema, help, and bad input.

Bad input (DESIGN.md section 3): exit code 2, a message that names the file
and the key (and the line where known), no traceback, and no results folder,
not even a ``.partial`` one.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.builders import BAD_SCENARIOS, write_bad_scenario
from tests.conftest import ROOT, SCENARIOS

SHIPPED = sorted(str(p) for p in SCENARIOS.glob("*.yaml"))


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def assert_refused(code: int, output: str, path: Path, name: str, out: Path) -> None:
    _, key, line = BAD_SCENARIOS[name]
    assert code == 2, output
    assert "Traceback" not in output
    named = path.name if name != "extends_cycle" else "cycle_partner.yaml"
    assert named in output
    if key:
        assert f"[{key}]" in output
    if line:
        assert f"{named}:{line}" in output
    assert not out.exists()
    assert not out.with_name(out.name + ".partial").exists()


@pytest.mark.parametrize("name", BAD_SCENARIOS)
def test_run_refuses_bad_input_cleanly(tmp_path, name):
    path = write_bad_scenario(tmp_path, name)
    out = tmp_path / "results"
    result = invoke("run", str(path), "--replications", "2", "--out", str(out))
    assert_refused(result.exit_code, result.output, path, name, out)


@pytest.mark.parametrize("name", ["yaml_error", "unknown_key", "extends_cycle"])
def test_run_refuses_bad_input_cleanly_in_a_real_process(tmp_path, name):
    path = write_bad_scenario(tmp_path, name)
    out = tmp_path / "results"
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(out)], capture_output=True,
                          text=True, cwd=ROOT, timeout=120, check=False)
    assert_refused(done.returncode, done.stdout + done.stderr, path, name, out)


BAD_SETS = [("run.horizon_dayz=3", "run.horizon_dayz"),
            ("hospitals.NHOG.operating_rooms=-1", "hospitals.NHOG.operating_rooms"),
            ("hospitals.NHOG.operating_rooms=many", "hospitals.NHOG.operating_rooms")]


@pytest.mark.parametrize(("override", "key"), BAD_SETS)
def test_run_refuses_a_bad_set(tmp_path, override, key):
    out = tmp_path / "results"
    result = invoke("run", str(SCENARIOS / "baseline.yaml"), "--set", override, "--out", str(out))
    assert result.exit_code == 2
    assert f"[{key}]" in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_validate_accepts_every_shipped_scenario():
    result = invoke("validate", *SHIPPED)
    assert result.exit_code == 0, result.output
    assert result.output.count("ok: ") == len(SHIPPED)


def test_validate_show_prints_the_resolved_scenario():
    result = invoke("validate", str(SCENARIOS / "baseline.yaml"), "--show", "--set", "run.horizon_days=9")
    assert result.exit_code == 0, result.output
    resolved = json.loads(result.output[result.output.index("{"):])
    assert resolved["run"]["horizon_days"] == 9
    assert resolved["team"]["home"] == "NHOG"


def test_validate_lists_problems_of_every_file_and_exits_2(tmp_path):
    bad = [write_bad_scenario(tmp_path, "unknown_key"), write_bad_scenario(tmp_path, "negative_count")]
    result = invoke("validate", str(SCENARIOS / "baseline.yaml"), *map(str, bad))
    assert result.exit_code == 2
    assert "ok: " in result.output
    assert "hospitals.NHOG.helipads" in result.output
    assert "hospitals.NHOG.operating_rooms" in result.output


def test_schema_prints_the_json_schema_of_scenario_files():
    result = invoke("schema")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    whole, partial = schema["$defs"]["Scenario"], schema["$defs"]["Scenario-partial"]
    assert {"name", "run", "hospitals", "team", "demand", "clinical", "policies"} <= set(whole["properties"])
    assert {"name", "run", "hospitals"} <= set(whole["required"])
    assert "extends" in partial["properties"]
    assert "required" not in partial


def test_schema_out_writes_the_file_the_repository_ships(tmp_path):
    out = tmp_path / "schemas" / "scenario.schema.json"
    result = invoke("schema", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert out.read_text(encoding="utf-8") == (ROOT / "scenarios" / "ihsim-scenario.schema.json").read_text(
        encoding="utf-8")


def test_schema_resolved_prints_the_resolved_scenario_schema():
    result = invoke("schema", "--resolved")
    assert result.exit_code == 0
    schema = json.loads(result.output)
    assert "extends" not in schema["properties"]
    assert {"name", "run", "hospitals"} <= set(schema["required"])


def test_python_dash_m_sim_help_lists_the_commands():
    done = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True, cwd=ROOT,
                          timeout=120, check=True)
    names = set(re.findall(r"^  (\S+)", done.stdout.split("Commands:", 1)[1], re.MULTILINE))
    assert {"run", "validate", "schema", "report", "timeline", "compare", "sweep", "target", "regress", "warmup",
            "bench", "validation"} <= names


def test_unknown_command_is_bad_usage():
    result = invoke("fly")
    assert result.exit_code == 2
