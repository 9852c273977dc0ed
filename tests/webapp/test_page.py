"""The ``ihsim app`` page, headless (streamlit.testing.v1.AppTest): the form and the diff."""

from __future__ import annotations

import pytest

from sim.scenario import scenario_dict
from sim.webapp import PAGE, RESULTS_ENV
from sim.webapp.levers import levers
from tests.conftest import SCENARIOS

pytest.importorskip("streamlit")
BASE = "lever|baseline.yaml|"


@pytest.fixture
def at(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "results"))
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.run()
    assert not app.exception
    return app


def lever_inputs(at):
    return {w.key[len(BASE):]: w for w in [*at.number_input, *at.selectbox, *at.checkbox]
            if w.key and w.key.startswith(BASE)}


def test_the_base_scenario_is_chosen_among_the_shipped_files(at):
    assert list(at.selectbox(key="base").options) == sorted(p.name for p in SCENARIOS.glob("*.yaml"))
    assert at.selectbox(key="base").value == "baseline.yaml"


def test_one_field_per_lever_with_its_unit_source_mark_and_description(at, baseline):
    expected = {lv.key: lv for lv in levers(scenario_dict(baseline))}
    shown = lever_inputs(at)
    assert set(shown) == set(expected)
    cots = shown["hospitals.NHOG.nicu_cots"]
    assert cots.value == 20
    assert cots.label.endswith("ASSUMPTION")
    call_in = shown["hospitals.NHOG.staff.anaesthetist.call_in.low"]
    assert "\\(minutes\\)" in call_in.label  # the unit, markdown-escaped
    assert "delay from call to arrival on site" in call_in.help
    assert "ASSUMPTION A1n" in call_in.help
    assert shown["policies.nicu_full"].options == ["wait", "surge", "divert"]


def test_an_edit_shows_as_a_plain_english_change_against_the_base(at):
    at.number_input(key=BASE + "hospitals.NHOG.nicu_cots").set_value(25).run()
    at.selectbox(key=BASE + "policies.nicu_full").set_value("wait").run()
    assert not at.exception
    diff = [c.value for c in at.code if "->" in c.value]
    assert diff == ["NICU cots at NHOG 20 -> 25\npolicies.nicu_full surge -> wait"]


def test_a_value_the_schema_refuses_shows_the_schemas_message_under_its_field(at):
    at.number_input(key=BASE + "team.composition.anaesthetist").set_value(-1).run()
    messages = [e.value for e in at.error]
    assert "Input should be greater than or equal to 0" in messages
    assert any("[team.composition.anaesthetist]" in c.value for c in at.code)
    assert not [b for b in at.button if b.key == "save"]  # nothing to save until it validates


def test_a_cross_field_check_of_the_schema_is_shown_too(at):
    at.number_input(key=BASE + "team.mobilisation.low").set_value(45.0).run()  # above the mode (30)
    assert any("need low <= mode <= high" in e.value.replace("\\", "") for e in at.error)  # shown escaped


def test_saving_writes_the_variant_into_the_results_folder_and_offers_it_for_download(at, tmp_path):
    at.number_input(key=BASE + "hospitals.NHOG.nicu_cots").set_value(25).run()
    at.button(key="save").click().run()
    assert not at.exception
    saved = tmp_path / "results" / "app-scenarios" / "baseline-edited.yaml"
    assert "nicu_cots: 25" in saved.read_text()
    assert at.selectbox(key="run_file").value == "baseline-edited.yaml"


def test_scenario_text_in_a_source_is_escaped_in_the_help(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from sim.webapp.workspace import Workspace

    ws = Workspace(tmp_path / "results")
    ws.prepare()
    ws.upload("hostile.yaml", b'extends: baseline.yaml\nname: hostile\nsources:\n'
                              b'  hospitals.NHOG.icu_beds: "[click](http://x.invalid) <img src=x> **b**"\n')
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "results"))
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.session_state["base"] = "hostile.yaml"
    app.run()
    helptext = app.number_input(key="lever|hostile.yaml|hospitals.NHOG.icu_beds").help
    assert "\\[click\\]\\(http\\://x\\.invalid\\) \\<img src=x\\> \\*\\*b\\*\\*" in helptext


def test_earlier_results_are_replaced_only_when_the_user_ticks_the_box(tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    earlier = tmp_path / "results" / "baseline"
    earlier.mkdir(parents=True)
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path / "results"))
    app = AppTest.from_file(str(PAGE), default_timeout=60)
    app.run()
    assert app.selectbox(key="run_file").value == "baseline.yaml"
    assert app.button(key="run").disabled
    app.checkbox(key="replace|run|baseline").check().run()
    assert not app.button(key="run").disabled
