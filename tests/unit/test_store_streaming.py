"""Reading results a part at a time gives the same data as reading whole tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import store
from sim.analysis.kpis import CASE_KPIS
from sim.app import RunOptions, case_values, run_loaded
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=10"])
    out = tmp_path_factory.mktemp("streaming") / "res"
    return run_loaded(scenario, RunOptions(replications=4, seed=3, out=out, progress=False, report=False))


def test_row_groups_concatenate_to_the_whole_table(folder: Path) -> None:
    whole = store.read_table(folder, "cases", ["replication", "case_type", "decision_to_delivery_min"])
    parts = list(store.iter_table(folder, "cases", ["replication", "case_type", "decision_to_delivery_min"]))
    assert len(parts) >= 4
    pd.testing.assert_frame_equal(pd.concat(parts, ignore_index=True), whole)


def test_first_replications_are_exactly_the_rows_of_those_replications(folder: Path) -> None:
    whole = store.read_table(folder, "events")
    first = store.read_replications(folder, "events", 2)
    assert set(first["replication"]) == {0, 1}
    pd.testing.assert_frame_equal(first.reset_index(drop=True),
                                  whole[whole["replication"] < 2].reset_index(drop=True))


def test_streamed_case_values_are_the_pooled_case_values(folder: Path) -> None:
    cases = store.read_table(folder, "cases")
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=10"])
    found = case_values(folder, scenario)
    assert set(CASE_KPIS) <= set(found)
    for kpi, (ctype, column) in CASE_KPIS.items():
        sel = cases[cases["case_type"] == ctype]
        np.testing.assert_array_equal(found[kpi].to_numpy(), sel[column].to_numpy(dtype="float64"))
        np.testing.assert_array_equal(found[kpi].index.to_numpy(), sel["replication"].to_numpy())
    assert len(found["home_decision_to_delivery_min"]) > 20


def test_summary_has_per_urgency_rows_with_case_percentiles_and_shares_per_case(folder: Path) -> None:
    summary = store.read_table(folder, "summary").set_index("kpi")
    cases = store.read_table(folder, "cases")
    for u in ("cat1", "cat2", "planned"):
        assert {f"decision_to_delivery_min_{u}", f"ddi_within_target_pct_{u}", f"ddi_over_target_pct_{u}"} \
            <= set(summary.index)
    for u in ("cat1", "cat2"):
        home = cases[(cases["case_type"] == "home") & (cases["urgency"] == u) & cases["within_target"].notna()]
        row = summary.loc[f"home_decision_to_delivery_min_{u}"]
        assert row["p50"] == pytest.approx(np.percentile(home["decision_to_delivery_min"], 50))
        assert row["p50_low"] <= row["p50"] <= row["p50_high"]
        share = summary.loc[f"home_ddi_within_target_pct_{u}", "per_case"]
        assert share == pytest.approx(100.0 * home["within_target"].astype(bool).mean())  # pooled over cases
        assert f"home_ddi_within_target_pct_{u}_team_away_NHOG" in summary.index
        assert f"home_decision_to_delivery_min_{u}_night_team_home_NHOG" in summary.index
