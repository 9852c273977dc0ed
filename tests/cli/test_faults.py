"""Faults outside a scenario file: every one a one-line message and the contract's exit code.

Each kind has an example here (issue 15): NaN and infinity in float options,
``--out`` paths that name no folder, damaged results files, a worker process
killed mid-run, a warm-up diagnostic asking for billions of bins, work far
beyond a sane size, text that would rewrite the terminal.  The contract
(DESIGN.md section 3): exit 2 for bad input, 1 for a failed run; the message
names the file, key or option and the problem; no traceback.
"""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import click
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from sim import faults
from sim.app import RunOptions, run_loaded
from sim.cli import cli
from sim.clitypes import FiniteFloatRange
from sim.errors import InputError
from sim.experiment import workload
from sim.report.html import figure_file_name, save_figure
from sim.scenario import load_scenario
from tests.conftest import ROOT, SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")
TINY = ("-n", "1", "--set", "run.horizon_days=3")


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def assert_clean(result: Result, code: int, *words: str) -> None:
    """Exit ``code``, no traceback, no uncaught exception, and each of ``words`` in the output."""
    assert result.exit_code == code, result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r}")
    assert "Traceback" not in result.output
    for word in words:
        assert word in result.output, result.output


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A finished results folder of the baseline over 3 days, 2 replications."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=3"])
    return run_loaded(scenario, RunOptions(replications=2, seed=4, out=tmp_path_factory.mktemp("r") / "run",
                                           progress=False))


@pytest.fixture
def damaged(folder: Path, tmp_path: Path) -> Path:
    """A copy of ``folder`` to damage."""
    return Path(shutil.copytree(folder, tmp_path / "damaged"))


# --- 5. NaN and infinity in every float option of every command

def float_options() -> list[tuple[str, click.Option]]:
    """Every option of every command that takes a float (a new one is found without editing this test)."""
    return [(name, param) for name, command in sorted(cli.commands.items()) for param in command.params
            if isinstance(param, click.Option) and isinstance(param.type, click.types.FloatParamType)]


FLOAT_OPTIONS = float_options()


def test_the_float_options_are_found() -> None:
    found = {(name, param.opts[-1]) for name, param in FLOAT_OPTIONS}
    assert {("regress", "--alpha"), ("regress", "--tolerance"), ("run", "--precision"), ("warmup", "--bin-days"),
            ("target", "--tolerance"), ("sweep", "--precision"), ("sensitivity", "--precision")} <= found


@pytest.mark.parametrize(("command", "option"), FLOAT_OPTIONS, ids=[f"{c} {o.opts[-1]}" for c, o in FLOAT_OPTIONS])
def test_every_float_option_refuses_nan_and_infinity(command: str, option: click.Option, tmp_path: Path) -> None:
    assert isinstance(option.type, FiniteFloatRange), f"{command} {option.opts[-1]} takes a float without the check"
    arguments = [str(tmp_path)] * sum(isinstance(p, click.Argument) for p in cli.commands[command].params)
    for value in ("nan", "NaN", "inf", "-inf", "1e999"):
        result = invoke(command, option.opts[-1], value, *arguments)
        assert_clean(result, 2, option.opts[-1], "not a finite number")


def test_regress_alpha_nan_is_refused_not_a_pass(folder: Path) -> None:
    """The issue's example: ``--alpha nan`` made every comparison false, so 27 regressions became 0."""
    assert_clean(invoke("regress", "--alpha", "nan", str(folder), str(folder)), 2, "--alpha", "not a finite number")


GOAL = ("--goal", "ddi_within_target_pct >= 90")
LEVER = ("--lever", "team.ambulances")


@pytest.mark.parametrize(("option", "args"), [
    ("--range", ["sensitivity", BASELINE, "--range", "nan..1.25"]),
    ("--range", ["sensitivity", BASELINE, "--range", "0.75..inf"]),
    ("--range", ["target", BASELINE, *LEVER, "--range", "1..inf", *GOAL]),
    ("--goal", ["target", BASELINE, *LEVER, "--range", "1..4", "--goal", "ddi_within_target_pct >= 1e999"]),
    ("--tolerance", ["target", BASELINE, "--lever", "clinical.transit_deterioration_factor", "--range", "1..4",
                     *GOAL, "--tolerance", "1e-300"]),
    ("--range", ["target", BASELINE, "--lever", "run.seed", "--range", "1..1000000000000", *GOAL]),
], ids=["sensitivity range nan", "sensitivity range inf", "target range inf", "target goal inf",
        "target tolerance too fine", "target integer range too wide"])
