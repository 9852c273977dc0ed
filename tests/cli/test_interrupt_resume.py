"""Interrupted runs: no folder that looks complete, and ``--resume`` ends with the same tables.

A real ``ihsim run`` is started in its own process group, stopped once a few
replications are on disk (Ctrl-C to the whole group, as a terminal sends it,
or SIGKILL), then resumed; its tables must equal an uninterrupted run's.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim import store
from sim.cli import cli
from sim.experiment import single
from tests.conftest import SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")
N = 16
TABLES = ("events", "cases", "resources")


def start_run(out: Path, *args: str) -> subprocess.Popen:
    """``ihsim run`` in a new process group, with Ctrl-C handled as in a terminal (a shell
    running these tests in the background may have set SIGINT to be ignored)."""
    return subprocess.Popen(
        [sys.executable, "-m", "sim", "run", BASELINE, "-n", str(N), "--seed", "11", "--out", str(out),
         "--set", "run.horizon_days=60", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        process_group=0, preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def stop_midway(proc: subprocess.Popen, out: Path, sig: signal.Signals, at_least: int = 2) -> tuple[str, int]:
    """Send ``sig`` to the run's group once ``at_least`` replications are finished; returns (stderr, done)."""
    partial = store.partial_dir(out)
    deadline = time.monotonic() + 300
    while len(store.finished_replications(partial)) < at_least:
        assert proc.poll() is None, f"the run ended before it could be interrupted: {proc.stderr.read()}"
        assert time.monotonic() < deadline, "no replication finished in time"
        time.sleep(0.05)
    os.killpg(proc.pid, sig)
    _, err = proc.communicate(timeout=120)
    return err, len(store.finished_replications(partial))


def run_cli(*args: str, days: int = 60) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["run", BASELINE, "-n", str(N), "--seed", "11", "--set",
                                      f"run.horizon_days={days}", *args])
    return result.exit_code, result.output


