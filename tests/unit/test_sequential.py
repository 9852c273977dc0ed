"""The next replication count of the sequential procedure and the precision advice."""

from __future__ import annotations

import math

import pandas as pd

from sim.analysis.precision import advice_lines, unmet
from sim.analysis.stats import summarise
from sim.experiment.sequential import next_n


def test_next_n_follows_the_ci_method_but_at_most_doubles():
    assert next_n(10, [14.0, 12.0], 100) == 14
    assert next_n(10, [400.0], 100) == 20
    assert next_n(10, [math.nan], 100) == 11
    assert next_n(60, [400.0], 100) == 100


def test_advice_says_which_kpis_miss_and_how_many_replications_would_do():
    reps = pd.DataFrame({"replication": range(4), "decision_to_delivery_min": [100.0, 101.0, 99.0, 100.0],
                         "ddi_within_target_pct": [10.0, 50.0, 30.0, 70.0]})
    summary = summarise(reps, precision=0.05)
    assert list(unmet(summary)["kpi"]) == ["ddi_within_target_pct"]
    lines = advice_lines(summary, 0.05)
    assert "meets 5%" in lines[0]
    needed = int(summary.set_index("kpi").loc["ddi_within_target_pct", "replications_needed"])
    assert f"about {needed} replications would meet 5%" in lines[1]


def test_kpis_a_scenario_cannot_measure_are_left_out():
    from sim.analysis.kpis import HEADLINE, measurable

    assert measurable(HEADLINE, outreach=True, home=False) == [k for k in HEADLINE if not k.startswith("home_")]
    assert measurable(HEADLINE, outreach=False, home=True) == ["home_decision_to_delivery_min"]
    assert measurable(["ddi_within_target_pct_cat1", "call_ins"], outreach=False, home=True) == ["call_ins"]


def test_a_run_without_home_emergencies_stops_when_the_outreach_kpis_are_precise(tmp_path):
    """No home stream: the home DDI can never have a value.  It is left out, and the run stops once the
    outreach KPIs meet the precision, well before --max-replications (before, it ran to the maximum)."""
    import json

    from click.testing import CliRunner

    from sim.cli import cli
    from tests.conftest import SCENARIOS

    out = tmp_path / "seq"
    done = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "-n", "3", "--max-replications", "30",
                                    "--precision", "0.5", "--out", str(out), "--set", "run.horizon_days=5",
                                    "--set", "demand.home_emergency.rate_per_day=0",
                                    "--set", "demand.outreach.rate_per_day=3"])
    assert done.exit_code == 0, done.output
    seq = json.loads((out / "sequential.json").read_text(encoding="utf-8"))
    assert seq["left_out"] == ["home_decision_to_delivery_min"]
    assert "home_decision_to_delivery_min" not in seq["kpis"]
    assert seq["met"]
    assert seq["replications"] < 30
    assert "left out (this scenario cannot give them values): home_decision_to_delivery_min" in done.output
