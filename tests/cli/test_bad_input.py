"""The bad-input catalogue: every kind of broken scenario gets a clean refusal.

Each case writes a small mutation of ``scenarios/baseline.yaml`` (or a variant
that extends it) into a temporary folder and runs ``ihsim run FILE --out DIR``.
The contract (DESIGN.md section 3): exit code 2; the message names the file,
the key path and, where known, the line; no traceback; neither ``DIR`` nor
``DIR.partial`` is written.
"""

from __future__ import annotations

import re
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.cli import cli
from tests.conftest import SCENARIOS

BASE = (SCENARIOS / "baseline.yaml").read_text(encoding="utf-8")
ANY = -1  # a line number must be given, whichever it is


@dataclass(frozen=True)
class Bad:
    """One kind of bad input: how to write it, and what the message must name."""

    kind: str
    write: Callable[[Path], Path]
    key: str | None = None
    line: int | None = None
    args: tuple[str, ...] = ()
    says: tuple[str, ...] = field(default=())
    blame: str = "scenario.yaml"


def line_of(text: str, needle: str) -> int:
    """1-based line of the first occurrence of ``needle`` in ``text``."""
    return text[:text.index(needle)].count("\n") + 1


def edit(old: str, new: str, base: str = BASE) -> tuple[str, int]:
    """The baseline with one unique fragment replaced; returns the text and the line of the change."""
    assert base.count(old) == 1, f"fragment not unique: {old!r}"
    return base.replace(old, new), line_of(base, old) + new[:len(new) - len(new.lstrip("\n"))].count("\n")


def mutate(kind: str, old: str, new: str, key: str | None, *, says: tuple[str, ...] = (),
           line_offset: int | None = 0) -> Bad:
    """A case that edits one fragment of the baseline; the expected line is the edited one."""
    text, line = edit(old, new)

    def write(folder: Path) -> Path:
        path = folder / "scenario.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return Bad(kind, write, key, None if line_offset is None else line + line_offset, says=says)


def raw(kind: str, content: bytes | str, *, key: str | None = None, line: int | None = None,
        says: tuple[str, ...] = ()) -> Bad:
    """A case whose whole file is ``content``."""

    def write(folder: Path) -> Path:
        path = folder / "scenario.yaml"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
        return path

    return Bad(kind, write, key, line, says=says)


def variant(kind: str, files: dict[str, str], key: str | None, *, line: int | None = None,
            blame: str = "variant.yaml", says: tuple[str, ...] = ()) -> Bad:
    """A case made of several files next to a copy of the baseline; runs ``variant.yaml``.
    ``blame`` is the file the message must name."""

    def write(folder: Path) -> Path:
        (folder / "baseline.yaml").write_text(BASE, encoding="utf-8")
        for name, text in files.items():
            (folder / name).write_text(text, encoding="utf-8")
        return folder / "variant.yaml"

    return Bad(kind, write, key, line, says=says, blame=blame)


def with_set(kind: str, setting: str, key: str, says: tuple[str, ...] = ()) -> Bad:
    """A valid baseline run with one bad ``--set``."""
    def write(folder: Path) -> Path:
        path = folder / "scenario.yaml"
        path.write_text(BASE, encoding="utf-8")
        return path

    return Bad(kind, write, key, None, args=("--set", setting), says=says, blame="--set")


def folder_as_file(folder: Path) -> Path:
    path = folder / "scenario.yaml"
    path.mkdir()
    return path


BOMB = "".join(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}' if i else 'x'] * 9)}]\n" for i in range(9))