def assert_same_tables(folder: Path, reference: Path) -> None:
    pd.testing.assert_frame_equal(pd.read_csv(folder / "replications.csv"), pd.read_csv(reference / "replications.csv"))
    for table in TABLES:
        pd.testing.assert_frame_equal(pd.read_parquet(folder / f"{table}.parquet"),
                                      pd.read_parquet(reference / f"{table}.parquet"))


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An uninterrupted run to compare with."""
    out = tmp_path_factory.mktemp("reference") / "res"
    code, output = run_cli("--out", str(out), "-w", "1")
    assert code == 0, output
    return out


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGINT, "2"), (signal.SIGKILL, "1"), (signal.SIGKILL, "2")],
                         ids=["ctrl-c-2-workers", "kill-9-1-worker", "kill-9-2-workers"])
def test_interrupted_run_resumes_to_identical_tables(tmp_path: Path, reference: Path, sig: signal.Signals,
                                                     workers: str) -> None:
    out = tmp_path / "res"
    err, done = stop_midway(start_run(out, "-w", workers), out, sig)
    assert "Traceback" not in err
    if sig == signal.SIGINT:
        assert "interrupted" in err
    assert not out.exists(), "an interrupted run must not leave a folder that looks complete"
    assert 0 < done < N
    code, output = run_cli("--out", str(out), "--resume", "-w", workers)
    assert code == 0, output
    assert not store.partial_dir(out).exists()
    assert store.read_json(out)["resumed_replications"] >= done
    assert_same_tables(out, reference)
    assert (out / "results.xlsx").is_file()
    assert not list(out.glob("*.tmp"))


def test_ctrl_c_exits_130_with_a_message_and_no_traceback(tmp_path: Path) -> None:
    out = tmp_path / "res"
    proc = start_run(out, "-w", "2")
    err, done = stop_midway(proc, out, signal.SIGINT, at_least=1)
    assert proc.returncode == 130
    assert "interrupted" in err
    assert "Traceback" not in err
    assert "KeyboardInterrupt" not in err
    assert not out.exists()
    assert done >= 1


def test_sigterm_to_the_command_stops_it_as_ctrl_c_does_and_leaves_no_worker_running(tmp_path: Path) -> None:
    """``kill PID`` (SIGTERM to the command alone, as a job scheduler or ``docker stop`` sends it): exit 130
    with the message, the finished replications kept for --resume, and none of its worker processes left."""
    out = tmp_path / "res"
    proc = start_run(out, "-w", "2")
    partial = store.partial_dir(out)
    deadline = time.monotonic() + 300
    while len(store.finished_replications(partial)) < 1:
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "no replication finished in time"
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGTERM)
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 130, err
    assert "interrupted:" in err
    assert "Traceback" not in err
    assert store.finished_replications(partial)
    deadline = time.monotonic() + 30
    while True:  # the run's process group (the command and its workers) must empty
        try:
            os.killpg(proc.pid, 0)
        except ProcessLookupError:
            break
        assert time.monotonic() < deadline, "a worker process of the stopped command is still running"
        time.sleep(0.2)


def _interrupt_before_finishing(monkeypatch: pytest.MonkeyPatch, out: Path, *args: str) -> None:
    """A run stopped after its replications but before combining them (every part on disk)."""
    def stop(*_: object, **__: object) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(single, "finish_folder", stop)
    code, _ = run_cli("--out", str(out), "-n", "3", *args, days=10)
    monkeypatch.undo()
    assert code == 130
    assert len(store.finished_replications(store.partial_dir(out))) == 3


@pytest.mark.parametrize(("change", "named"), [(("--seed", "12"), "seed"),
                                                (("--set", "hospitals.NHOG.icu_beds=7"), "scenario")])
def test_resume_refuses_the_parts_of_a_different_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                     change: tuple[str, str], named: str) -> None:
    out = tmp_path / "res"
    _interrupt_before_finishing(monkeypatch, out)
    code, output = run_cli("--out", str(out), "-n", "3", "--resume", *change, days=10)
    assert code == 2, output
    assert named in output
    assert "Traceback" not in output
    assert not out.exists()
    assert len(store.finished_replications(store.partial_dir(out))) == 3, "the other run's parts are kept"


def test_resume_reuses_every_finished_replication(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "res"
    _interrupt_before_finishing(monkeypatch, out)
    code, output = run_cli("--out", str(out), "-n", "3", "--resume", days=10)
    assert code == 0, output
    assert store.read_json(out)["resumed_replications"] == 3


def test_writing_over_results_needs_force(tmp_path: Path) -> None:
    out = tmp_path / "res"
    assert run_cli("--out", str(out), "-n", "2", days=10)[0] == 0
    before = (out / "manifest.json").read_text(encoding="utf-8")
    code, output = run_cli("--out", str(out), "-n", "2", days=10)
    assert code == 2
    assert "--force" in output
    assert (out / "manifest.json").read_text(encoding="utf-8") == before
    code, output = run_cli("--out", str(out), "-n", "2", "--resume", days=10)
    assert code == 2, "a complete folder has nothing to resume"
    code, output = run_cli("--out", str(out), "-n", "2", "--force", days=10)
    assert code == 0, output
    assert (out / "manifest.json").read_text(encoding="utf-8") != before


def test_interrupt_before_any_replication_leaves_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def stop(*_: object, **__: object) -> None:
        raise KeyboardInterrupt
    monkeypatch.setattr(single, "run_replications", stop)
    out = tmp_path / "res"
    code, _ = run_cli("--out", str(out), "-n", "2", days=10)
    assert code == 130
    assert not out.exists()
    assert not store.partial_dir(out).exists()


def test_a_new_run_refuses_an_interrupted_runs_replications(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "res"
    _interrupt_before_finishing(monkeypatch, out)
    code, output = run_cli("--out", str(out), "-n", "3", days=10)
    assert code == 2, output
    assert f"error: {store.partial_dir(out)} holds 3 finished replications of an interrupted run; " \
           "use --resume to continue it or --force to discard it" in output
    assert len(store.finished_replications(store.partial_dir(out))) == 3, "nothing discarded"
    code, output = run_cli("--out", str(out), "-n", "3", "--force", days=10)
    assert code == 0, output
    assert store.read_json(out)["resumed_replications"] == 0


def _fail(exc: BaseException):
    def fail(*_: object, **__: object) -> None:
        raise exc
    return fail


def _after(original, exc: BaseException):
    """``original``, then ``exc`` raised once it has done its work."""
    def late(*args: object, **kwargs: object) -> object:
        original(*args, **kwargs)
        raise exc
    return late


FULL = OSError(28, "No space left on device")


def _rename_fails(self: Path, target: object) -> Path:
    if self.name.endswith(".partial"):
        raise OSError(28, "No space left on device", str(self))
    return REPLACE(self, target)


REPLACE = Path.replace
FAILURES = {
    "ctrl-c after the tables are combined": (single, "finish_folder",
                                             lambda: _after(single.finish_folder, KeyboardInterrupt())),
    "full disk writing the report": ("sim.report.build_report", None, lambda: _fail(FULL)),
    "full disk writing the workbook": ("sim.report.run_workbook.write_run_workbook", None, lambda: _fail(FULL)),
    "ctrl-c writing the report": ("sim.report.build_report", None, lambda: _fail(KeyboardInterrupt())),
    "full disk at the rename": (Path, "replace", lambda: _rename_fails),
}


@pytest.fixture(scope="module")
def small_reference(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("small") / "res"
    code, output = run_cli("--out", str(out), "-n", "3", days=10)
    assert code == 0, output
    return out


def _run_failing(monkeypatch: pytest.MonkeyPatch, out: Path, failure: str, *args: str) -> tuple[int, str]:
    where, name, make = FAILURES[failure]
    if name is None:
        monkeypatch.setattr(where, make())
    else:
        monkeypatch.setattr(where, name, make())
    try:
        return run_cli("--out", str(out), "-n", "3", *args, days=10)
    finally:
        monkeypatch.undo()


@pytest.mark.parametrize("failure", list(FAILURES))
def test_a_failure_late_in_a_run_keeps_every_replication_for_resume(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                                     small_reference: Path, failure: str) -> None:
    out = tmp_path / "res"
    code, output = _run_failing(monkeypatch, out, failure)
    assert code == (130 if "ctrl-c" in failure else 1), output
    assert "Traceback" not in output
    kept = f"{store.partial_dir(out)} keeps 3 finished replications; run again with --resume to finish"
    assert output.strip().splitlines()[-1] == (f"interrupted: {kept}" if code == 130 else
                                               f"error: could not write {out}: No space left on device"
                                               + (f": {store.partial_dir(out)}" if "rename" in failure else "")
                                               + f"; {kept}")
    assert not out.exists()
    assert len(store.finished_replications(store.partial_dir(out))) == 3
    code, output = run_cli("--out", str(out), "-n", "3", "--resume", days=10)
    assert code == 0, output
    assert store.read_json(out)["resumed_replications"] == 3
    assert_finished_like(out, small_reference)


def test_a_resume_that_fails_keeps_the_replications_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                        small_reference: Path) -> None:
    out = tmp_path / "res"
    _interrupt_before_finishing(monkeypatch, out)
    for failure in ("full disk writing the report", "full disk at the rename"):
        code, output = _run_failing(monkeypatch, out, failure, "--resume")
        assert code == 1, output
        assert len(store.finished_replications(store.partial_dir(out))) == 3
    code, output = run_cli("--out", str(out), "-n", "3", "--resume", days=10)
    assert code == 0, output
    assert_finished_like(out, small_reference)


def assert_finished_like(out: Path, reference: Path) -> None:
    """A complete folder with the reference's tables, and nothing left of the parts or the ``.partial``."""
    assert_same_tables(out, reference)
    pd.testing.assert_frame_equal(pd.read_csv(out / "summary.csv"), pd.read_csv(reference / "summary.csv"))
    assert (out / "report.html").is_file()
    assert (out / "results.xlsx").is_file()
    assert not (out / "parts").exists()
    assert not store.partial_dir(out).exists()
    assert not list(out.parent.glob("*.old*"))