def test_numbers_inside_text_options_must_be_finite(option: str, args: list[str], tmp_path: Path) -> None:
    result = invoke(*args, "--out", str(tmp_path / "o"))
    assert_clean(result, 2, option)
    assert not (tmp_path / "o").exists()


# --- 9. --out naming no folder, damaged results files, a dead worker, a huge bin count

def out_options() -> list[tuple[str, click.Option]]:
    return [(name, param) for name, command in sorted(cli.commands.items()) for param in command.params
            if isinstance(param, click.Option) and "--out" in param.opts]


def test_every_out_option_checks_its_path() -> None:
    from sim.clitypes import OutFile, OutFolder

    assert {type(option.type) for _, option in out_options()} == {OutFolder, OutFile}


@pytest.mark.parametrize("out", ["a-file", "/", ".", "", "..", "a-file/sub", "HERE", "res\rok"])
@pytest.mark.parametrize("command", ["run", "compare", "sweep", "target", "sensitivity"])
def test_out_must_name_a_folder(command: str, out: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("keep me", encoding="utf-8")
    out = str(tmp_path) if out == "HERE" else out
    extra = {"compare": [BASELINE], "sweep": ["--vary", "team.ambulances=1,2"],
             "target": ["--lever", "team.ambulances", "--range", "1..2", "--goal", "ddi_within_target_pct >= 9"]}
    result = invoke(command, BASELINE, *extra.get(command, []), "--out", out, *TINY)
    assert_clean(result, 2, "'--out'")
    assert (tmp_path / "a-file").read_text(encoding="utf-8") == "keep me"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.parametrize("out", ["", ".", "a-file/x.png"])
def test_timeline_out_must_name_a_file(folder: Path, out: str, tmp_path: Path,
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a-file").write_text("", encoding="utf-8")
    assert_clean(invoke("timeline", str(folder), "-r", "0", "-c", "0", "--out", out), 2, "'--out'")


DAMAGE = {
    "corrupt parquet": ("cases.parquet", b"PAR1 this is not parquet"),
    "empty parquet": ("events.parquet", b""),
    "malformed manifest.json": ("manifest.json", b'{"seed": 1,'),
    "manifest.json not an object": ("manifest.json", b"[1, 2]"),
    "manifest.json without a scenario": ("manifest.json", b'{"seed": 1, "replications": 2}'),
    "empty replications.csv": ("replications.csv", b""),
    "malformed replications.csv": ("replications.csv", b'replication,x\n0,1,2,3\n"1,'),
    "replications.csv without its column": ("replications.csv", b"x,y\n1,2\n"),
    "replications.csv with text": ("replications.csv", b"replication,x\n0,1\nzero,2\n"),
    "summary.csv not UTF-8": ("summary.csv", b"\xff\xfe\x00kpi"),
    "empty waits parquet": ("waits.parquet", b""),
    "corrupt occupancy parquet": ("occupancy.parquet", b"PAR1 this is not parquet"),
}


NOT_READ_BY_REPORT = {"replications.csv without its column", "replications.csv with text", "empty parquet"}
"""The report shows the KPI columns it finds (regress needs them all to be numbers), and never reads the event
log (it reads the waits and occupancy each replication derived from it)."""
NOT_READ_BY_REGRESS = {"empty waits parquet", "corrupt occupancy parquet"}
"""Regress compares the tables the event log's others derive from, not the report's."""


@pytest.mark.parametrize(("command", "kind"), [("regress", kind) for kind in DAMAGE if kind not in NOT_READ_BY_REGRESS]
                         + [("report", kind) for kind in DAMAGE if kind not in NOT_READ_BY_REPORT])
def test_damaged_results_files_are_named(command: str, kind: str, folder: Path, damaged: Path) -> None:
    name, content = DAMAGE[kind]
    (damaged / name).write_bytes(content)
    args = [str(folder), str(damaged)] if command == "regress" else [str(damaged)]
    result = invoke(command, *args)
    assert_clean(result, 2, name, "error:")
    assert len([line for line in result.output.splitlines() if line.startswith("error:")]) == 1


@pytest.mark.parametrize(("record", "key"), [
    ({}, "[scenarios]"), ({"scenarios": 3}, "[scenarios]"),
    ({"scenarios": [{"name": "a", "folder": "../.."}]}, "[scenarios.0]"),
])
def test_a_damaged_comparison_record_is_named(record: dict, key: str, tmp_path: Path) -> None:
    (tmp_path / "comparison.json").write_text(json.dumps(record), encoding="utf-8")
    assert_clean(invoke("report", str(tmp_path)), 2, "comparison.json", key)


def test_regress_shows_text_from_results_files_escaped(folder: Path, damaged: Path) -> None:
    text = (damaged / "replications.csv").read_text(encoding="utf-8").splitlines()
    rows = [f"{text[0]},evil\x1b[2Jkpi", *(f"{row},1" for row in text[1:])]
    (damaged / "replications.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = invoke("regress", "--all", str(folder), str(damaged))
    assert_clean(result, 1, "evil\\x1b[2Jkpi")
    assert "\x1b" not in result.output


def test_regress_exact_mode_names_a_corrupt_table(folder: Path, damaged: Path) -> None:
    (damaged / "cases.parquet").write_bytes(b"not parquet")
    assert_clean(invoke("regress", str(folder), str(damaged)), 2, "cases.parquet", "not a readable parquet table")


def test_a_manifest_scenario_this_version_cannot_read_is_named(damaged: Path) -> None:
    manifest = json.loads((damaged / "manifest.json").read_text(encoding="utf-8"))
    manifest["scenario"]["urgency"]["cat1"] = 5
    (damaged / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    for args in (["report", str(damaged)], ["timeline", str(damaged), "-r", "0", "-c", "0"]):
        assert_clean(invoke(*args), 2, "manifest.json [scenario.urgency.cat1]")


def test_warmup_refuses_a_billion_bins(folder: Path) -> None:
    """The issue's example: ``--bin-days 1e-9`` asked for 224 GiB."""
    assert_clean(invoke("warmup", str(folder), "--bin-days", "1e-9"), 2, "--bin-days", "100,000")


def test_warmup_reads_the_first_team_of_a_multi_team_folder(damaged: Path) -> None:
    manifest = json.loads((damaged / "manifest.json").read_text(encoding="utf-8"))
    manifest["scenario"]["teams"] = [manifest["scenario"].pop("team")]
    (damaged / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    result = invoke("warmup", str(damaged), "--bin-days", "0.1")
    assert "KeyError" not in result.output
    assert_clean(result, 0, "NHOG_nicu_cot")


def test_a_hospital_id_with_a_slash_still_makes_one_figure_file(tmp_path: Path) -> None:
    """Old results folders may hold ids the schema now refuses: figure names never make subfolders."""
    import matplotlib.pyplot as plt

    save_figure(plt.figure(), tmp_path, "warmup_St/Mary_nicu_cot", svg=True)
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["warmup_St_Mary_nicu_cot.png",
                                                                       "warmup_St_Mary_nicu_cot.svg"]
    assert figure_file_name("../../etc") == "_.._etc"


def _die(*args: object) -> None:
    """A worker that is killed (module level, so a spawned worker process can import it)."""
    os._exit(9)


def test_a_worker_killed_mid_run_exits_1_with_a_message(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import sim.experiment.runner

    monkeypatch.setattr(sim.experiment.runner, "run_batch", _die)
    result = invoke("run", BASELINE, "-n", "2", "-w", "2", "--set", "run.horizon_days=2", "--out",
                    str(tmp_path / "r"))
    assert_clean(result, 1, "a worker process died")
    assert not (tmp_path / "r").exists()


@pytest.mark.parametrize(("exc", "code", "words"), [
    (BrokenProcessPool("gone"), 1, ("worker process died",)),
    (OSError(errno.ENOSPC, "No space left on device", "r/cases.parquet"), 1, ("r/cases.parquet", "No space")),
    (PermissionError(errno.EACCES, "Permission denied", "results/run"), 2, ("results/run", "Permission denied")),
    (IsADirectoryError(errno.EISDIR, "Is a directory", "ledger.csv"), 2, ("ledger.csv",)),
    (json.JSONDecodeError("Expecting value", "x", 0), 2, ("JSONDecodeError",)),
    (pd.errors.EmptyDataError("No columns to parse from file"), 2, ("EmptyDataError",)),
    (InputError("a\rb"), 2, ("a\\rb",)),
    (TimeoutError("timed out"), 2, ("timed out (TimeoutError)",)),
])
def test_known_failures_become_a_message_and_an_exit_code(exc: BaseException, code: int,
                                                          words: tuple[str, ...]) -> None:
    fault = faults.explain(exc)
    assert fault is not None
    assert fault.code == code
    assert fault.lines[0].startswith("error: ")
    for word in words:
        assert word in "\n".join(fault.lines)
    assert "\r" not in "\n".join(fault.lines)


def test_an_unknown_failure_is_left_to_show_its_traceback() -> None:
    assert faults.explain(ZeroDivisionError("a bug")) is None


# --- 11. text that rewrites the terminal

def test_validate_prints_a_file_name_with_a_carriage_return_escaped(tmp_path: Path) -> None:
    name = tmp_path / "x\rok: baseline.yaml"
    result = invoke("validate", str(name))
    assert_clean(result, 2, "\\r")
    assert "\r" not in result.output


def test_a_description_keeps_its_line_breaks() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ['description="two\\nlines"'])
    assert scenario.description == "two\nlines"


# --- 12. work far beyond a sane size

def test_a_huge_sweep_is_refused_before_its_variants_are_built(tmp_path: Path) -> None:
    values = ",".join(str(v) for v in range(1, 101))
    result = invoke("sweep", BASELINE, "--vary", f"run.seed={values}", "--vary", f"team.ambulances={values}",
                    "--vary", f"run.warmup_days={values}", "--out", str(tmp_path / "s"))
    assert_clean(result, 2, "1,000,000 scenario runs", "--yes")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize(("args", "says"), [
    (["--set", "demand.home_emergency.rate_per_day=1e5"], "expected cases"),
    (["-w", "512"], "--workers 512"),
    (["-n", "1000000", "--set", "run.horizon_days=0.01"], "100,000 replications a run"),
    (["--max-replications", "200000", "--set", "run.horizon_days=0.01"], "100,000 replications a run"),
])
def test_a_huge_run_is_refused_with_its_size(args: list[str], says: str, tmp_path: Path) -> None:
    result = invoke("run", BASELINE, *args, "--out", str(tmp_path / "r"))
    assert_clean(result, 2, says, "--yes", "replications")
    assert not (tmp_path / "r").exists()


def test_yes_lets_large_work_through_and_says_its_size(caplog: pytest.LogCaptureFixture) -> None:
    opts = RunOptions(workers=4 * (os.cpu_count() or 1) + 1)
    big = workload.Workload("run", 1, 30, 6e6)
    with pytest.raises(InputError, match="--yes"):
        workload.check(big, opts)
    with caplog.at_level("WARNING", logger="sim"):
        workload.check(big, RunOptions(workers=opts.workers, allow_large=True))
    assert "6,000,000 expected cases" in caplog.text


def test_the_expected_cases_are_the_rates_times_the_horizon() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=10"])
    rates = scenario.demand.outreach.rate_per_day + sum(h.rate_per_day for h in scenario.demand.home_streams)
    assert workload.expected_cases(scenario) == pytest.approx(10 * rates)


def test_a_small_run_is_not_stopped(tmp_path: Path) -> None:
    assert_clean(invoke("run", BASELINE, *TINY, "--out", str(tmp_path / "r")), 0)


# --- docs/faults.md: every row's example is exercised by a test that exists

FAULTS_PAGE = ROOT / "docs" / "faults.md"
PENDING: set[str] = set()
"""Rows whose tests are still to come (none: every row names its test)."""
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)::(\w+)(?:\[([^\]]+)\])?`")


def fault_rows() -> list[tuple[str, str]]:
    """``(kind, test cell)`` of every row of the page's tables."""
    rows = []
    for line in FAULTS_PAGE.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and len(cells) == 4 and cells[0] not in ("kind", "---"):
            rows.append((cells[0], cells[3]))
    return rows


def test_the_faults_page_has_a_row_for_every_kind_of_this_issue() -> None:
    kinds = {kind for kind, _ in fault_rows()}
    assert len(kinds) >= 30
    assert kinds >= PENDING


@pytest.mark.parametrize(("kind", "cell"), fault_rows(), ids=[kind for kind, _ in fault_rows()])
def test_every_row_names_a_test_that_exists(kind: str, cell: str) -> None:
    if kind in PENDING:
        assert cell.startswith("pending:"), f"{kind}: name its test and take it out of PENDING"
        return
    references = REFERENCE.findall(cell)
    assert references, f"{kind}: no test named in {cell!r}"
    for path, name, case in references:
        source = (ROOT / path).read_text(encoding="utf-8")
        assert re.search(rf"^def {name}\(", source, re.M), f"{kind}: {path} has no test {name}"
        if case:
            assert case in source, f"{kind}: {path} has no case {case!r}"
