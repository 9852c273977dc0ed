"""Intervals that never claim more than the data hold: exact binomial floors for shares of cases, and
bounds cut to the values a KPI can take, in summary.csv itself."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim import store
from sim.analysis.kpis import share_counts
from sim.analysis.stats import exact_share_ci, pooled_shares, summarise
from tests.conftest import SCENARIOS


def test_two_of_two_within_target_over_three_replications_is_not_100_to_100() -> None:
    """Replications 0 and 1 had one case each, within target; replication 2 had none.  The t interval
    over replications is 100-100; Clopper-Pearson for 2/2 has lower end (alpha/2)^(1/n) = 0.025^0.5."""
    reps = pd.DataFrame({"replication": [0, 1, 2], "ddi_within_target_pct": [100.0, 100.0, math.nan]})
    row = summarise(reps, shares={"ddi_within_target_pct": (2, 2)}).iloc[0]
    assert row["ci_low"] == pytest.approx(100 * 0.025 ** 0.5, abs=1e-9)  # 15.81%
    assert row["ci_low"] < 50
    assert row["ci_high"] == 100
    assert (row["successes"], row["trials"]) == (2, 2)
    assert not bool(row["precision_met"])


@pytest.mark.parametrize(("k", "n"), [(0, 5), (3, 7), (40, 50)])
def test_exact_interval_matches_the_beta_quantiles(k: int, n: int) -> None:
    """Clopper-Pearson bounds are Beta quantiles: Beta(k, n-k+1) at alpha/2 and Beta(k+1, n-k) at 1-alpha/2."""
    low = stats.beta.ppf(0.025, k, n - k + 1) if k else 0.0
    high = stats.beta.ppf(0.975, k + 1, n - k) if k < n else 1.0
    assert exact_share_ci(k, n) == pytest.approx((100 * low, 100 * high), abs=1e-9)


def test_a_share_interval_is_the_union_of_t_and_exact() -> None:
    values = np.array([60.0, 80.0, 70.0, 90.0])
    reps = pd.DataFrame({"replication": range(4), "ddi_within_target_pct": values})
    t_low, t_high = stats.t.interval(0.95, 3, loc=values.mean(), scale=values.std(ddof=1) / 2)
    cp_low, cp_high = exact_share_ci(30, 40)
    row = summarise(reps, shares={"ddi_within_target_pct": (30, 40)}).iloc[0]
    assert row["ci_low"] == pytest.approx(min(t_low, cp_low))
    assert row["ci_high"] == pytest.approx(min(100.0, max(t_high, cp_high)))


def test_bounds_are_cut_to_possible_values_and_the_summary_says_so() -> None:
    reps = pd.DataFrame({"replication": range(3), "host_starts": [0.0, 0.0, 5.0],
                         "utilisation_NHOG_operating_room": [0.2, 0.25, 0.3]})
    rows = summarise(reps).set_index("kpi")
    t_low = stats.t.interval(0.95, 2, loc=5 / 3, scale=np.std([0, 0, 5], ddof=1) / math.sqrt(3))[0]
    assert t_low < 0
    assert rows.loc["host_starts", "ci_low"] == 0
    assert bool(rows.loc["host_starts", "ci_clipped"])
    assert not bool(rows.loc["utilisation_NHOG_operating_room", "ci_clipped"])


def test_pooled_counts_come_from_the_cases_the_kpi_counts() -> None:
    cases = pd.DataFrame({
        "case_type": ["outreach", "outreach", "outreach", "home", "outreach"],
        "urgency": ["cat1", "cat2", "cat1", "cat1", "cat1"],
        "within_target": [True, False, None, True, True],
        "case_created_min": [100.0, 200.0, 300.0, 400.0, 10.0],  # the last is in the warm-up
    })
    counts = share_counts(cases, ["cat1", "cat2"], warmup_min=50).set_index("kpi")
    assert tuple(counts.loc["ddi_within_target_pct"]) == (1, 2)
    assert tuple(counts.loc["ddi_within_target_pct_cat1"]) == (1, 1)
    assert tuple(counts.loc["home_ddi_within_target_pct"]) == (1, 1)
    parts = pd.concat([counts.reset_index().assign(replication=r) for r in range(3)])
    assert pooled_shares(parts)["ddi_within_target_pct_cat2"] == (0, 3)


def test_a_run_reports_the_pooled_counts_and_their_exact_interval(tmp_path) -> None:
    """One scripted case per replication, two replications: at most 2 of 2 within target."""
    from click.testing import CliRunner

    from sim.cli import cli

    script = ("demand.outreach.scripted=[{time_min: 600, host: HHH, urgency: cat2, gestation_weeks: 33}]")
    out = tmp_path / "r"
    done = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "-n", "2", "--out", str(out),
                                    "--set", "run.horizon_days=2", "--set", "run.warmup_days=0",
                                    "--set", "demand.outreach.rate_per_day=0", "--set", script])
    assert done.exit_code == 0, done.output
    cases = store.read_table(out, "cases")
    flags = cases.loc[cases["case_type"] == "outreach", "within_target"].dropna().astype(bool)
    row = store.read_table(out, "summary").set_index("kpi").loc["ddi_within_target_pct"]
    assert (row["successes"], row["trials"]) == (flags.sum(), len(flags)) == (flags.sum(), 2)
    low, high = exact_share_ci(int(flags.sum()), 2)
    assert row["ci_low"] <= low + 1e-9
    assert row["ci_high"] >= high - 1e-9
    assert row["ci_high"] - row["ci_low"] > 50


def test_a_share_known_only_by_its_case_values_gets_the_exact_floor_too():
    """Per-pathway and over-target shares have no counts apart; their 100-or-0 case values give them."""
    import pandas as pd

    from sim.analysis.stats import share_counts_of, summarise

    values = pd.Series([100.0, 100.0, float("nan")])
    assert share_counts_of("ddi_within_target_pct_cat1_outreach", values) == (2, 2)
    assert share_counts_of("decision_to_delivery_min_cat1", values) is None
    reps = pd.DataFrame({"replication": [0, 1, 2], "ddi_over_target_pct_cat1": [100.0, 100.0, float("nan")]})
    row = summarise(reps, {"ddi_over_target_pct_cat1": values}).iloc[0]
    assert row["ci_low"] < 50.0  # Clopper-Pearson for 2 of 2: 0.025 ** (1 / 2) = 15.8%
    assert row["ci_low"] == pytest.approx(100 * 0.025 ** 0.5, abs=0.05)
