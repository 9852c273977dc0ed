"""MSER-5 on series with a known transient, and the series built from an event log."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis.warmup import _bin_average, case_series, mser, pool_busy_series


def test_mser5_finds_a_step_transient():
    """60 observations 5 units too high, then stationary noise: truncate at 60 (one batch either side)."""
    rng = np.random.default_rng(21)
    series = np.concatenate([5 + rng.normal(0, 1, 60), rng.normal(0, 1, 440)])
    result = mser(series)
    assert 55 <= result.truncate_obs <= 65
    assert result.reliable


def test_mser5_finds_an_exponential_transient_where_the_bias_falls_below_the_noise():
    rng = np.random.default_rng(22)
    t = np.arange(1000)
    series = 20 * np.exp(-t / 40) + rng.normal(0, 1, 1000)
    cut = mser(series).truncate_obs
    # the bias 20 exp(-t/40) falls to a tenth of the noise sd near t = 210; MSER stops around there
    assert 100 <= cut <= 300


def test_mser5_does_not_truncate_a_stationary_series_much():
    rng = np.random.default_rng(23)
    assert mser(rng.normal(0, 1, 500)).truncate_obs <= 100


def test_mser5_statistic_matches_the_formula():
    y = np.arange(40, dtype=float)[::-1] ** 0.5
    z = y.reshape(8, 5).mean(axis=1)
    result = mser(y)
    d = 2
    expected = ((z[d:] - z[d:].mean()) ** 2).sum() / (8 - d) ** 2
    assert result.statistic[d] == pytest.approx(expected)
    assert len(result.statistic) == 8 // 2 + 1


def test_mser5_refuses_a_series_too_short():
    with pytest.raises(ValueError, match="at least 20"):
        mser(np.ones(12))


def test_bin_average_integrates_a_step_function():
    # level 1 from t=0.5, level 2 from t=1.5: bins [0,1), [1,2), [2,3)
    got = _bin_average(np.array([0.5, 1.5]), np.array([1.0, 2.0]), np.array([0.0, 1.0, 2.0, 3.0]))
    assert got == pytest.approx([0.5, 1.5, 2.0])


def test_pool_busy_series_from_events():
    events = pd.DataFrame({
        "replication": [0, 0, 0, 0],
        "time_min": [720.0, 1440.0, 2160.0, 2880.0],
        "event": ["acquire", "acquire", "release", "release"],
        "hospital": ["H"] * 4, "resource": ["cot"] * 4, "value": [1.0, 2.0, 1.0, 2.0],
    })
    series = pool_busy_series(events, "H", "cot", 1440.0, 3 * 1440.0)
    # day 0: 1 unit for half a day; day 1: 3 units then 2; day 2: 0
    assert series[0].to_numpy() == pytest.approx([0.5, 2.5, 0.0])
    assert list(series.index) == [0.0, 1.0, 2.0]


def test_case_series_means_by_day_of_creation():
    cases = pd.DataFrame({"replication": [0, 0, 0, 1], "case_type": ["home"] * 4,
                          "case_created_min": [10.0, 100.0, 1500.0, 20.0], "x_min": [1.0, 3.0, 7.0, 5.0]})
    table = case_series(cases, "x_min", "home", 1440.0, 2880.0)
    assert table.loc[0.0, 0] == 2.0
    assert table.loc[1.0, 0] == 7.0
    assert table.loc[0.0, 1] == 5.0
    assert np.isnan(table.loc[1.0, 1])
