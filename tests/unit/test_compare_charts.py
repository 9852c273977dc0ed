"""Comparison charts take DataFrames and return Figures with one panel per KPI."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from sim.analysis.warmup import mser
from sim.report.compare_charts import distribution_plot, forest_plot, plt, sweep_chart, warmup_chart


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def test_forest_plot_draws_paired_and_unpaired_intervals_per_kpi():
    diff = pd.DataFrame({"scenario": ["a", "b", "a"], "kpi": ["x_min", "x_min", "y_pct"],
                         "diff_mean": [1.0, -2.0, 0.5], "diff_ci_low": [0.5, -3.0, 0.0],
                         "diff_ci_high": [1.5, -1.0, 1.0], "unpaired_ci_low": [-5.0, -8.0, -3.0],
                         "unpaired_ci_high": [7.0, 4.0, 4.0]})
    fig = forest_plot(diff, ["x_min", "y_pct", "absent"])
    assert isinstance(fig, Figure)
    assert len(fig.axes) == 2
    labels = dict(zip([t.get_text() for t in fig.axes[0].get_yticklabels()], fig.axes[0].get_yticks(), strict=True))
    assert labels["a"] > labels["b"]  # scenarios listed top down in their order
    unpaired, paired = fig.axes[0].collections[:2]  # the wide pale bars, then the thin dark ones
    assert sorted(tuple(seg[:, 0]) for seg in unpaired.get_segments()) == [(-8.0, 4.0), (-5.0, 7.0)]
    assert sorted(tuple(seg[:, 0]) for seg in paired.get_segments()) == [(-3.0, -1.0), (0.5, 1.5)]


def test_distribution_plot_has_a_panel_per_common_kpi():
    reps = {n: pd.DataFrame({"replication": range(5), "x_min": np.arange(5.0) + i, "z": 1.0})
            for i, n in enumerate(["base", "other"])}
    reps["other"] = reps["other"].drop(columns="z")
    assert len(distribution_plot(reps, ["x_min", "z"]).axes) == 1


def test_sweep_chart_draws_one_line_per_hue_value():
    table = pd.DataFrame({"k": [1, 2, 1, 2], "h": ["p", "p", "q", "q"], "kpi": ["x_min"] * 4,
                          "mean": [1.0, 2.0, 3.0, 4.0], "ci_low": [0.5, 1.5, 2.5, 3.5],
                          "ci_high": [1.5, 2.5, 3.5, 4.5], "diff_mean": [0.0, 1.0, 2.0, 3.0],
                          "diff_ci_low": [0.0, 0.5, 1.5, 2.5], "diff_ci_high": [0.0, 1.5, 2.5, 3.5]})
    fig = sweep_chart(table, "k", ["x_min"], hue="h")
    assert len(fig.axes[0].get_lines()) == 2


def test_sweep_chart_shows_the_paired_difference_inside_possible_values():
    """A share: variant 2's t band reaches 112%, its paired interval -95 points from a first variant at 90%:
    the top band stops at 100 and the difference band at -90 (a share cannot fall below 0%)."""
    table = pd.DataFrame({"k": [1, 2], "kpi": ["ddi_within_target_pct"] * 2, "mean": [90.0, 60.0],
                          "ci_low": [80.0, 8.0], "ci_high": [100.0, 112.0], "diff_mean": [0.0, -30.0],
                          "diff_ci_low": [0.0, -95.0], "diff_ci_high": [0.0, 5.0]})
    fig = sweep_chart(table, "k", ["ddi_within_target_pct"])
    top, bottom = fig.axes[:2]
    assert list(bottom.get_lines()[0].get_ydata()) == [0.0, -30.0]  # the paired difference, not the means
    band = top.collections[0].get_paths()[0].vertices[:, 1]
    assert band.max() == 100.0
    assert band.min() == 8.0
    diff = bottom.collections[0].get_paths()[0].vertices[:, 1]
    assert diff.min() == -90.0
    assert diff.max() == 10.0 - 5.0


def test_warmup_chart_marks_the_truncation_point():
    rng = np.random.default_rng(1)
    per_rep = pd.DataFrame({0: np.r_[np.linspace(0, 5, 20), 5 + rng.normal(0, 0.2, 80)]}, index=np.arange(100.0))
    result = mser(per_rep[0].to_numpy())
    fig = warmup_chart(per_rep, per_rep[0], result.statistic, float(result.truncate_obs), 1.0, "units")
    assert len(fig.axes) == 2
    vertical = [line for line in fig.axes[0].get_lines() if len(set(line.get_xdata())) == 1]
    assert vertical[0].get_xdata()[0] == result.truncate_obs


def test_forest_plot_cuts_intervals_to_possible_differences():
    """A share at 95% in the baseline can rise by at most 5 points."""
    diff = pd.DataFrame({"scenario": ["a"], "kpi": ["ddi_within_target_pct"], "baseline_mean": [95.0],
                         "diff_mean": [2.0], "diff_ci_low": [-1.0], "diff_ci_high": [9.0],
                         "unpaired_ci_low": [-20.0], "unpaired_ci_high": [24.0]})
    fig = forest_plot(diff, ["ddi_within_target_pct"])
    unpaired, paired = fig.axes[0].collections[:2]
    assert tuple(paired.get_segments()[0][:, 0]) == (-1.0, 5.0)
    assert tuple(unpaired.get_segments()[0][:, 0]) == (-20.0, 5.0)


def test_many_kpis_wrap_into_rows_that_keep_an_a4_width(tmp_path):
    """Eleven KPIs once made an 11-panel strip 37 in wide (over 11,000 px at 300 dpi)."""
    from PIL import Image

    from sim.report.charts import MAX_PNG_WIDTH_PX, png_dpi

    kpis = [f"k{i}_min" for i in range(11)]
    table = pd.DataFrame([{"k": x, "kpi": kpi, "mean": 1.0 * x, "ci_low": 0.0, "ci_high": 2.0 * x,
                           "diff_mean": x - 1.0, "diff_ci_low": x - 1.5, "diff_ci_high": x - 0.5}
                          for kpi in kpis for x in (1, 2)])
    fig = sweep_chart(table, "k", kpis)
    assert fig.get_figwidth() <= 8.0
    rows = {round(ax.get_position().y0, 3) for ax in fig.axes if ax.get_visible() and ax.axison}
    assert len(rows) == 8  # 3 + 3 + 3 + 2 KPIs, each a mean panel over a paired-difference panel
    fig.savefig(tmp_path / "sweep.png", dpi=png_dpi(fig))
    with Image.open(tmp_path / "sweep.png") as png:
        assert png.size[0] <= MAX_PNG_WIDTH_PX
    wide = plt.figure(figsize=(12, 3))
    assert png_dpi(wide) == pytest.approx(2000 / 12)
    assert png_dpi(plt.figure(figsize=(5, 3))) == 300.0