CASES: list[Bad] = [
    # --- files that are not YAML scenario text at all
    raw("empty file", "", says=("empty",)),
    raw("comments only", "# nothing here\n", says=("empty",)),
    raw("list at top level", "- name\n- run\n", line=1, says=("mapping",)),
    raw("scalar at top level", "just some text\n", line=1, says=("mapping",)),
    raw("non-UTF-8 bytes", BASE.encode("utf-8").replace(b"name: baseline", b"name: \xff\xfeline"), line=10,
        says=("UTF-8",)),
    raw("UTF-16 file", BASE.encode("utf-16"), says=("UTF-8",)),
    raw("binary garbage", bytes(range(256)) * 4, says=("UTF-8",)),
    raw("file too large", "# padding\n" * 600_000, says=("larger",)),
    Bad("folder given as file", folder_as_file, says=("folder",)),
    Bad("missing file", lambda folder: folder / "nothere.yaml", says=("not found",), blame="nothere.yaml"),
    # --- YAML syntax
    mutate("unclosed flow mapping", "off_peak: {dist: uniform, low: 10, high: 20}",
           "off_peak: {dist: uniform, low: 10, high: 20", None, line_offset=None, says=("YAML",)),
    mutate("tab indentation", "    operating_rooms: 3 ", "\toperating_rooms: 3 ", None, says=("tab",)),
    mutate("duplicate key", "    icu_beds: 6 ", "    icu_beds: 6\n    icu_beds: 7 ", None, line_offset=1,
           says=("duplicate", "icu_beds")),
    raw("two documents", BASE + "---\nname: other\n", line=ANY, says=("document",)),
    mutate("bad indentation", "    icu_beds: 6 ", "      icu_beds: 6 ", None, line_offset=None, says=("YAML",)),
    raw("nesting too deep", "name: " + "[" * 3000 + "]" * 3000 + "\n", says=("deep",)),
    raw("alias bomb", BOMB, says=("alias",)),
    # --- code or objects smuggled into YAML
    mutate("python object tag", "name: baseline", "name: !!python/object/apply:os.system ['echo HACKED']",
           "name", says=("tag",)),
    mutate("python name tag", "name: baseline", "name: !!python/name:os.system", "name", says=("tag",)),
    mutate("custom tag", "  horizon_days: 365", "  horizon_days: !days 365", "run.horizon_days", says=("tag",)),
    mutate("binary value", "name: baseline", "name: !!binary aGVsbG8=", "name"),
    mutate("control characters in text", "name: baseline", 'name: "\\e[2J\\e[32mok"', "name",
           says=("control character",)),
    # --- unknown keys at every level
    mutate("unknown top-level key", "name: baseline", "name: baseline\ncolour: red", "colour", line_offset=1,
           says=("unknown key",)),
    mutate("unknown run key", "  replications: 30", "  replicatons: 30", "run.replicatons", says=("unknown key",)),
    mutate("unknown hospital key", "    nicu_cots: 20 ", "    helipads: 1\n    nicu_cots: 20 ",
           "hospitals.NHOG.helipads", says=("unknown key",)),
    mutate("unknown staff-role key", "technician:           {day: 2, night: 1,",
           "technician:           {day: 2, evening: 1, night: 1,", "hospitals.NHOG.staff.technician.evening",
           says=("unknown key",)),
    mutate("unknown distribution key", "mobilisation: {dist: triangular, low: 15, mode: 30, high: 60}",
           "mobilisation: {dist: triangular, low: 15, mode: 30, high: 60, mean: 3}", "team.mobilisation.mean",
           says=("unknown key",)),
    mutate("unknown route key", "  - between: [NHOG, HHH]", "  - between: [NHOG, HHH]\n      km: 2",
           "travel.routes.1.km", line_offset=1, says=("unknown key",)),
    # --- missing or null values
    mutate("missing required key", "  closure: {dist: lognormal, mean: 38, sd: 14}", "", "clinical.closure",
           line_offset=None, says=("required",)),
    mutate("null where a distribution is needed", "  incision_to_delivery: {dist: gamma",
           "  incision_to_delivery: null\n  unused: {dist: gamma", "clinical.incision_to_delivery"),
    mutate("empty name", "name: baseline", "name: ''", "name"),
    # --- wrong types
    mutate("text where a number is needed", "    icu_beds: 6 ", "    icu_beds: six ", "hospitals.NHOG.icu_beds"),
    mutate("quoted number", "    icu_beds: 6 ", "    icu_beds: '6' ", "hospitals.NHOG.icu_beds"),
    mutate("boolean where a count is needed", "    ambulances: 2 ", "    ambulances: true ",
           "hospitals.NHOG.ambulances"),
    mutate("fraction where a count is needed", "    operating_rooms: 3 ", "    operating_rooms: 2.5 ",
           "hospitals.NHOG.operating_rooms"),
    mutate("mapping where a number is needed", "    ambulances: 2 ", "    ambulances: {n: 2} ",
           "hospitals.NHOG.ambulances"),
    mutate("list where a mapping is needed", "  consult_roles: {home: obstetric_surgeon, host: intensivist}",
           "  consult_roles: [obstetric_surgeon, intensivist]", "clinical.consult_roles"),
    mutate("number where a list is needed", "  peaks: [", "  peaks: 3\n  unused: [", "travel.peaks"),
    mutate("text where a boolean is needed", "    obstetric: true", "    obstetric: maybe",
           "hospitals.NHOG.obstetric"),
    mutate("unknown policy name", "  nicu_full: surge", "  nicu_full: sometimes", "policies.nicu_full"),
    mutate("unknown pathway", "planned: outreach}", "planned: helicopter}", "policies.pathway.planned"),
    # --- impossible numbers
    mutate("negative count", "    icu_beds: 6 ", "    icu_beds: -1 ", "hospitals.NHOG.icu_beds"),
    mutate("zero horizon", "  horizon_days: 365", "  horizon_days: 0", "run.horizon_days"),
    mutate("warm-up longer than the run", "  warmup_days: 0 ", "  warmup_days: 400 ", "run.warmup_days"),
    mutate("huge integer", "    icu_beds: 6 ", "    icu_beds: 99999999999999999999999999999 ",
           "hospitals.NHOG.icu_beds"),
    mutate("huge float (overflows to infinity)", "    rate_per_day: 8 ", "    rate_per_day: 1e400 ",
           "demand.home_emergency.rate_per_day"),
    mutate("not-a-number", "  transit_deterioration_factor: 2", "  transit_deterioration_factor: .nan",
           "clinical.transit_deterioration_factor"),
    mutate("infinite duration", "  restock: {dist: triangular, low: 60, mode: 90, high: 180}",
           "  restock: {dist: fixed, value: .inf}", "team.restock.value"),
    mutate("negative duration", "  restock: {dist: triangular, low: 60, mode: 90, high: 180}",
           "  restock: {dist: fixed, value: -5}", "team.restock.value"),
    mutate("probability above one", "{below_weeks: 34, probability: 1.0}", "{below_weeks: 34, probability: 1.5}",
           "demand.home_emergency.nicu_probability_by_gestation.0.probability"),
    mutate("negative probability", "    nicu_probability: 0.13", "    nicu_probability: -0.1",
           "demand.home_emergency.nicu_probability"),
    mutate("urgency mix not summing to one", "urgency_mix: {cat1: 0.15, cat2: 0.25, planned: 0.6}",
           "urgency_mix: {cat1: 0.15, cat2: 0.25, planned: 0.7}", "demand.outreach.urgency_mix", says=("sum",)),
    mutate("hourly profile of the wrong length", "    rate_per_day: 8 ",
           "    rate_per_day: 8\n    hourly_profile: [1, 2]", "demand.home_emergency.hourly_profile", line_offset=1),
    mutate("clock time out of range", '{days: weekdays, start: "08:00", end: "16:00"}',
           '{days: weekdays, start: "25:00", end: "26:00"}', "policies.planned_windows.0"),
    mutate("peak window ending before it starts", 'peaks: [["07:30", "08:30"]', 'peaks: [["08:30", "07:30"]',
           "travel.peaks"),
    # --- distributions with impossible parameters
    mutate("unknown distribution", "  closure: {dist: lognormal, mean: 38, sd: 14}",
           "  closure: {dist: weibull, shape: 2}", "clinical.closure", says=("weibull",)),
    mutate("distribution missing a parameter", "off_peak: {dist: uniform, low: 10, high: 20}",
           "off_peak: {dist: uniform, low: 10}", "travel.routes.0.off_peak.high"),
    mutate("triangular out of order", "neonatal_stabilisation: {dist: triangular, low: 15, mode: 30, high: 60}",
           "neonatal_stabilisation: {dist: triangular, low: 60, mode: 30, high: 15}",
           "clinical.neonatal_stabilisation"),
    mutate("lognormal p90 below median", "cat1: {dist: lognormal, median: 11, p90: 27}",
           "cat1: {dist: lognormal, median: 11, p90: 5}", "clinical.anaesthesia.cat1"),
    mutate("lognormal over-specified", "cat1: {dist: lognormal, median: 11, p90: 27}",
           "cat1: {dist: lognormal, median: 11, p90: 27, mean: 3, sd: 1}", "clinical.anaesthesia.cat1"),
    mutate("exponential with zero mean", "  consultation: {dist: triangular, low: 10, mode: 20, high: 45}",
           "  consultation: {dist: exponential, mean: 0}", "clinical.consultation.mean"),
    mutate("gamma giving impossible draws", "  incision_to_delivery: {dist: gamma, mean: 4.1, sd: 0.45}",
           "  incision_to_delivery: {dist: gamma, mean: 1e-300, sd: 1e300}", "clinical.incision_to_delivery"),
    mutate("lognormal giving astronomical draws", "  nicu_stay: {dist: lognormal, median: 10080, p90: 30240}",
           "  nicu_stay: {dist: lognormal, median: 10080, p90: 1e300}", "clinical.nicu_stay"),
    mutate("empirical without values", "  closure: {dist: lognormal, mean: 38, sd: 14}",
           "  closure: {dist: empirical, values: []}", "clinical.closure.values"),
    # --- references to things that do not exist
    mutate("team role no hospital staffs", "    technician: 1\n", "    technician: 1\n    midwife: 1\n",
           "team.composition.midwife", line_offset=1, says=("midwife",)),
    mutate("unknown team home", "  home: NHOG", "  home: NHOGX", "team.home", says=("NHOGX",)),
    mutate("unknown host hospital", "hosts: {CLH: 0.5, HHH: 0.25, NHTD: 0.25}",
           "hosts: {CLH: 0.5, HHH: 0.25, ZZZ: 0.25}", "demand.outreach.hosts.ZZZ", says=("ZZZ",)),
    raw("host with no travel route", edit("  CLH:\n", "  XH: {name: Extra, staff: {intensivist: {day: 1, night: 1, "
        "weekend: 1}}}\n  CLH:\n", edit("hosts: {CLH: 0.5,", "hosts: {XH: 0.1, CLH: 0.5,")[0])[0],
        key="demand.outreach.hosts.XH", line=line_of(BASE, "hosts: {CLH") + 1, says=("route",)),
    mutate("unknown urgency", "planned: outreach}", "planned: outreach, cat9: outreach}",
           "policies.pathway.cat9", says=("cat9",)),
    mutate("equipment the home hospital lacks", "  equipment: {transport_incubator: 1, outreach_kit: 1}",
           "  equipment: {transport_incubator: 1, outreach_kit: 1, drone: 1}", "team.equipment.drone"),
    mutate("divert to an unknown hospital", "  divert_to: null", "  divert_to: XYZ", "policies.divert_to"),
    mutate("on-call staff without a call-in time", "      intensivist: {day: 2, night: 1, weekend: 1}   "
           "# ASSUMPTION: senior", "      intensivist: {day: 2, night: 1, weekend: 1, on_call: 1}   # senior",
           "hospitals.CLH.staff.intensivist", says=("call_in",)),
    # --- extends
    variant("extends a missing file", {"variant.yaml": "extends: nothere.yaml\nname: v\n"}, "extends", line=1,
            says=("nothere.yaml",)),
    variant("extends cycle", {"variant.yaml": "extends: other.yaml\nname: v\n",
                              "other.yaml": "extends: variant.yaml\nname: o\n"}, "extends", says=("cycle",)),
    variant("extends itself", {"variant.yaml": "extends: variant.yaml\nname: v\n"}, "extends", says=("cycle",)),
    variant("extends is not a file name", {"variant.yaml": "extends: [a.yaml, b.yaml]\nname: v\n"}, "extends",
            line=1),
    variant("extends a folder", {"variant.yaml": "extends: .\nname: v\n"}, None, says=("folder",)),
    variant("extends a broken base", {"variant.yaml": "extends: base2.yaml\nname: v\n",
                                      "base2.yaml": "extends: baseline.yaml\nrun: {horizon_dayz: 3}\n"},
            "run.horizon_dayz", line=2, blame="base2.yaml"),
    variant("variant with a bad value", {"variant.yaml": "extends: baseline.yaml\nname: v\n"
                                         "hospitals:\n  NHOG:\n    icu_beds: -1\n"},
            "hospitals.NHOG.icu_beds", line=5),
    # --- ids: parts of --set key paths, KPI, file and figure names (issue 15)
    mutate("hospital id with a dot", "  CLH:\n", "  St.Mary: {name: St Mary}\n  CLH:\n", "hospitals.St.Mary",
           says=("letters, digits",)),
    mutate("staff role with a space", "      technician:           {day: 2,",
           '      "lab technician":     {day: 2,', "hospitals.NHOG.staff.lab technician", says=("letters, digits",)),
    mutate("equipment id with a slash", "  equipment: {transport_incubator: 1, outreach_kit: 1}",
           "  equipment: {transport_incubator: 1, outreach_kit: 1, kit/2: 1}", "team.equipment.kit/2",
           says=("letters, digits",)),
    mutate("team id with a slash", "  incubator: transport_incubator",
           "  id: night/team\n  incubator: transport_incubator", "team.id", says=("letters, digits",)),
    mutate("urgency id with a dot", "  planned: {target_min: 1440,", '  "planned.24h": {target_min: 1440,',
           "urgency.planned.24h", says=("letters, digits",)),
    mutate("cost label with a dot", "  fixed_per_year: {}", '  fixed_per_year: {"kit v1.2": 5}',
           "costs.fixed_per_year.kit v1.2", says=("no '.'",)),
    mutate("cost label with a line break", "  fixed_per_year: {}", '  fixed_per_year: {"kit\\nbox": 5}', None,
           says=("line break",)),
    # --- text that would rewrite the terminal
    mutate("carriage return in the name", "name: baseline", 'name: "baseline\\rok: other.yaml"', "name",
           says=("carriage return",)),
    mutate("bidi override in a hospital name", "    name: Central Lung Hospital", '    name: "Central \\u202eLung"',
           "hospitals.CLH.name", says=("U+202E",)),
    mutate("line break in a label", 'label: "Category 1 (immediate threat to life)"', 'label: "Category 1\\nimmediate"',
           "urgency.cat1.label", says=("line break",)),
    mutate("tab in a source", '  demand.outreach.hosts: "Assumption"', '  demand.outreach.hosts: "Assump\\ttion"',
           "sources.demand.outreach.hosts", says=("tab",)),
    variant("carriage return in the description", {"variant.yaml": 'extends: baseline.yaml\ndescription: "a\\r\\nb"\n'},
            "description", line=2, says=("carriage return",)),
    # --- numbers that overflow once added up or normalised
    mutate("hourly profile summing to infinity", "    rate_per_day: 8 ",
           "    rate_per_day: 8\n    hourly_profile: [" + ", ".join(["1e307"] * 24) + "]",
           "demand.home_emergency.hourly_profile", line_offset=1, says=("sum",)),
    mutate("weekday profile overflowing when normalised", "    rate_per_day: 8 ",
           "    rate_per_day: 8\n    weekday_profile: [1e308, 0, 0, 0, 0, 0, 0]",
           "demand.home_emergency.weekday_profile", line_offset=1, says=("too large",)),
    mutate("host weights summing to infinity", "hosts: {CLH: 0.5, HHH: 0.25, NHTD: 0.25}",
           "hosts: {CLH: 1e308, HHH: 1e308, NHTD: 1e308}", "demand.outreach.hosts", says=("sum",)),
    mutate("severity mix of zeros", "severity_mix: {low: 0.5, high: 0.5}", "severity_mix: {low: 0, high: 0}",
           "demand.outreach.severity_mix", says=("positive",)),
    # --- implausible clinical values
    mutate("gestation beyond 44 weeks", "gestation_weeks: {dist: triangular, low: 28, mode: 34, high: 37}",
           "gestation_weeks: {dist: triangular, low: 28, mode: 34, high: 47}", "demand.outreach.gestation_weeks",
           says=("22-44",)),
    mutate("gestational band bound beyond 50 weeks", "{below_weeks: 50, probability: 0.08}",
           "{below_weeks: 60, probability: 0.08}",
           "demand.home_emergency.nicu_probability_by_gestation.2.below_weeks", says=("plausible range",)),
    mutate("implausible birth weight spread", "  birth_weight_sd_g: 380 ", "  birth_weight_sd_g: 3 ",
           "clinical.birth_weight_sd_g", says=("plausible range",)),
    mutate("time limit beyond a year", "  nicu_wait_limit_min: 30 ", "  nicu_wait_limit_min: 600000 ",
           "policies.nicu_wait_limit_min", says=("plausible range",)),
    mutate("duration beyond a year", "  restock: {dist: triangular, low: 60, mode: 90, high: 180}",
           "  restock: {dist: fixed, value: 1000000}", "team.restock", says=("year",)),
    # --- oversized documents, refused before the schema reads them
    raw("too many values", BASE + "padding: [" + ", ".join(["0"] * 51_000) + "]\n", says=("too large",)),
    variant("extends chain too deep", {"variant.yaml": "extends: v1.yaml\n",
                                       **{f"v{i}.yaml": f"extends: v{i + 1}.yaml\n" for i in range(1, 22)},
                                       "v22.yaml": "extends: baseline.yaml\n"}, "extends", says=("deep",),
            blame=".yaml"),
    # --- bad --set
    with_set("--set without '='", "run.horizon_days", "run.horizon_days", says=("KEY=VALUE",)),
    with_set("--set of an unknown key", "run.horizon=3", "run.horizon"),
    with_set("--set of the wrong type", "hospitals.NHOG.ambulances=lots", "hospitals.NHOG.ambulances"),
    with_set("--set with invalid YAML", "name=[unclosed", "name"),
    with_set("--set with an empty key part", "run..seed=3", "run..seed"),
    with_set("--set below a scalar", "name.first=x", "name.first"),
    with_set("--set of an impossible value", "clinical.deterioration_rate_per_hour.cat2=-1",
             "clinical.deterioration_rate_per_hour.cat2"),
    with_set("--set smuggling a tag", "name=!!python/object/apply:os.system ['echo HACKED']", "name",
             says=("tag",)),
]


