"""Security: safe YAML only, nothing in a scenario runs code, scenario text is escaped where shown."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.scenario import ScenarioError, load_scenario, yamlsafe
from tests.conftest import ROOT, SCENARIOS

BASE = (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8")

TAGS = ["!!python/object/apply:os.system", "!!python/object/new:os.system", "!!python/object:os.system",
        "!!python/name:os.system", "!!python/module:os", "!!python/tuple", "!!set", "!!omap", "!!binary",
        "!!timestamp", "!ruby/object:Gem::Installer", "!custom"]


@pytest.mark.parametrize("tag", TAGS)
def test_tags_are_refused_and_run_nothing(tmp_path: Path, tag: str) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.yaml"
    path.write_text(BASE.replace("name: baseline", f"name: {tag} ['touch {marker}']"), encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert not marker.exists(), "a YAML tag ran a command"
    name_line = BASE[:BASE.index("name: baseline")].count("\n") + 1
    assert any(p.key == "name" or p.line == name_line for p in err.value.problems), err.value.problems


def test_the_yaml_reader_builds_only_plain_data() -> None:
    doc, _ = yamlsafe.read_document(b"a: [1, 2.5, true, null, text, {b: 2001-12-14}]\nc: &x {d: 1}\ne: *x\n")
    def kinds(node: object) -> set[type]:
        if isinstance(node, dict):
            return {dict}.union(*(kinds(v) for v in node.values()), *(kinds(k) for k in node))
        if isinstance(node, list):
            return {list}.union(*(kinds(v) for v in node))
        return {type(node)}
    assert kinds(doc) <= {dict, list, str, int, float, bool, type(None)}
    assert doc["e"] == {"d": 1}


def test_no_code_in_sim_evaluates_text_or_loads_yaml_unsafely() -> None:
    """Static guard: no eval/exec, no pickle of scenario input, no unsafe YAML loader anywhere in sim/."""
    pattern = re.compile(r"\b(eval|exec)\(|pickle\.loads?\(|typ=[\"'](unsafe|full)[\"']|yaml\.load\(|"
                         r"Loader=|subprocess\.[a-z_]+\([^)]*shell=True")
    offenders = [f"{p.relative_to(ROOT)}:{i}" for p in (ROOT / "sim").rglob("*.py")
                 for i, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []


@pytest.mark.parametrize("text", ['"\\e[2J\\e[31mfake ok"', '"bell\\a"', '"nul\\0"', '"\\x9b31m"'])
def test_control_characters_in_scenario_text_are_refused(tmp_path: Path, text: str) -> None:
    path = tmp_path / "escape.yaml"
    path.write_text(BASE.replace("name: baseline", f"name: {text}"), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "control character" in result.output
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", result.output), "a control character reached the terminal"


def test_control_characters_in_keys_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "key.yaml"
    path.write_text(BASE.replace("  CLH:\n", '  "CLH\\e[2J":\n', 1), encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "control character" in result.output
    assert "\x1b" not in result.output


HTML = '<script>alert("x")</script><img src=x onerror=alert(1)>'


@pytest.mark.slow
def test_report_escapes_scenario_text(tmp_path: Path) -> None:
    text = (BASE.replace("name: baseline", f"name: '{HTML}'")
            .replace("    name: Central Lung Hospital", f"    name: '{HTML}'")
            .replace('label: "Category 1 (immediate threat to life)"', f"label: '{HTML}'"))
    path = tmp_path / "html.yaml"
    path.write_text(text, encoding="utf-8")
    out = tmp_path / "res"
    result = CliRunner().invoke(cli, ["run", str(path), "-n", "2", "--out", str(out), "--set", "run.horizon_days=20",
                                      "--set", f"description={HTML}"])
    assert result.exit_code == 0, result.output
    report = (out / "report.html").read_text(encoding="utf-8")
    assert "<script>alert" not in report
    assert "<img src=x" not in report
    assert "&lt;script&gt;" in report, "the name is shown, escaped"
