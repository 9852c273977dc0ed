"""A run changed by ``--set`` goes by its own title and folder, and its report says what changed.

Without ``--out`` a command writes under ``results/`` of the working folder: a run of
``scenarios/baseline.yaml`` with ``--set`` must neither write into nor replace
``results/baseline/`` (the unmodified scenario's results).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.scenario.load import overrides_tag, titled
from tests.conftest import SCENARIOS

BASELINE = str(SCENARIOS / "baseline.yaml")
SETS = ["run.horizon_days=3", "hospitals.NHOG.ambulances=3"]


def _sets(overrides: list[str]) -> list[str]:
    return [arg for o in overrides for arg in ("--set", o)]


def test_the_tag_is_short_stable_and_tells_overrides_apart() -> None:
    tag = overrides_tag(SETS)
    assert tag.startswith("+2-overrides-")
    assert len(tag) == len("+2-overrides-") + 6
    assert overrides_tag(list(SETS)) == tag
    assert overrides_tag(["run.horizon_days=4", SETS[1]]) != tag
    assert overrides_tag(SETS[:1]).startswith("+1-override-")
    assert titled("baseline", []) == "baseline"
    assert titled("baseline", ["name=mine", *SETS]) == "baseline"  # the user named it


def test_run_with_set_writes_neither_into_nor_over_the_scenario_folder(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    plain = tmp_path / "results" / "baseline"
    plain.mkdir(parents=True)
    (plain / "keep.txt").write_text("the unmodified run", encoding="utf-8")
    done = CliRunner().invoke(cli, ["run", BASELINE, "-n", "1", *_sets(SETS)])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in plain.iterdir()) == ["keep.txt"]
    out = tmp_path / "results" / f"baseline{overrides_tag(SETS)}"
    assert (out / "summary.csv").is_file()
    assert f"results: {Path('results') / out.name}" in done.output
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["overrides"] == SETS
    assert manifest["title"] == out.name
    assert manifest["scenario_name"] == "baseline"  # inputs, and so the sha256, are unaffected by the title
    html = (out / "report.html").read_text(encoding="utf-8")
    assert f"<h1>ihsim report: {out.name}</h1>" in html
    assert 'id="overrides"' in html
    assert all(f"<li><code>{o}</code></li>" in html for o in SETS)


def test_a_run_without_set_has_no_banner(tmp_path: Path) -> None:
    out = tmp_path / "plain"
    done = CliRunner().invoke(cli, ["run", str(SCENARIOS / "validation" / "index-case.yaml"), "-n", "1",
                                    "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert 'id="overrides"' not in (out / "report.html").read_text(encoding="utf-8")


@pytest.mark.parametrize(("command", "folder"), [
    (["compare", BASELINE, BASELINE], "compare-baseline"),
    (["sweep", BASELINE, "--vary", "hospitals.NHOG.ambulances=2,3"], "sweep-baseline"),
    (["target", BASELINE, "--lever", "hospitals.NHOG.ambulances", "--range", "1..2", "--goal", "call_ins >= 0",
      "--no-confirm"], "target-baseline"),
])
def test_studies_with_set_have_their_own_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                command: list[str], folder: str) -> None:
    monkeypatch.chdir(tmp_path)
    overrides = ["run.horizon_days=2", "demand.outreach.rate_per_day=1"]
    done = CliRunner().invoke(cli, [*command, "-n", "2", *_sets(overrides)])
    assert done.exit_code in (0, 1), done.output  # target may find no answer; the folder is what counts
    made = sorted(p.name for p in (tmp_path / "results").iterdir() if p.suffix != ".lock")  # its lock stays
    assert made == [f"{folder}{overrides_tag(overrides)}"]
    if command[0] != "target":
        record = json.loads((tmp_path / "results" / made[0] / "comparison.json").read_text(encoding="utf-8"))
        assert record["overrides"] == overrides
        assert 'id="overrides"' in (tmp_path / "results" / made[0] / "comparison.html").read_text(encoding="utf-8")
