"""Case-pooled percentiles and shares with bootstrap intervals over replications, against scipy directly."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis.pooled import BOOTSTRAP_SEED, pooled_intervals
from sim.analysis.stats import summarise


def _values(groups: list[list[float]]) -> pd.Series:
    return pd.Series(np.concatenate(groups), index=np.repeat(np.arange(len(groups)), [len(g) for g in groups]))


GROUPS = [[10.0, 12.0, 30.0], [11.0, 50.0], [9.0, 14.0, 15.0, 80.0], [20.0], [13.0, 13.0, 40.0]]


def test_intervals_are_a_percentile_bootstrap_that_resamples_whole_replications() -> None:
    def pooled(idx: np.ndarray) -> tuple[float, float, float]:  # the plain definition, one resample at a time
        x = np.concatenate([GROUPS[i] for i in idx])
        return (float(np.quantile(x, 0.5, method="inverted_cdf")), float(np.quantile(x, 0.9, method="inverted_cdf")),
                float(x.mean()))

    expected = stats.bootstrap((np.arange(len(GROUPS)),), pooled, vectorized=False, n_resamples=999, batch=100,
                               method="percentile", rng=np.random.default_rng(BOOTSTRAP_SEED))
    found = pooled_intervals(_values(GROUPS))
    low, high = expected.confidence_interval
    assert [found["p50_low"], found["p90_low"], found["per_case_low"]] == pytest.approx(list(low))
    assert [found["p50_high"], found["p90_high"], found["per_case_high"]] == pytest.approx(list(high))
    assert found["per_case"] == pytest.approx(np.mean(np.concatenate(GROUPS)))


def test_share_per_case_pools_cases_not_replication_shares() -> None:
    """Replication 0: 1 of 1 within; replication 1: 1 of 3.  Per case 2/4 = 50%; mean of shares 66.7%."""
    shares = _values([[100.0], [100.0, 0.0, 0.0]])
    summary = summarise(pd.DataFrame({"replication": [0, 1], "ddi_within_target_pct_cat1": [100.0, 100 / 3]}),
                        {"ddi_within_target_pct_cat1": shares})
    row = summary.iloc[0]
    assert row["per_case"] == pytest.approx(50.0)
    assert row["mean"] == pytest.approx(200 / 3)
    assert math.isnan(row["p50"])  # a share's cases are 0 or 100: no percentiles
    assert math.isnan(row["p50_low"])
    assert 0.0 <= row["per_case_low"] <= 50.0 <= row["per_case_high"] <= 100.0


def test_one_replication_gives_a_value_but_no_interval() -> None:
    found = pooled_intervals(_values([[1.0, 2.0, 3.0]]))
    assert found["per_case"] == pytest.approx(2.0)
    assert math.isnan(found["p50_low"])
    assert math.isnan(found["per_case_high"])


def test_a_share_from_few_cases_is_never_narrower_than_the_exact_binomial_interval() -> None:
    """2 of 2 cases within target (in 1 replication, then spread over 2): 95% Clopper-Pearson 15.8% to 100%."""
    exact = stats.binomtest(2, 2).proportion_ci(0.95, method="exact")
    for groups in ([[100.0, 100.0]], [[100.0], [100.0]]):
        found = pooled_intervals(_values(groups), percentiles=False)
        assert found["per_case"] == 100.0
        assert found["per_case_low"] <= 100 * exact.low + 1e-9
        assert found["per_case_low"] < 50.0
        assert found["per_case_high"] == pytest.approx(100.0)
