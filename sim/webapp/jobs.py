"""Runs and comparisons started from the web app: ``ihsim run`` and ``ihsim compare`` as subprocesses.

A :class:`Job` is the command line's own code path in a process of its
own, so the page never waits on a run and a run writes exactly the folder
``ihsim run --out`` writes (the same store, lock and atomic rename).  Its
progress is read from the store's parts as they appear
(:func:`sim.store.finished_replications` of ``<out>.partial``); cancel sends
the process group SIGINT, which the CLI answers by stopping its workers and
keeping finished replications for ``--resume``, then SIGKILL if it has not
ended after :data:`CANCEL_GRACE_S`.  The next job for the same folder either
continues that work (``--resume``) or discards it (``--force``): the user
chooses (:func:`interrupted` says what there is to choose about).
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from sim import store
from sim.folders import RUN_KEY

CANCEL_GRACE_S = 10.0
LOG_TAIL_LINES = 12


def run_command(scenario: Path, out: Path, replications: int, seed: int, resume: bool = False) -> list[str]:
    """``python -m sim run SCENARIO -n N --seed S --out OUT`` then ``--resume`` (continue the interrupted
    run's ``OUT.partial``) or ``--force`` (replace ``OUT`` and discard any ``OUT.partial``)."""
    return [sys.executable, "-m", "sim", "run", str(scenario), "-n", str(replications), "--seed", str(seed),
            "--out", str(out), _continue_or_replace(resume)]


def compare_command(scenarios: list[Path], out: Path, replications: int, seed: int,
                    resume: bool = False) -> list[str]:
    """``python -m sim compare A B ... -n N --seed S --out OUT`` then ``--resume`` or ``--force``
    (as :func:`run_command`)."""
    return [sys.executable, "-m", "sim", "compare", *map(str, scenarios), "-n", str(replications),
            "--seed", str(seed), "--out", str(out), _continue_or_replace(resume)]


def _continue_or_replace(resume: bool) -> str:
    return "--resume" if resume else "--force"


def interrupted(out: Path) -> str | None:
    """What an interrupted run (or comparison) of ``out`` kept in ``out.partial`` that ``--resume`` would
    reuse, in words (:func:`sim.store.finished_work`: ``7 finished replications``); None when nothing."""
    tmp = store.partial_dir(out)
    return store.finished_work(tmp) if tmp.is_dir() else None


def kept_settings(out: Path) -> dict[str, int]:
    """The ``seed`` (and for a comparison ``replications``) that the work kept in ``out.partial`` was made
    with, read from its key (``parts/run-key.json``); {} when there is none or it cannot be read."""
    try:
        key = json.loads((store.partial_dir(out) / "parts" / RUN_KEY).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    if not isinstance(key, dict):
        return {}
    return {name: key[name] for name in ("seed", "replications")
            if isinstance(key.get(name), int) and not isinstance(key[name], bool) and key[name] >= 0}


def finished_in(out: Path, per_scenario: int) -> int:
    """Replications finished so far by the run (or comparison) writing ``out``: those in its ``.partial``
    parts, and for a comparison also ``per_scenario`` for each scenario folder already complete in it."""
    tmp = store.partial_dir(out)
    if not tmp.is_dir():
        return 0
    done = len(store.finished_replications(tmp))
    for sub in tmp.iterdir():
        if sub.is_dir() and not sub.is_symlink():
            if (sub / "manifest.json").is_file():
                done += per_scenario
            elif sub.name.endswith(".partial"):
                done += len(store.finished_replications(sub))
    return done


@dataclass
class Job:
    """One subprocess writing the results folder ``out``; ``total`` replications in all."""

    kind: str
    name: str
    out: Path
    total: int
    per_scenario: int
    log: Path
    process: subprocess.Popen[bytes]
    started: float = field(default_factory=time.monotonic)
    cancelled: bool = False

    @classmethod
    def start(cls, kind: str, name: str, command: list[str], out: Path, total: int, per_scenario: int,
              log: Path) -> Job:
        """Start ``command`` in a new session (its own process group), its output to ``log``."""
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("wb") as handle:
            process = subprocess.Popen(command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                       cwd=out.parent, start_new_session=True)
        return cls(kind, name, out, total, per_scenario, log, process)

    @property
    def state(self) -> str:
        """``running``, ``done``, ``cancelled`` or ``failed``."""
        code = self.process.poll()
        if code is None:
            return "running"
        if self.cancelled:
            return "cancelled"
        return "done" if code == 0 else "failed"

    def progress(self) -> float:
        """The share of replications finished, 0 to 1 (1 once the folder is in place)."""
        if self.state == "done":
            return 1.0
        return min(finished_in(self.out, self.per_scenario) / max(self.total, 1), 0.99)

    def lines(self) -> list[str]:
        """Every line the command printed so far."""
        try:
            return self.log.read_text(encoding="utf-8", errors="replace").splitlines()
        except OSError:
            return []

    def tail(self) -> str:
        """The last lines the command printed."""
        return "\n".join(self.lines()[-LOG_TAIL_LINES:])

    def problem(self) -> str | None:
        """Why a failed command stopped: its ``error:`` message and the indented lines under it (the
        ``error:`` itself left off); None when it did not fail or printed no such message."""
        if self.state != "failed":
            return None
        lines = self.lines()
        first = next((i for i, line in enumerate(lines) if line.startswith("error:")), None)
        if first is None:
            return None
        rest = itertools.takewhile(lambda line: line.startswith("  "), lines[first + 1:])
        return "\n".join([lines[first].removeprefix("error:").strip(), *(line.strip() for line in rest)])

    def cancel(self) -> None:
        """Ask the command to stop (SIGINT to its process group), and kill it if it has not after the grace."""
        if self.process.poll() is not None:
            return
        self.cancelled = True
        try:
            os.killpg(self.process.pid, signal.SIGINT)
            self.process.wait(timeout=CANCEL_GRACE_S)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()
        except ProcessLookupError:
            pass
