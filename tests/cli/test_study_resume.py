"""Interrupted studies keep their finished work, and ``--resume`` ends with the same tables.

A study (``compare``, ``sweep``, ``sensitivity``) runs its scenarios one
after another into ``DIR.partial/<scenario>``.  Here each is stopped the same
way: the second scenario run's replications are all on disk when Ctrl-C
arrives (``finish_folder`` of its second call raises ``KeyboardInterrupt``).
So ``DIR.partial`` keeps exactly one finished scenario run and three finished
replications of an unfinished one; ``--resume`` must not run the first again,
must reuse the three replications, and must write the tables an uninterrupted
study writes.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim import store
from sim.cli import cli
from sim.experiment import single
from tests.conftest import SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")
LEAN = str(SCENARIOS / "lean-team.yaml")
RUNS = ["-n", "3", "--seed", "11", "--set", "run.horizon_days=10"]
STUDIES = {
    "compare": (["compare", BASELINE, LEAN], ["differences.csv", "summaries.csv", "comparison.json"]),
    "sweep": (["sweep", BASELINE, "--vary", "hospitals.NHOG.ambulances=1,2"],
              ["differences.csv", "summaries.csv", "sweep.csv"]),
    "sensitivity": (["sensitivity", BASELINE, "--parameters", "hospitals.NHOG.ambulances"],
                    ["sensitivity.csv"]),
}
KEPT = "1 finished scenario run and 3 finished replications of an unfinished one"


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    return result.exit_code, result.output


def study(name: str, out: Path, *extra: str) -> tuple[int, str]:
    args, _ = STUDIES[name]
    return invoke(*args, *RUNS, "--out", str(out), *extra)


def stop_in_second_run(monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C once the second scenario run's replications are on disk, before its tables are combined."""
    original, calls = single.finish_folder, []

    def finish(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return original(*args, **kwargs)

    monkeypatch.setattr(single, "finish_folder", finish)


def count_runs(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Record each scenario run the study starts: ``(its folder's name, resumed?)``."""
    started: list[tuple[str, bool]] = []
    original: Callable[..., Path] = single.run_loaded

    def run(scenario: object, opts: single.RunOptions, overrides: object = None) -> Path:
        started.append((Path(opts.out).name, opts.resume))
        return original(scenario, opts, overrides)

    monkeypatch.setattr("sim.experiment.compare.run_loaded", run)
    return started


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    folders = {}
    for name in STUDIES:
        out = tmp_path_factory.mktemp(name) / "study"
        code, output = study(name, out)
        assert code == 0, output
        folders[name] = out
    return folders


@pytest.mark.slow
@pytest.mark.parametrize("name", list(STUDIES))
def test_an_interrupted_study_resumes_to_the_same_tables(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                         uninterrupted: dict[str, Path], name: str) -> None:
    out, partial = tmp_path / "study", store.partial_dir(tmp_path / "study")
    stop_in_second_run(monkeypatch)
    code, output = study(name, out)
    monkeypatch.undo()
    assert code == 130, output
    assert "Traceback" not in output
    assert output.strip().splitlines()[-1] == f"interrupted: {partial} keeps {KEPT}; run again with --resume to finish"
    assert not out.exists()
    first, second = sorted(p for p in partial.iterdir() if p.name != "parts")
    assert store.is_results_folder(first)
    assert second.name.endswith(".partial")

    started = count_runs(monkeypatch)
    code, output = study(name, out, "--resume")
    assert code == 0, output
    runs = len(list(uninterrupted[name].glob("*/manifest.json")))
    # the first scenario is not run again; the second continues from its three replications
    assert len(started) == runs - 1
    assert started[0] == (second.name.removesuffix(".partial"), True)
    assert store.read_json(out / started[0][0])["resumed_replications"] == 3
    assert not partial.exists()
    _, tables = STUDIES[name]
    for table in tables:
        if table.endswith(".csv"):
            pd.testing.assert_frame_equal(pd.read_csv(out / table), pd.read_csv(uninterrupted[name] / table))
        else:
            assert store.read_json(out, table) == store.read_json(uninterrupted[name], table)


def interrupted_compare(monkeypatch: pytest.MonkeyPatch, out: Path) -> Path:
    """A compare stopped in its second run; returns the first run's (finished) folder."""
    stop_in_second_run(monkeypatch)
    code, output = study("compare", out)
    monkeypatch.undo()
    assert code == 130, output
    return next(p for p in store.partial_dir(out).iterdir() if store.is_results_folder(p))


@pytest.mark.parametrize(("change", "named"), [(("--seed", "12"), "seed (11, now 12)"),
                                                (("-n", "4"), "replications (3, now 4)"),
                                                (("--precision", "0.2"), "precision (0.05, now 0.2)"),
                                                (("--set", "hospitals.NHOG.icu_beds=7"), "runs (run 1 was baseline+")])
def test_resume_refuses_an_interrupted_study_of_other_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                           change: tuple[str, str], named: str) -> None:
    out = tmp_path / "study"
    interrupted_compare(monkeypatch, out)
    code, output = study("compare", out, "--resume", *change)
    assert code == 2, output
    assert f"cannot resume {store.partial_dir(out)}: its replications were made with another {named}" in output
    assert "Traceback" not in output
    assert store.finished_work(store.partial_dir(out)) == KEPT, "nothing discarded"


def test_resume_of_the_scenarios_in_another_order_names_the_first_that_moved(tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "study"
    interrupted_compare(monkeypatch, out)
    code, output = invoke("compare", LEAN, BASELINE, *RUNS, "--out", str(out), "--resume")
    assert code == 2, output
    assert "made with another runs (run 1 was baseline+1-override-" in output
    assert ", now lean-team+1-override-" in output
    assert store.finished_work(store.partial_dir(out)) == KEPT


def test_resume_with_a_damaged_study_key_says_so_and_keeps_the_work(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "study"
    interrupted_compare(monkeypatch, out)
    key = store.partial_dir(out) / "parts" / "run-key.json"
    key.write_text("{damaged", encoding="utf-8")
    code, output = study("compare", out, "--resume")
    assert code == 2, output
    assert f"cannot resume {store.partial_dir(out)}: {key} is damaged" in output
    assert "Traceback" not in output
    assert key.read_text(encoding="utf-8") == "{damaged"
    assert store.finished_work(store.partial_dir(out)) is None  # its key no longer says it is a study's ...
    assert len(list(store.partial_dir(out).rglob("rep-*.parquet"))) > 0  # ... but nothing was deleted


def test_a_run_stopped_before_its_parts_were_removed_leaves_none_in_the_resumed_study(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Ctrl-C (or kill -9) just after the first run's folder is put in place, before its parts are removed:
    the resumed study reuses the run and its results hold no parts."""
    out = tmp_path / "study"

    def stop(folder: Path) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "remove_parts", stop)
    code, output = study("compare", out)
    monkeypatch.undo()
    assert code == 130, output
    first = next(p for p in store.partial_dir(out).iterdir() if store.is_results_folder(p))
    assert (first / "parts").is_dir()
    started = count_runs(monkeypatch)
    code, output = study("compare", out, "--resume")
    assert code == 0, output
    assert [name for name, _ in started] == [p.name for p in sorted(out.iterdir()) if p.name.startswith("lean")]
    assert not list(out.rglob("parts"))


def test_a_new_study_refuses_an_interrupted_ones_work_until_told(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "study"
    first = interrupted_compare(monkeypatch, out).name
    code, output = study("compare", out)
    assert code == 2, output
    assert f"error: {store.partial_dir(out)} holds what an interrupted study finished ({KEPT}); " \
           "use --resume to continue it or --force to discard it" in output
    assert store.finished_work(store.partial_dir(out)) == KEPT
    code, output = study("compare", out, "--force")
    assert code == 0, output
    assert store.read_json(out / first)["resumed_replications"] == 0


def test_resume_refuses_a_finished_run_of_another_scenario_in_the_study(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """The study's key matched, but a run folder inside was replaced by another run's (by hand): refused."""
    out = tmp_path / "study"
    first = interrupted_compare(monkeypatch, out)
    manifest = store.read_json(first)
    store.write_json(first, "manifest.json", {**manifest, "seed": 99})
    code, output = study("compare", out, "--resume")
    assert code == 2, output
    assert f"cannot resume: {first} was made with another seed" in output


def test_the_differences_of_two_keys_name_what_changed() -> None:
    old = store.study_key("compare", [["a", "a", "1"], ["b", "b", "2"]], 11, 3, 0.05)
    assert store.key_differences(old, old) == []
    assert store.key_differences(old, store.study_key("compare", [["a", "a", "1"], ["b", "b", "9"]], 11, 3, 0.05)) \
        == ["runs (the scenario of run 2, b, changed)"]
    assert store.key_differences(old, store.study_key("compare", [["a", "a", "1"]], 12, 3, 0.05)) \
        == ["runs (2 scenario runs, now 1)", "seed (11, now 12)"]
    assert store.key_differences({}, {"seed": 11}) == ["seed"]


def test_target_cannot_be_resumed() -> None:
    code, output = invoke("target", BASELINE, "--lever", "hospitals.NHOG.ambulances", "--range", "1..2",
                          "--goal", "call_ins >= 0", "--resume")
    assert code == 2
    assert "No such option '--resume'" in output


def test_what_an_interrupted_study_keeps_is_counted_at_any_depth(tmp_path: Path) -> None:
    """A study against another scenario puts its runs a level down (``mine/<run>``, ``yours/<run>``)."""
    tmp = tmp_path / "X.partial"
    store.claim_parts(tmp, store.study_key("sensitivity", [["a", "mine/a", "0"]], 1, 3), resume=False)
    assert store.finished_work(tmp) is None
    for done in ("mine/a", "mine/b", "yours/a"):
        (tmp / done).mkdir(parents=True)
        (tmp / done / "manifest.json").write_text("{}", encoding="utf-8")
    (tmp / "yours" / "b.partial" / "parts" / "kpis").mkdir(parents=True)
    (tmp / "yours" / "b.partial" / "manifest.json").write_text("{}", encoding="utf-8")  # not renamed yet
    for rep in range(2):
        (tmp / "yours" / "b.partial" / "parts" / "kpis" / f"rep-{rep:07d}.parquet").write_bytes(b"")
    assert store.finished_work(tmp) == "3 finished scenario runs and 2 finished replications of an unfinished one"
    # a study that cannot be resumed (its key lists no runs) keeps nothing worth keeping
    store.claim_parts(tmp, store.study_key("target"), resume=False)
    assert store.finished_work(tmp) is None


def test_resume_refuses_a_finished_run_that_lost_a_table(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "study"
    first = interrupted_compare(monkeypatch, out)
    (first / "replications.csv").unlink()
    code, output = study("compare", out, "--resume")
    assert code == 2, output
    assert f"cannot resume: {first} has a manifest but lacks replications.csv" in output
    assert store.is_results_folder(first), "nothing discarded"