def run_bad(case: Bad, folder: Path) -> tuple[int, str, Path]:
    """Write the case, run ``ihsim run`` on it; returns (exit code, output, scenario path)."""
    path = case.write(folder)
    out = folder / "res"
    result = CliRunner().invoke(cli, ["run", str(path), "--out", str(out), "-n", "1", *case.args])
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit), (
        f"uncaught {result.exception!r}")
    return result.exit_code, result.output, path


@pytest.mark.parametrize("case", CASES, ids=[c.kind for c in CASES])
def test_bad_input_is_refused_cleanly(case: Bad, tmp_path: Path) -> None:
    code, output, _ = run_bad(case, tmp_path)
    assert code == 2, output
    assert "Traceback" not in output
    assert case.blame in output, output
    if case.key is not None:
        assert f"[{case.key}]" in output, output
    if case.line is not None:
        line = r"\d+" if case.line == ANY else str(case.line)
        assert re.search(rf"{re.escape(case.blame)}:{line}\b", output), output
    for word in case.says:
        assert word.lower() in output.lower(), output
    assert not (tmp_path / "res").exists()
    assert not (tmp_path / "res.partial").exists()
    assert "HACKED" not in output


def test_catalogue_covers_at_least_thirty_kinds() -> None:
    assert len({c.kind for c in CASES}) == len(CASES) >= 30


