"""Reading results a part at a time gives the same data as reading whole tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim import store
from sim.analysis import kpis
from sim.analysis.kpis import CASE_KPIS
from sim.app import RunOptions, case_values, run_loaded
from sim.experiment.runner import home_urgencies, run_replications
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


@pytest.fixture(scope="module")
def parts(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Replications' parts as the workers leave them (a finished folder no longer has them)."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=10"])
    out = tmp_path_factory.mktemp("parts")
    run_replications(scenario, 3, 4, out, progress=False)
    return out


def test_stored_case_values_are_those_of_the_stored_cases_table(parts: Path) -> None:
    """The values each replication stores for the summary are the case values of its own cases table."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=10"])
    found = case_values(parts, [0, 1, 2, 3])
    cases = store.read_parts(parts, "cases", [0, 1, 2, 3])
    expected = kpis.case_values(cases, list(scenario.urgency), 0.0, home_urgencies(scenario), list(scenario.outcomes))
    assert list(found) == list(expected)
    for kpi, values in expected.items():
        np.testing.assert_array_equal(found[kpi].to_numpy(), values.to_numpy(dtype="float64"))
        np.testing.assert_array_equal(found[kpi].index.to_numpy(), cases.loc[values.index, "replication"].to_numpy())
    assert any(len(v) == 0 for v in found.values())  # a KPI without a case is kept, with no value


def test_streamed_case_values_are_the_pooled_case_values(parts: Path) -> None:
    cases = store.read_parts(parts, "cases", [0, 1, 2, 3])
    found = case_values(parts, [0, 1, 2, 3])
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


@pytest.mark.parametrize("first_empty", [False, True])
def test_parts_combined_as_they_finish_give_the_file_combined_at_the_end(tmp_path: Path, first_empty: bool) -> None:
    """Replications finish out of order; the file is the one :func:`store.combine_parts` writes, also when the
    first part's schema does not fit the later ones (an all-empty text column has no type yet)."""
    def part(rep: int) -> pd.DataFrame:
        text = [None, None] if first_empty and rep == 0 else [f"a{rep}", "b"]
        return pd.DataFrame({"replication": [rep, rep], "text": text, "value": [rep * 1.5, 2.0]})

    at_end, running = tmp_path / "end", tmp_path / "running"
    for folder in (at_end, running):
        for rep in range(4):
            store.write_part(folder, "t", rep, part(rep))
    store.combine_parts(at_end, "t", [0, 1, 2, 3])
    with store.PartsCombiner(running, ("t",)) as combiner:
        combiner.add([2])
        assert not (running / "t.parquet.tmp").exists()  # replication 0 first
        combiner.add([0, 1])
        combiner.finish(4)
    assert (running / "t.parquet").read_bytes() == (at_end / "t.parquet").read_bytes()
    assert not (running / "t.parquet.tmp").exists()
    assert pd.read_parquet(running / "t.parquet")["replication"].tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
