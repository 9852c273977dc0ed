"""An interrupted run or comparison, met again in the web app: the page says what it kept and lets the
user continue it (``--resume``) or start again (``--force``); nothing is discarded unless chosen.

The interrupted work is made by the CLI itself, stopped by Ctrl-C once its replications are on disk
(``finish_folder`` raising ``KeyboardInterrupt``, as in ``tests/cli/test_interrupt_resume.py``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from sim import store
from sim.cli import cli
from sim.experiment import single
from sim.experiment.single import safe_name
from sim.webapp import PAGE, RESULTS_ENV, jobs
from sim.webapp.workspace import Workspace
from tests.webapp.test_jobs_results import wait_for

pytest.importorskip("streamlit")
SHORT = {"run.horizon_days": 8, "demand.outreach.rate_per_day": 0.5, "run.replications": 3}
SEED = 7


def interrupt(monkeypatch: pytest.MonkeyPatch, args: list[str], stop_at: int) -> None:
    """Run ``ihsim ARGS``, with Ctrl-C when the ``stop_at``-th scenario run's replications are all on disk."""
    original, calls = single.finish_folder, []

    def finish(*a: object, **k: object) -> object:
        calls.append(1)
        if len(calls) == stop_at:
            raise KeyboardInterrupt
        return original(*a, **k)

    monkeypatch.setattr(single, "finish_folder", finish)
    result = CliRunner().invoke(cli, args)
    monkeypatch.undo()
    assert result.exit_code == 130, result.output


@pytest.fixture
def interrupted_run(tmp_path, monkeypatch):
    """A short variant in the app's folder and its run stopped with 3 replications finished:
    ``(results folder, variant's file name, its results folder)``."""
    root = tmp_path / "results"
    ws = Workspace(root)
    ws.prepare()
    name = ws.save_edited("baseline.yaml", "short", SHORT)
    out = root / safe_name(ws.load(name).name)
    interrupt(monkeypatch, ["run", str(ws.path(name)), "-n", "3", "--seed", str(SEED), "--out", str(out)], 1)
    assert ws.load(name).run.seed != SEED  # so that the page's seed can only come from the kept work
    monkeypatch.setenv(RESULTS_ENV, str(root))
    return root, name, out


def flags(command: list[str]) -> list[str]:
    """What the command does with earlier work: ``--resume``, ``--force`` or both (never right)."""
    return [a for a in command if a in ("--resume", "--force")]


def page(name: str):
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["run_file"] = name
    app.run()
    assert not app.exception
    return app


@pytest.fixture
def own():
    """Jobs a test started, stopped at its end whatever happened."""
    mine: list[jobs.Job] = []
    yield mine
    for job in mine:
        job.cancel()


def started(app, own: list[jobs.Job]) -> jobs.Job:
    [job] = app.session_state["jobs"]
    own.append(job)
    return job


def test_the_run_tab_says_what_an_interrupted_run_kept_and_offers_to_continue_it(interrupted_run):
    _, name, out = interrupted_run
    app = page(name)
    assert f"An interrupted run left results/{out.name}.partial: it keeps 3 finished replications" in \
        [i.value.replace("\\", "") for i in app.info]
    choice = app.radio(key=f"resume|{out}")
    assert list(choice.options) == ["Continue it", "Start again"]
    assert choice.value == "Continue it"
    assert app.number_input(key=f"seed|{name}").value == SEED  # the seed the kept work was made with
    assert not app.button(key="run").disabled


def test_continue_it_resumes_the_run_and_reuses_its_replications(interrupted_run, own):
    _, name, out = interrupted_run
    app = page(name)
    app.button(key="run").click().run()
    job = started(app, own)
    assert flags(job.process.args) == ["--resume"]
    wait_for(job)
    assert job.state == "done", job.tail()
    assert store.read_json(out)["resumed_replications"] == 3
    assert not store.partial_dir(out).exists()


def test_start_again_discards_the_kept_work(interrupted_run, monkeypatch):
    _, name, out = interrupted_run
    commands: list[list[str]] = []
    monkeypatch.setattr(jobs.Job, "start", classmethod(lambda cls, kind, title, command, *_: commands.append(command)))
    app = page(name)
    app.radio(key=f"resume|{out}").set_value("Start again").run()
    app.button(key="run").click().run()
    assert not app.exception
    [command] = commands
    assert flags(command) == ["--force"]
    assert command[command.index("--seed") + 1] == str(SEED)


def test_a_refused_continuation_shows_the_clis_reason_and_keeps_the_work(interrupted_run, own):
    _, name, out = interrupted_run
    app = page(name)
    app.number_input(key=f"seed|{name}").set_value(SEED + 1).run()
    app.button(key="run").click().run()
    wait_for(started(app, own))
    app.run()
    errors = [e.value.replace("\\", "") for e in app.error]
    assert any("stopped: cannot resume" in e and f"seed ({SEED}, now {SEED + 1})" in e for e in errors), errors
    assert len(store.finished_replications(store.partial_dir(out))) == 3
    assert app.info, "the kept work is still offered"


def test_a_complete_folder_still_needs_the_replace_tick_and_offers_no_continuation(tmp_path, monkeypatch):
    earlier = tmp_path / "results" / "baseline"
    earlier.mkdir(parents=True)
    store.partial_dir(earlier).mkdir()  # nothing finished in it: nothing to continue
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "results"))
    app = page("baseline.yaml")
    assert not app.radio
    assert app.button(key="run").disabled


def test_the_command_continues_or_replaces_as_asked(tmp_path):
    a, b, out = tmp_path / "a.yaml", tmp_path / "b.yaml", tmp_path / "out"
    for command in (jobs.run_command(a, out, 2, 1, resume=True), jobs.compare_command([a, b], out, 2, 1, True)):
        assert flags(command) == ["--resume"]
    for command in (jobs.run_command(a, out, 2, 1), jobs.compare_command([a, b], out, 2, 1, resume=False)):
        assert flags(command) == ["--force"]


@pytest.mark.slow
def test_an_interrupted_comparison_is_offered_and_continued(tmp_path, monkeypatch, own):
    root = tmp_path / "results"
    ws = Workspace(root)
    ws.prepare()
    base = ws.save_edited("baseline.yaml", "short-base", SHORT)
    other = ws.save_edited("baseline.yaml", "short-lean", {**SHORT, "hospitals.NHOG.staff.anaesthetist.night": 1})
    out = root / f"compare-{safe_name(Path(base).stem)}"
    interrupt(monkeypatch, ["compare", str(ws.path(base)), str(ws.path(other)), "-n", "3", "--seed", str(SEED),
                            "--out", str(out)], 2)
    assert jobs.interrupted(out) == "1 finished scenario run and 3 finished replications of an unfinished one"
    assert jobs.kept_settings(out) == {"seed": SEED, "replications": 3}

    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(RESULTS_ENV, str(root))
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.run()
    app.multiselect(key="compare_files").set_value([base, other]).run()
    assert any("keeps 1 finished scenario run" in i.value and "interrupted comparison" in i.value for i in app.info)
    assert (app.number_input(key="cmp_seed").value, app.number_input(key="cmp_n").value) == (SEED, 3)
    assert app.radio(key=f"resume|{out}").value == "Continue it"
    app.button(key="compare").click().run()
    job = started(app, own)
    assert flags(job.process.args) == ["--resume"]
    wait_for(job)
    assert job.state == "done", job.tail()
    resumed = [store.read_json(sub).get("resumed_replications") for sub in out.iterdir()
               if (sub / "manifest.json").is_file()]
    assert sorted(resumed) == [0, 3]  # the first run kept whole, the second's 3 replications reused
