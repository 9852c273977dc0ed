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
