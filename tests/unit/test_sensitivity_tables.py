"""Sensitivity tables, verdicts and input parsing, on small hand-made tables."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.sensitivity import (
    SENSITIVITY_COLUMNS,
    effects,
    keeps_sign,
    ranking,
    study_kpis,
    summary_lines,
    survival,
    survival_verdict,
)
from sim.errors import InputError
from sim.experiment.sensitivity import choose, parse_range
from sim.report.tornado import tornado_chart, wrap_key
from tests.builders import baseline_data


def _reps(values: dict[str, list[float]]) -> pd.DataFrame:
    n = len(next(iter(values.values())))
    return pd.DataFrame({"replication": range(n), **values})


BASE = _reps({"decision_to_delivery_min": [60.0, 70, 80, 90], "cost_outreach": [5.0, 6, 7, 8],
              "outcome_deaths": [0.0, 0, 1, 0], "staff_hours_away": [3.0, 4, 5, 6]})


def _row(parameter: str, level: str, diff: float, low: float, high: float, kpi: str = "x_min") -> dict:
    return {"parameter": parameter, "level": level, "kpi": kpi, "diff_mean": diff, "diff_ci_low": low,
            "diff_ci_high": high, "base_mean": 50.0, "n_pairs": 4}


TABLE = pd.DataFrame([
    _row("small", "low", -1, -2, 0.5), _row("small", "high", 1, -0.5, 2),
    _row("big", "low", -8, -10, -6), _row("big", "high", 9, 7, 11),
    _row("middle", "low", 4, 3, 5), _row("middle", "high", -2, -3, -1),
])


def test_study_kpis_take_cost_hours_and_outcome_columns_when_present():
    kpis = study_kpis(list(BASE.columns), outreach=True, home=True)
    assert kpis == ["decision_to_delivery_min", "cost_outreach", "outcome_deaths", "staff_hours_away"]


def test_home_kpis_are_left_out_of_a_scenario_without_home_emergencies():
    columns = ["home_decision_to_delivery_min", "home_decision_to_delivery_min_cat1", "delivery_to_nicu_min"]
    assert study_kpis(columns, outreach=True, home=False) == ["delivery_to_nicu_min"]


def test_effects_are_paired_differences_from_the_base():
    variant = BASE.assign(decision_to_delivery_min=BASE["decision_to_delivery_min"] + [4, 6, 5, 5])
    rows = effects(BASE, variant, ["decision_to_delivery_min", "cost_outreach"],
                   {"parameter": "p", "level": "high", "factor": 1.25, "value": "v", "note": ""})
    assert list(rows.columns) == SENSITIVITY_COLUMNS
    ddi = rows.set_index("kpi").loc["decision_to_delivery_min"]
    assert ddi["diff_mean"] == pytest.approx(5)
    assert ddi["base_mean"] == pytest.approx(75)
    assert ddi["diff_ci_low"] < 5 < ddi["diff_ci_high"]
    cost = rows.set_index("kpi").loc["cost_outreach"]
    assert (cost["diff_mean"], cost["diff_ci_low"], cost["diff_ci_high"]) == (0, 0, 0)


def test_ranking_puts_the_largest_effect_first_and_marks_clear_ones():
    rank = ranking(TABLE, "x_min")
    assert list(rank["parameter"]) == ["big", "middle", "small"]
    assert list(rank["clear"]) == [True, True, False]
    assert rank.loc[0, "effect"] == 9


def test_the_summary_names_the_clear_effects_and_those_indistinguishable_from_zero():
    lines = summary_lines(TABLE, ["x_min"], (0.75, 1.25))
    text = "\n".join(lines)
    assert "1. big: low (x0.75) -8 min (95% CI -10 to -6); high (x1.25) +9 min" in text
    assert "2. middle" in text
    assert "not distinguishable from zero (1): small" in text


@pytest.mark.parametrize(("reference", "low", "high", "expected"), [
    (-5, -8, -2, "yes"), (-5, 1, 3, "no"), (-5, -3, 2, "not clear"), (4, 1, 6, "yes"),
    (0, 0, 0, "yes"), (-5, 0, 0, "no"), (0, 1, 2, "no"), (0, -1, 2, "not clear"),
])
def test_keeps_sign_says_yes_no_or_not_clear(reference, low, high, expected):
    assert keeps_sign(reference, low, high) == expected


def _diff(mean: float, low: float, high: float) -> pd.DataFrame:
    return pd.DataFrame([{"kpi": "x_min", "unit": "min", "diff_mean": mean, "diff_ci_low": low,
                          "diff_ci_high": high, "p_value": 0.01}])


def test_a_recommendation_that_holds_everywhere_says_so():
    unscaled = _diff(-5, -7, -3)
    table = survival(unscaled, [("a", "low", 0.75, _diff(-4, -6, -2)), ("a", "high", 1.25, _diff(-6, -9, -3))])
    assert list(table["keeps_sign"]) == ["yes", "yes"]
    line = survival_verdict("two-incubators", "x_min", unscaled.iloc[0], table)
    assert line == "x_min: two-incubators's reduction (-5 min, 95% CI -7 to -3) holds across every assumption's range"


def test_a_recommendation_that_reverses_names_the_assumption_and_level():
    unscaled = _diff(-5, -7, -3)
    table = survival(unscaled, [("a", "low", 0.75, _diff(-4, -6, -2)), ("b", "high", 1.25, _diff(2, 1, 3)),
                                ("c", "low", 0.75, _diff(-1, -3, 1))])
    line = survival_verdict("other", "x_min", unscaled.iloc[0], table)
    assert "reverses when b is high" in line
    assert "is not clear when c is low" in line


def test_no_clear_unscaled_difference_means_nothing_to_test():
    unscaled = _diff(-1, -3, 1)
    line = survival_verdict("other", "x_min", unscaled.iloc[0], survival(unscaled, []))
    assert "no recommendation to test" in line


@pytest.mark.parametrize("text", ["0..1", "1..0.5", "1..1", "nan..1", "0.5..inf", "-1..2", "abc", "0.75-1.25",
                                  "0.5..1..2", ""])
def test_a_bad_range_is_refused_naming_the_option(text):
    with pytest.raises(InputError, match="--range"):
        parse_range(text)


@pytest.mark.parametrize(("text", "expected"), [("0.75..1.25", (0.75, 1.25)), (" 0.5 .. 2 ", (0.5, 2.0)),
                                                ("1.1..1.5", (1.1, 1.5))])
def test_a_range_gives_the_low_and_high_factors(text, expected):
    assert parse_range(text) == expected


def test_named_parameters_must_be_keys_of_the_scenario():
    with pytest.raises(InputError, match=r"'team\.nonsense' is not a key"):
        choose(baseline_data(), "team.mobilisation,team.nonsense")


def test_named_keys_that_cannot_be_scaled_alone_are_refused_with_the_reason():
    with pytest.raises(InputError, match=r"nothing can be scaled: policies\.nicu_full"):
        choose(baseline_data(), "policies.nicu_full")


def test_assumption_takes_every_marked_key_and_lists_the_skipped_with_reasons():
    params, skipped = choose(baseline_data(), "assumption")
    keys = {p.key for p in params}
    assert {"team.mobilisation", "travel", "hospitals.NHOG.ambulances", "demand.home_emergency.rate_per_day"} <= keys
    assert {s.key for s in skipped} >= {"policies.nicu_full", "policies.planned_windows",
                                        "demand.outreach.urgency_mix"}
    assert all(s.reason for s in skipped)


def test_a_long_key_wraps_after_dots():
    wrapped = wrap_key("demand.home_emergency.nicu_probability_by_gestation.0.probability", 30)
    assert wrapped.replace("\n", "") == "demand.home_emergency.nicu_probability_by_gestation.0.probability"
    assert all(len(line) <= 36 for line in wrapped.split("\n"))


def test_the_tornado_draws_a_bar_per_parameter_and_level_largest_on_top():
    fig = tornado_chart(TABLE, "x_min", (0.75, 1.25))
    ax = fig.axes[0]
    labels = sorted(zip(ax.get_yticks(), (t.get_text() for t in ax.get_yticklabels()), strict=True))
    assert [label for _, label in labels] == ["small", "middle", "big"]  # bottom to top
    widths = sorted(abs(p.get_width()) for p in ax.patches)
    assert widths == sorted(abs(x) for x in TABLE["diff_mean"])
    assert "base mean 50" in fig.texts[0].get_text()
    assert not math.isnan(np.sum(widths))


def test_the_summary_says_when_one_replication_is_too_few_for_an_interval():
    table = TABLE.assign(n_pairs=1, diff_ci_low=float("nan"), diff_ci_high=float("nan"))
    text = "\n".join(summary_lines(table, ["x_min"], (0.75, 1.25)))
    assert "only 1 replication has a value: no interval" in text
    assert "no assumption has an effect distinguishable from zero" in text


def test_the_tornado_leaves_out_assumptions_with_no_effect_and_counts_them():
    table = pd.concat([TABLE, pd.DataFrame([_row("none", "low", 0, 0, 0), _row("none", "high", 0, 0, 0)])])
    fig = tornado_chart(table, "x_min", (0.75, 1.25))
    labels = {t.get_text() for t in fig.axes[0].get_yticklabels()}
    assert labels == {"small", "middle", "big"}
    assert "not drawn: no effect from none" in fig.texts[0].get_text()  # named: the parameter is called "none"


def test_a_cost_tornado_names_its_unit_and_writes_money_in_full():
    # costs run to hundreds of millions: "2.34e+08", an empty "()" unit and "1e8" on the axis lost planners
    cost = pd.DataFrame([_row("costs", "low", -5.85e7, -9.68e7, -2.03e7, kpi="cost_overtime_per_year"),
                         _row("costs", "high", 5.85e7, 2.03e7, 9.68e7, kpi="cost_overtime_per_year"),
                         _row("team.mobilisation", "low", 0, 0, 0, kpi="cost_overtime_per_year"),
                         _row("team.mobilisation", "high", 0, 0, 0, kpi="cost_overtime_per_year")])
    cost["base_mean"] = 234066648.9
    fig = tornado_chart(cost, "cost_overtime_per_year", (0.75, 1.25), currency="VND")
    title, ax = fig.texts[0].get_text().replace("\n", " "), fig.axes[0]
    assert "base mean 234,066,649 VND" in title
    assert "no effect from team.mobilisation" in title
    assert "(VND)" in ax.get_xlabel()
    fig.canvas.draw()
    assert not ax.xaxis.get_offset_text().get_text()  # no "1e8" in the corner
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text() not in ("", "0")]
    assert ticks
    assert all(t.endswith(" M") and len(t) <= 8 for t in ticks)  # "-50 M": short enough not to collide
    assert "()" not in tornado_chart(cost, "cost_overtime_per_year", (0.75, 1.25)).axes[0].get_xlabel()
    text = "\n".join(summary_lines(cost, ["cost_overtime_per_year"], (0.75, 1.25)))
    assert "base mean 234,066,649" in text
    assert "-58,500,000 (95% CI -96,800,000 to -20,300,000)" in text
    assert "e+0" not in text
