"""The regression rules: Holm, Welch and the verdicts, checked by hand and by simulation."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.regress import (
    Rule,
    exact_mode,
    exact_verdicts,
    holm,
    paired_p,
    regressions,
    statistical_verdicts,
    table_differences,
    welch_p,
)


def test_holm_matches_a_hand_calculation():
    # sorted 0.005, 0.01, 0.03, 0.04 -> 4*0.005, 3*0.01, 2*0.03, max(1*0.04, 0.06)
    assert holm(np.array([0.01, 0.04, 0.03, 0.005])) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm(np.array([0.5, 0.9])) == pytest.approx([1.0, 1.0])


def test_welch_p_matches_the_formula():
    rng = np.random.default_rng(5)
    x, y = rng.normal(0, 1, 12), rng.normal(0.8, 2, 9)
    vx, vy = x.var(ddof=1) / len(x), y.var(ddof=1) / len(y)
    t = (y.mean() - x.mean()) / math.sqrt(vx + vy)
    df = (vx + vy) ** 2 / (vx**2 / (len(x) - 1) + vy**2 / (len(y) - 1))
    assert welch_p(x, y) == pytest.approx(2 * stats.t.sf(abs(t), df))


def test_paired_p_matches_the_formula_on_differences():
    rng = np.random.default_rng(9)
    x = rng.normal(50, 10, 15)
    y = x + rng.normal(0.5, 1, 15)
    d = y - x
    t = d.mean() / (d.std(ddof=1) / math.sqrt(len(d)))
    assert paired_p(x, y) == pytest.approx(2 * stats.t.sf(abs(t), len(d) - 1))
    assert paired_p(x, x.copy()) == 1.0
    assert paired_p(x, x + 1) == 0.0


def test_pairing_by_replication_finds_a_change_welch_misses():
    rng = np.random.default_rng(10)
    shared = rng.normal(100, 15, 8)  # common random numbers: both runs see the same luck
    base = pd.DataFrame({"replication": range(8), "x_min": shared})
    cand = pd.DataFrame({"replication": range(8), "x_min": shared * 1.08 + rng.normal(0, 0.5, 8)})
    assert statistical_verdicts(base, cand).iloc[0]["verdict"] == "ok"
    paired = statistical_verdicts(base, cand, paired=True).iloc[0]
    assert paired["verdict"] == "regressed"
    assert paired["test"] == "paired t"


def test_constant_samples_are_equal_or_different_without_a_warning():
    assert welch_p(np.array([2.0, 2.0]), np.array([2.0, 2.0, 2.0])) == 1.0
    assert welch_p(np.array([2.0, 2.0]), np.array([3.0, 3.0])) == 0.0
    assert math.isnan(welch_p(np.array([1.0]), np.array([1.0, 2.0])))


def _reps(rng: np.random.Generator, shift: float = 0.0, n: int = 20) -> pd.DataFrame:
    return pd.DataFrame({"replication": range(n), "ddi_min": rng.normal(100 * (1 + shift), 5, n),
                         "util": rng.normal(0.5, 0.02, n), "rare_min": [np.nan] * (n - 1) + [3.0]})


def test_a_real_change_regresses_and_noise_does_not():
    rng = np.random.default_rng(6)
    base = _reps(rng)
    same = statistical_verdicts(base, _reps(rng))
    assert set(same["verdict"]) == {"ok", "not tested"}
    worse = statistical_verdicts(base, _reps(rng, shift=0.2))
    assert worse.set_index("kpi").loc["ddi_min", "verdict"] == "regressed"
    assert regressions(worse) == 1


def test_a_significant_change_below_the_tolerance_is_not_a_regression():
    rng = np.random.default_rng(7)
    base = pd.DataFrame({"replication": range(50), "x_min": rng.normal(100, 0.1, 50)})
    cand = pd.DataFrame({"replication": range(50), "x_min": rng.normal(101, 0.1, 50)})  # 1% change, p ~ 0
    row = statistical_verdicts(base, cand, Rule(rel_tolerance=0.05)).iloc[0]
    assert row["p_holm"] < 1e-6
    assert row["verdict"] == "ok"
    assert statistical_verdicts(base, cand, Rule(rel_tolerance=0.005)).iloc[0]["verdict"] == "regressed"


def test_missing_kpi_regresses_and_a_new_one_does_not():
    base = pd.DataFrame({"replication": [0, 1], "a": [1.0, 2.0], "b": [1.0, 1.0]})
    cand = pd.DataFrame({"replication": [0, 1], "a": [1.0, 2.0], "c": [5.0, 5.0]})
    v = statistical_verdicts(base, cand).set_index("kpi")["verdict"]
    assert v.to_dict() == {"a": "ok", "b": "missing", "c": "new"}


def test_false_alarm_rate_stays_under_alpha():
    """250 checks of two independent samples from one distribution, 8 KPIs each: Holm keeps the
    family-wise false-alarm rate at or under alpha (here with a binomial margin of 3 sd)."""
    rng = np.random.default_rng(8)
    alpha, trials, alarms = 0.05, 250, 0
    for _ in range(trials):
        frames = [pd.DataFrame({"replication": range(20), **{f"k{j}": rng.gamma(4, 25, 20) for j in range(8)}})
                  for _ in range(2)]
        alarms += regressions(statistical_verdicts(*frames, Rule(alpha=alpha, rel_tolerance=0.0))) > 0
    assert alarms / trials <= alpha + 3 * math.sqrt(alpha * (1 - alpha) / trials)


def test_exact_mode_needs_same_hash_seed_count_and_versions():
    m = {"scenario_sha256": "a", "seed": 1, "replications": 5, "ihsim_version": "0.1", "versions": {"numpy": "2"}}
    assert exact_mode(m, dict(m)) == (True, [])
    ok, reasons = exact_mode(m, {**m, "seed": 2, "versions": {"numpy": "3"}})
    assert not ok
    assert reasons == ["seed: 1 vs 2", "numpy: 2 vs 3"]


def test_exact_verdicts_and_table_differences_name_what_differs():
    a = pd.DataFrame({"replication": [0, 1], "x": [1.0, np.nan], "y": [2.0, 3.0]})
    b = pd.DataFrame({"replication": [0, 1], "x": [1.0, np.nan], "y": [2.0, 3.5]})
    v = exact_verdicts(a, b).set_index("kpi")["verdict"]
    assert v.to_dict() == {"x": "identical", "y": "differs"}
    assert table_differences("replications", a, a.copy()) == []
    assert table_differences("replications", a, b) == [
        "replications.y: 1 of 2 values differ (first at row 1: 3.0 vs 3.5)"]


def test_a_kpi_with_values_in_the_baseline_and_none_in_the_candidate_vanished():
    base = pd.DataFrame({"replication": range(4), "decision_to_delivery_min": [50.0, 60.0, 55.0, 52.0],
                         "outreach_cases": [3.0, 4.0, 3.0, 5.0], "nicu_surges": [np.nan] * 4})
    cand = base.assign(decision_to_delivery_min=np.nan)
    for paired in (True, False):
        table = statistical_verdicts(base, cand, Rule(), paired=paired).set_index("kpi")
        assert table.loc["decision_to_delivery_min", "verdict"] == "vanished"
        assert table.loc["nicu_surges", "verdict"] == "not tested"  # no values on either side: nothing lost
        assert regressions(table.reset_index()) == 1


def test_a_rare_kpi_missing_from_the_candidate_by_luck_is_not_a_regression():
    """Values in 2 of 8 baseline replications: none in 8 candidate ones has chance (6/8)^8 = 0.10 > alpha."""
    rare = [np.nan] * 6 + [40.0, 60.0]
    base = pd.DataFrame({"replication": range(8), "decision_to_delivery_min_cat2": rare})
    cand = base.assign(decision_to_delivery_min_cat2=np.nan)
    assert (6 / 8) ** 8 > 0.05
    table = statistical_verdicts(base, cand, Rule())
    assert list(table["verdict"]) == ["not tested"]
    often = base.assign(decision_to_delivery_min_cat2=[np.nan] * 2 + [50.0] * 6)  # (2/8)^8: not luck
    assert list(statistical_verdicts(often, cand, Rule())["verdict"]) == ["vanished"]


@pytest.mark.parametrize(("n", "paired"), [(10, True), (6, True), (12, False)])
def test_minimum_detectable_difference_has_80_percent_power_by_simulation(n, paired):
    """Simulate the test at the reported difference: it rejects in about 80% of 20,000 trials."""
    from sim.analysis.regress import detectable_difference

    rng = np.random.default_rng(n)
    sd = 2.0
    if paired:
        se, df = sd / math.sqrt(n), n - 1
    else:
        se, df = sd * math.sqrt(2 / n), 2 * n - 2  # equal sds and n: Welch's df is 2n - 2
    mdd = detectable_difference(se, df, 0.05)
    trials = 20_000
    if paired:
        d = rng.normal(mdd, sd, (trials, n))
        t = d.mean(axis=1) / (d.std(axis=1, ddof=1) / math.sqrt(n))
    else:
        x, y = rng.normal(0, sd, (trials, n)), rng.normal(mdd, sd, (trials, n))
        s = np.sqrt(x.var(axis=1, ddof=1) / n + y.var(axis=1, ddof=1) / n)
        t = (y.mean(axis=1) - x.mean(axis=1)) / s
    power = np.mean(np.abs(t) > stats.t.ppf(0.975, df))
    assert power == pytest.approx(0.80, abs=0.015)


def test_minimum_detectable_difference_tends_to_the_normal_formula():
    """With many degrees of freedom: (z(1 - alpha/2) + z(power)) * se = 2.8016 se at alpha 0.05, power 0.8."""
    from sim.analysis.regress import detectable_difference

    z = stats.norm.ppf(0.975) + stats.norm.ppf(0.8)
    assert detectable_difference(1.0, 1e7, 0.05) == pytest.approx(z, rel=1e-4)
    assert detectable_difference(0.0, 9, 0.05) == 0
    assert math.isnan(detectable_difference(math.nan, 9, 0.05))


def test_verdicts_report_the_detectable_difference_at_holms_first_level():
    """m tested KPIs: a lone change must pass alpha/m, so the detectable difference is taken there."""
    from sim.analysis.regress import detectable_difference

    rng = np.random.default_rng(3)
    base = pd.DataFrame({"replication": range(8), **{f"k{i}_min": rng.normal(50, 4, 8) for i in range(5)}})
    cand = base.assign(**{f"k{i}_min": base[f"k{i}_min"] + rng.normal(0, 1, 8) for i in range(5)})
    table = statistical_verdicts(base, cand, Rule(alpha=0.05), paired=True).set_index("kpi")
    d = cand["k0_min"] - base["k0_min"]
    expected = detectable_difference(d.std(ddof=1) / math.sqrt(8), 7, 0.05 / 5)
    assert table.loc["k0_min", "detectable"] == pytest.approx(expected)
    assert expected > detectable_difference(d.std(ddof=1) / math.sqrt(8), 7, 0.05)
