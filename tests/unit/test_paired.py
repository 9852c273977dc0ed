"""Paired differences: checked against a hand calculation of the t interval and of Welch's interval."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.paired import differences, paired_difference, unpaired_interval, verdict


def test_paired_interval_matches_hand_calculation():
    rng = np.random.default_rng(11)
    x = rng.normal(60, 5, 25)
    y = x + rng.normal(-3, 1, 25)
    d = y - x
    half = stats.t.ppf(0.975, len(d) - 1) * d.std(ddof=1) / math.sqrt(len(d))
    p = paired_difference(x, y)
    assert p.diff_mean == pytest.approx(d.mean())
    assert p.diff_ci_low == pytest.approx(d.mean() - half)
    assert p.diff_ci_high == pytest.approx(d.mean() + half)


def test_unpaired_interval_is_welchs():
    rng = np.random.default_rng(12)
    x, y = rng.normal(10, 2, 20), rng.normal(12, 4, 15)
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    half = stats.t.ppf(0.975, df) * math.sqrt(vx + vy)
    low, high = unpaired_interval(x, y)
    assert low == pytest.approx(y.mean() - x.mean() - half)
    assert high == pytest.approx(y.mean() - x.mean() + half)


def test_identical_samples_give_an_exact_zero_of_zero_width():
    x = np.array([3.0, np.nan, 5.0, 8.0])
    p = paired_difference(x, x.copy())
    assert (p.n_pairs, p.diff_mean, p.diff_ci_low, p.diff_ci_high) == (3, 0.0, 0.0, 0.0)


def test_pairs_with_a_missing_value_are_left_out():
    x = np.array([1.0, 2.0, np.nan, 4.0])
    y = np.array([2.0, np.nan, 5.0, 6.0])
    p = paired_difference(x, y)
    assert p.n_pairs == 2
    assert p.diff_mean == pytest.approx(1.5)
    assert p.baseline_mean == pytest.approx(2.5)


def test_paired_interval_is_narrower_than_unpaired_when_runs_share_noise():
    rng = np.random.default_rng(13)
    shared = rng.normal(100, 20, 30)
    base = pd.DataFrame({"replication": range(30), "decision_to_delivery_min": shared + rng.normal(0, 1, 30)})
    other = pd.DataFrame({"replication": range(30), "decision_to_delivery_min": shared - 5 + rng.normal(0, 1, 30)})
    row = differences(base, other, "faster").iloc[0]
    assert row["paired_half_width"] < row["unpaired_half_width"] / 5
    assert row["significant"]
    assert row["verdict"].startswith(
        "faster shortens mean decision-to-delivery interval (outreach, all urgencies mixed) by ")


def test_differences_of_a_table_with_itself_are_all_exactly_zero():
    rng = np.random.default_rng(14)
    reps = pd.DataFrame({"replication": range(6), "a_min": rng.normal(size=6), "b_pct": rng.uniform(size=6),
                         "empty_min": [np.nan] * 6})
    table = differences(reps, reps.copy(), "same")
    assert list(table["kpi"]) == ["a_min", "b_pct"]  # no pair at all: left out
    assert (table[["diff_mean", "diff_ci_low", "diff_ci_high"]] == 0).all().all()


def test_verdict_quotes_the_reduction_with_positive_bounds():
    from sim.analysis.paired import Paired

    p = Paired(30, 70.0, 63.9, -6.1, -8.0, -4.2, 0.9)
    assert verdict("dedicated-team", "decision_to_delivery_min", p) == (
        "dedicated-team shortens mean decision-to-delivery interval (outreach, all urgencies mixed) by 6.1 min "
        "(95% CI 4.2 to 8.0)")
    unclear = Paired(30, 70.0, 70.3, 0.3, -1.2, 1.8, 0.9)
    assert "no clear difference" in verdict("x", "decision_to_delivery_min", unclear)


def test_forty_kpis_at_once_a_lone_p_of_one_percent_is_not_significant_after_holm():
    """One KPI with a paired p-value near 0.01 among 39 that do not change: unadjusted it would be called
    a difference; Holm multiplies the smallest p by the 40 KPIs tested (then takes the running maximum)."""
    from scipy import stats

    rng = np.random.default_rng(5)
    n = 10
    base = {f"k{i:02d}_min": rng.normal(50, 5, n) for i in range(40)}
    noise = {k: rng.normal(0, 1, n) for k in base}
    other = {k: v + noise[k] - noise[k].mean() for k, v in base.items()}  # 39 KPIs with mean difference 0: p = 1
    d = rng.normal(0, 1, n)
    d = (d - d.mean()) / d.std(ddof=1)  # mean 0, sd 1: add a shift giving t = 3.17 (p ~ 0.011 with 9 df)
    shift = 3.17 / np.sqrt(n)
    other["k00_min"] = base["k00_min"] + d + shift
    b = pd.DataFrame({"replication": range(n), **base})
    o = pd.DataFrame({"replication": range(n), **other})
    table = differences(b, o, "x").set_index("kpi")
    p = stats.ttest_rel(other["k00_min"], base["k00_min"]).pvalue
    assert 0.005 < p < 0.02
    others = [stats.ttest_rel(other[k], base[k]).pvalue for k in base if k != "k00_min"]
    assert min(others) > 0.99  # so Holm's first step multiplies p by the 40 KPIs tested
    assert table.loc["k00_min", "p_value"] == pytest.approx(p)
    assert table.loc["k00_min", "p_holm"] == pytest.approx(min(1.0, 40 * p))
    assert table.loc["k00_min", "diff_ci_low"] > 0  # the unadjusted interval excludes zero...
    assert not table.loc["k00_min", "significant"]  # ...but not after allowing for 40 tests
    assert "no clear difference" in table.loc["k00_min", "verdict"]
    assert "40 KPIs" in table.loc["k00_min", "verdict"]
