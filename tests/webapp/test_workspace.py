"""The web app's scenario folder: shipped copies, uploads, saved variants (sim.webapp.workspace)."""

from __future__ import annotations

import pytest

from sim.scenario import ScenarioError, load_scenario, scenario_dict
from sim.scenario.diff import describe_changes
from sim.webapp.workspace import FOLDER, Workspace, WorkspaceError, delta
from tests.conftest import SCENARIOS

VALID_UPLOAD = b"extends: baseline.yaml\nname: more-cots\nhospitals:\n  NHOG:\n    nicu_cots: 30\n"


@pytest.fixture
def ws(tmp_path):
    space = Workspace(tmp_path / "results")
    space.prepare()
    return space


def test_the_shipped_scenarios_are_copied_into_the_results_folder(ws, tmp_path):
    shipped = sorted(p.name for p in SCENARIOS.glob("*.yaml"))
    assert ws.names() == shipped
    assert ws.root == tmp_path / "results" / FOLDER
    assert (ws.root / "baseline.yaml").read_bytes() == (SCENARIOS / "baseline.yaml").read_bytes()


def test_a_saved_variant_extends_its_base_and_changes_only_what_was_edited(ws):
    name = ws.save_edited("baseline.yaml", "more cots", {"hospitals.NHOG.nicu_cots": 25})
    text = (ws.root / name).read_text()
    assert name == "more_cots.yaml"
    assert "extends: baseline.yaml" in text
    assert "nicu_cots: 25" in text
    base, variant = load_scenario(SCENARIOS / "baseline.yaml"), load_scenario(ws.root / name)
    assert describe_changes(scenario_dict(base), scenario_dict(variant)) == ["NICU cots at NHOG 20 -> 25"]
    assert variant.name == "more cots"


def test_a_variant_runs_beside_its_shipped_base_too(ws, tmp_path):
    name = ws.save_edited("lean-team.yaml", "lean-short", {"run.horizon_days": 20, "team.composition.anaesthetist": 2})
    beside = tmp_path / "copy"
    beside.mkdir()
    for f in ("baseline.yaml", "lean-team.yaml"):
        (beside / f).write_bytes((SCENARIOS / f).read_bytes())
    (beside / name).write_bytes((ws.root / name).read_bytes())
    sc = load_scenario(beside / name)
    assert (sc.run.horizon_days, sc.team.composition["anaesthetist"], sc.team.composition["obstetric_surgeon"]) == (
        20, 2, 1)


def test_an_edit_inside_a_list_writes_the_whole_list(ws):
    base = scenario_dict(load_scenario(SCENARIOS / "second-hospital.yaml"))
    body = delta(base, {"teams.1.ambulances": 2})
    assert [t["ambulances"] for t in body["teams"]] == [1, 2]
    name = ws.save_edited("second-hospital.yaml", "sh-2", {"teams.1.ambulances": 2})
    assert load_scenario(ws.root / name).teams[1].ambulances == 2


def test_an_edit_the_schema_refuses_is_not_saved(ws):
    with pytest.raises(ScenarioError) as caught:
        ws.save_edited("baseline.yaml", "bad", {"hospitals.NHOG.nicu_cots": -1})
    assert caught.value.problems[0].key == "hospitals.NHOG.nicu_cots"
    assert "bad.yaml" not in ws.names()


@pytest.mark.parametrize("name", ["baseline", "lean-team"])
def test_a_variant_may_not_take_a_shipped_name(ws, name):
    with pytest.raises(WorkspaceError, match=r"shipped|base"):
        ws.save_edited("lean-team.yaml", name, {"run.horizon_days": 20})


def test_an_upload_that_the_schema_accepts_is_kept(ws):
    assert ws.upload("more-cots.yaml", VALID_UPLOAD) == "more-cots.yaml"
    assert ws.load("more-cots.yaml").hospitals["NHOG"].nicu_cots == 30


def test_an_uploaded_file_name_cannot_leave_the_folder(ws, tmp_path):
    assert ws.upload("../../outside.yaml", VALID_UPLOAD) == "outside.yaml"
    assert not (tmp_path / "outside.yaml").exists()
    assert (ws.root / "outside.yaml").is_file()


@pytest.mark.parametrize("extends", ["/etc/passwd", "../../baseline.yaml", "missing.yaml", "upload.yaml"])
def test_an_upload_may_extend_only_a_file_of_the_folder(ws, extends):
    with pytest.raises(WorkspaceError, match="extends"):
        ws.upload("upload.yaml", f"extends: {extends}\nname: x\n".encode())
    assert "upload.yaml" not in ws.names()


def test_an_upload_the_safe_reader_refuses_is_not_kept_and_every_problem_is_named(ws):
    with pytest.raises(ScenarioError) as caught:
        ws.upload("evil.yaml", b"name: !!python/object/apply:os.system [ls]\n")
    assert caught.value.problems[0].file == "evil.yaml"
    with pytest.raises(ScenarioError) as caught:
        ws.upload("wrong.yaml", VALID_UPLOAD.replace(b"30", b"-3"))
    assert [(p.file, p.key) for p in caught.value.problems] == [("wrong.yaml", "hospitals.NHOG.nicu_cots")]
    assert not {"evil.yaml", "wrong.yaml"} & set(ws.names())


def test_an_oversized_upload_is_refused(ws):
    with pytest.raises(WorkspaceError, match="larger than"):
        ws.upload("big.yaml", b"#" * 1_000_001)


def test_only_plain_files_of_the_folder_can_be_named(ws, tmp_path):
    outside = tmp_path / "secret.yaml"
    outside.write_bytes((SCENARIOS / "baseline.yaml").read_bytes())
    (ws.root / "link.yaml").symlink_to(outside)
    assert "link.yaml" not in ws.names()
    for name in ("link.yaml", "../secret.yaml", "/etc/passwd", ".hidden.yaml", "baseline.yml"):
        with pytest.raises(WorkspaceError):
            ws.path(name)
