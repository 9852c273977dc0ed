"""The committed regression baseline (results/reference/baseline) still describes the model.

The study is named in ``seeds/regression-baseline.json``.  If this test fails
after an intended change, review the printed table, then refresh the
baseline with the command in README "How to regression-check"
(``ihsim regress --update ... --reason "..."``), which records why in
``results/reference/ledger.csv``.
"""

from __future__ import annotations

import json

import pytest

from sim import checks, store
from sim.analysis.regress import Rule
from sim.app import RunOptions, run_loaded
from sim.scenario import load_scenario
from tests.conftest import ROOT

STUDY = json.loads((ROOT / "seeds" / "regression-baseline.json").read_text(encoding="utf-8"))
REFERENCE = ROOT / STUDY["results"]


def test_reference_baseline_is_the_study_its_seed_file_names():
    manifest = store.read_json(REFERENCE)
    assert manifest["seed"] == STUDY["seed"]
    assert manifest["replications"] == STUDY["replications"]
    expected = load_scenario(ROOT / STUDY["scenario"], STUDY["overrides"])
    assert manifest["scenario"]["run"]["horizon_days"] == expected.run.horizon_days
    assert manifest["scenario_name"] == expected.name
    assert len(store.read_table(REFERENCE, "replications")) == STUDY["replications"]
    assert sorted(p.name for p in REFERENCE.iterdir()) == sorted(checks.REFERENCE_FILES)


@pytest.mark.slow
def test_baseline_outputs_have_not_regressed(tmp_path):
    scenario = load_scenario(ROOT / STUDY["scenario"], STUDY["overrides"])
    out = run_loaded(scenario, RunOptions(replications=STUDY["replications"], seed=STUDY["seed"],
                                          out=tmp_path / "candidate", progress=False, report=False))
    report = checks.regress(REFERENCE, out, Rule())
    detail = "\n".join([f"mode: {report.mode} {report.reasons}", *checks.format_verdicts(report),
                        *report.table_diffs])
    assert report.regressions == 0, detail
