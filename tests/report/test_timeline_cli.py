"""``ihsim timeline``: one case's Gantt chart, and clear exit-2 errors for what is not there."""

from __future__ import annotations

import shutil

import pandas as pd
import pytest

from sim.report import timeline
from tests.report.conftest import run_cli


@pytest.fixture(scope="module")
def outreach_case(results) -> tuple[int, int]:
    cases = pd.read_parquet(results / "cases.parquet")
    done = cases[(cases["case_type"] == "outreach") & cases["delivery_min"].notna()]
    return int(done["replication"].iloc[0]), int(done["case_id"].iloc[0])


def test_timeline_writes_png_and_svg_and_prints_the_path(results, outreach_case, tmp_path):
    rep, case = outreach_case
    out = tmp_path / "story.png"
    result = run_cli(["timeline", str(results), "--replication", str(rep), "--case", str(case), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert str(out) in result.output
    assert out.read_bytes()[:4] == b"\x89PNG"
    assert out.with_suffix(".svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")


def test_timeline_defaults_to_the_figures_folder(results, outreach_case, tmp_path):
    rep, case = outreach_case
    own = shutil.copytree(results, tmp_path / "results")  # the shared folder's figures stay the report's
    result = run_cli(["timeline", str(own), "-r", str(rep), "-c", str(case)])
    assert result.exit_code == 0, result.output
    assert (own / "figures" / f"timeline-r{rep}-c{case}.png").is_file()


@pytest.mark.parametrize(("args", "message"), [
    (["-r", "7", "-c", "1"], "--replication 7"),
    (["-r", "0", "-c", "999999"], "--case 999999"),
])
def test_a_missing_replication_or_case_is_bad_input(results, args, message, tmp_path):
    result = run_cli(["timeline", str(results), *args, "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "x.png").exists()


def test_a_folder_without_results_is_bad_input(tmp_path):
    result = run_cli(["timeline", str(tmp_path), "-r", "0", "-c", "1"])
    assert result.exit_code == 2
    assert "not a results folder" in result.output


def test_steps_of_an_outreach_case_follow_its_events_and_explain_waits():
    """A hand-made case: consultation 10 min, the team waits 30 min for an anaesthetist."""
    t = {"case_created": 0, "consult_start": 0, "decision": 10, "stabilisation_start": 10, "team_requested": 10,
         "team_assembled": 40, "team_departed": 60, "team_on_site": 75, "team_ready": 100, "stabilisation_end": 90,
         "theatre_entry": 100, "incision": 110, "delivery": 114, "surgery_end": 150, "team_returned": 170}
    events = pd.DataFrame({"event": list(t), "time_min": [float(v) for v in t.values()], "resource": ""})
    case = pd.Series({"case_type": "outreach", "pathway": "outreach", "hospital": "CLH", "nicu_hospital": None})
    waits = pd.DataFrame({"step": ["team dispatch"], "start_min": [10.0], "end_min": [40.0],
                          "binding": ["NHOG/anaesthetist"]})
    steps = timeline.case_steps(case, events, waits, home="NHOG").set_index("label")
    assert steps.loc["assembling team and equipment", "note"] == "30 min: NHOG anaesthetist"
    assert steps.loc["travel to CLH", ["start_min", "end_min"]].tolist() == [60.0, 75.0]
    assert steps.loc["telephone consultation", "group"] == "Consultation"
    assert steps.loc["resuscitation or stabilisation", "group"] == "Mother at CLH"
    assert steps.loc["ready, waiting for theatre", ["start_min", "end_min"]].tolist() == [90.0, 100.0]
    assert "waiting for an ICU bed" not in steps.index  # the bed was free at once
    ticks, labels = timeline.clock_ticks(0.0, 170.0)
    assert ticks[:2] == [0.0, 30.0]
    assert labels[0] == "00:00\nMon d1"


def test_an_out_that_is_not_a_png_name_is_bad_input_and_nothing_is_written(results, outreach_case, tmp_path):
    rep, case = outreach_case
    mine = tmp_path / "notes.txt"
    mine.write_text("my notes", encoding="utf-8")
    result = run_cli(["timeline", str(results), "-r", str(rep), "-c", str(case), "--out", str(mine)])
    assert result.exit_code == 2
    assert "give a .png file name" in result.output
    assert "Traceback" not in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]
    assert mine.read_text(encoding="utf-8") == "my notes"


def test_only_the_cases_replication_is_read(results, outreach_case):
    rep, case = outreach_case
    _, events, _ = timeline.load_case(results, rep, case)
    every = pd.read_parquet(results / "events.parquet")
    expected = every[every["replication"] == rep].reset_index(drop=True)
    assert len(expected) < len(every)  # the folder holds other replications
    pd.testing.assert_frame_equal(events, expected)


@pytest.mark.parametrize(("given", "written"), [("Story.PNG", "Story.PNG"), ("story", "story.png")])
def test_a_png_name_is_kept_as_given_and_a_bare_name_gets_png(given, written, tmp_path):
    assert timeline.png_name(tmp_path / given) == tmp_path / written


@pytest.mark.parametrize("bad", [".png", "story.svg", "story.png.txt"])
def test_names_that_are_not_a_png_file_are_refused(bad, tmp_path):
    with pytest.raises(timeline.InputError, match=r"give a \.png file name"):
        timeline.png_name(tmp_path / bad)


def test_an_out_ending_in_a_separator_is_a_folder_and_refused(results, outreach_case, tmp_path):
    rep, case = outreach_case
    result = run_cli(["timeline", str(results), "-r", str(rep), "-c", str(case), "--out", f"{tmp_path}/story.png/"])
    assert result.exit_code == 2
    assert "names a folder" in result.output
    assert list(tmp_path.iterdir()) == []


def test_a_case_without_events_in_its_replication_is_bad_input(results, outreach_case, tmp_path):
    rep, case = outreach_case
    own = shutil.copytree(results, tmp_path / "results")
    events = pd.read_parquet(own / "events.parquet")
    events[events["replication"] != rep].to_parquet(own / "events.parquet")  # tables that do not match
    result = run_cli(["timeline", str(own), "-r", str(rep), "-c", str(case), "--out", str(tmp_path / "x.png")])
    assert result.exit_code == 2
    assert f"--case {case}" in result.output
    assert "no events of it" in result.output
    assert not (tmp_path / "x.png").exists()