@pytest.mark.parametrize("args", [["-n", "0"], ["--workers", "0"], ["--engine", "cloud"], ["--precision", "2"],
                                  ["--seed", "-1"], ["--no-such-option"]])
def test_bad_command_line_options_exit_2(args: list[str], tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "--out", str(tmp_path / "r"), *args])
    assert result.exit_code == 2, result.output
    assert not (tmp_path / "r").exists()
    assert not (tmp_path / "r.partial").exists()


@pytest.mark.parametrize("kind", ["python object tag", "duplicate key", "non-UTF-8 bytes", "extends cycle"])
def test_real_process_prints_no_traceback(kind: str, tmp_path: Path) -> None:
    case = next(c for c in CASES if c.kind == kind)
    path = case.write(tmp_path)
    done = subprocess.run([sys.executable, "-m", "sim", "run", str(path), "--out", str(tmp_path / "res")],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert "error" in done.stderr
    assert not (tmp_path / "res").exists()
    assert not (tmp_path / "res.partial").exists()


def test_validate_lists_every_problem_of_a_file(tmp_path: Path) -> None:
    text, _ = edit("    icu_beds: 6 ", "    icu_beds: -1 ")
    text, _ = edit("  horizon_days: 365", "  horizon_days: 0", text)
    path = tmp_path / "two.yaml"
    path.write_text(text, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 2
    assert "[hospitals.NHOG.icu_beds]" in result.output
    assert "[run.horizon_days]" in result.output
