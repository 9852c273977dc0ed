"""Results are never mixed nor lost (issue 15): one writer per folder, and only ihsim's folders replaced.

Every command that writes or replaces a folder holds ``X.lock`` beside it for
the whole write and refuses a second writer at once (exit 2, the folder
named); ``--force`` replaces only a folder ihsim wrote.  Two real ``ihsim
run`` processes show the first case end to end: the second is refused while
the first waits, and the first finishes with its own seed's results.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner
from filelock import FileLock

from sim.cli import cli
from tests.conftest import ROOT, SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")
SHORT = ["--set", "run.horizon_days=5"]
PAUSED = """
import sys, time
from pathlib import Path
import sim.experiment.single as single
gate = Path(sys.argv.pop(1))
finish = single.finish_folder
def paused(*args, **kwargs):
    (gate / "paused").touch()
    while not (gate / "go").exists():
        time.sleep(0.05)
    return finish(*args, **kwargs)
single.finish_folder = paused
from sim.cli import main
main()
"""
"""``ihsim`` that stops before combining its replications until the file ``go`` appears in a gate folder."""


def invoke(*args: str):
    return CliRunner().invoke(cli, list(args))


def ihsim(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "sim", *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=600, check=False)


def wait_for(path: Path, proc: subprocess.Popen) -> None:
    deadline = time.monotonic() + 300
    while not path.exists():
        assert proc.poll() is None, proc.communicate()[1]
        assert time.monotonic() < deadline, f"{path} never appeared"
        time.sleep(0.05)


def test_a_second_run_into_the_same_folder_is_refused_at_once_and_the_first_keeps_its_seed(tmp_path: Path) -> None:
    out, gate = tmp_path / "X", tmp_path / "gate"
    gate.mkdir()
    first = subprocess.Popen([sys.executable, "-c", PAUSED, str(gate), "run", BASELINE, "-n", "2", "--seed", "1",
                              "--out", str(out), *SHORT], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True)
    try:
        wait_for(gate / "paused", first)
        for extra in ([], ["--force"], ["--resume"]):
            second = ihsim("run", BASELINE, "-n", "2", "--seed", "2", "--out", str(out), *SHORT, *extra)
            assert second.returncode == 2, second.stderr
            assert first.poll() is None, "the second run must not wait for the first"
            lines = second.stderr.strip().splitlines()
            assert lines == [f"error: {out} is being written by another ihsim command (it holds {out}.lock); "
                             "wait for it to finish or choose another output"]
        (gate / "go").touch()
        _, err = first.communicate(timeout=600)
    finally:
        if first.poll() is None:
            first.kill()
    assert first.returncode == 0, err
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 1
    alone = tmp_path / "alone"
    assert invoke("run", BASELINE, "-n", "2", "--seed", "1", "--out", str(alone), *SHORT).exit_code == 0
    pd.testing.assert_frame_equal(pd.read_csv(out / "replications.csv"), pd.read_csv(alone / "replications.csv"))
    pd.testing.assert_frame_equal(pd.read_parquet(out / "cases.parquet"), pd.read_parquet(alone / "cases.parquet"))


@pytest.fixture(scope="module")
def done_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("done") / "run"
    result = invoke("run", BASELINE, "-n", "2", "--seed", "1", "--out", str(out), "--set", "run.horizon_days=10")
    assert result.exit_code == 0, result.output
    return out


LEVER = ["--lever", "hospitals.NHOG.ambulances", "--range", "1..2", "--goal", "call_ins >= 0", "--no-confirm"]


def writers(folder: Path, run: Path) -> dict[str, list[str]]:
    """Each command that writes ``folder`` (those that read a results folder get ``run``, at ``folder``)."""
    runs = ["-n", "1", *SHORT, "--out", str(folder)]
    return {
        "run": ["run", BASELINE, *runs],
        "compare": ["compare", BASELINE, BASELINE, *runs],
        "sweep": ["sweep", BASELINE, "--vary", "hospitals.NHOG.ambulances=1,2", *runs],
        "target": ["target", BASELINE, *LEVER, *runs],
        "sensitivity": ["sensitivity", BASELINE, "--parameters", "hospitals.NHOG.ambulances", *runs],
        "regress --update": ["regress", "--update", str(folder), str(run), "--reason", "test"],
        "validation": ["validation", "--quick", "--out", str(folder)],
        "report": ["report", str(folder)],
        "warmup": ["warmup", str(folder)],
        "timeline": ["timeline", str(folder), "-r", "0", "-c", "0"],
    }


@pytest.fixture
def held(tmp_path: Path) -> Iterator[Path]:
    """A folder whose lock another process (this test) holds."""
    folder = tmp_path / "X"
    lock = FileLock(str(tmp_path / "X.lock"), timeout=0)
    lock.acquire()
    yield folder
    lock.release()


@pytest.mark.parametrize("command", list(writers(Path("X"), Path("R"))))
def test_every_writer_refuses_a_folder_another_command_is_writing(held: Path, done_run: Path, command: str) -> None:
    if command in ("report", "warmup", "timeline"):  # they write into a finished folder
        subprocess.run(["cp", "-r", str(done_run), str(held)], check=True)
    before = sorted(p.name for p in held.parent.iterdir())
    result = invoke(*writers(held, done_run)[command])
    assert result.exit_code == 2, result.output
    assert f"error: {held} is being written by another ihsim command" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in held.parent.iterdir()) == before


@pytest.mark.parametrize("command", ["run", "compare", "sweep", "target", "sensitivity", "regress --update"])
def test_force_never_deletes_a_folder_ihsim_did_not_write(tmp_path: Path, done_run: Path, command: str) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    args = writers(folder, done_run)[command]
    result = invoke(*args, *(["--force"] if command != "regress --update" else []))
    assert result.exit_code == 2, result.output
    assert f"error: will not replace {folder}: ihsim did not write it" in result.output
    assert (folder / "notes.txt").read_text(encoding="utf-8") == "x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d", "d.lock"]


def test_force_never_deletes_a_partial_folder_ihsim_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "X"
    mine = tmp_path / "X.partial"
    mine.mkdir()
    (mine / "notes.txt").write_text("x", encoding="utf-8")
    for extra in ("--force", "--resume"):
        result = invoke("run", BASELINE, "-n", "1", *SHORT, "--out", str(out), extra)
        assert result.exit_code == 2, result.output
        assert f"will not replace {mine}: ihsim did not write it" in result.output
        assert (mine / "notes.txt").is_file()


def test_force_replaces_ihsims_folder_and_keeps_a_copy_the_user_made(tmp_path: Path, done_run: Path) -> None:
    out = tmp_path / "X"
    subprocess.run(["cp", "-r", str(done_run), str(out)], check=True)
    subprocess.run(["cp", "-r", str(done_run), str(tmp_path / "X.old")], check=True)  # the user's backup
    result = invoke("run", BASELINE, "-n", "1", "--seed", "5", *SHORT, "--out", str(out), "--force")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["seed"] == 5
    assert json.loads((tmp_path / "X.old" / "manifest.json").read_text(encoding="utf-8"))["seed"] == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X", "X.lock", "X.old"]


def test_validation_replaces_only_a_validation_page(tmp_path: Path) -> None:
    page = tmp_path / "notes.md"
    page.write_text("my notes", encoding="utf-8")
    result = invoke("validation", "--quick", "--out", str(page))
    assert result.exit_code == 2, result.output
    assert f"will not replace {page}: ihsim did not write it" in result.output
    assert page.read_text(encoding="utf-8") == "my notes"
