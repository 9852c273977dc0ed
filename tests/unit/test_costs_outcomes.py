"""Costs and outcome proxies: the arithmetic, on small tables whose answers are worked by hand."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from pydantic import ValidationError

from sim.analysis.costs import cost_kpis, hours_kpis, staff_away, unit_spans
from sim.analysis.kpis import shown_difference, shown_interval, unit_of
from sim.analysis.outcomes import outcome_kpis, outcome_values, risk_with_odds_ratio
from sim.scenario.economics import Costs, OutcomeProxy
from sim.scenario.references import ReferenceProblems
from tests.builders import baseline_data, build


def events(rows: list[tuple]) -> pd.DataFrame:
    """``(case_id, time_min, event, resource, value)`` rows of replication 0 at NHOG."""
    return pd.DataFrame([{"replication": 0, "case_id": c, "time_min": t, "event": e, "hospital": "NHOG",
                          "resource": r, "value": v, "detail": ""} for c, t, e, r, v in rows])


ESCORT_THEN_SURGERY = [  # one role, two grants to one case: the escort (first in) leaves first
    (5, 100.0, "acquire", "anaesthetic_nurse", 1.0), (5, 100.0, "crew_assembled", "", math.nan),
    (5, 150.0, "acquire", "anaesthetic_nurse", 1.0),
    (5, 200.0, "release", "anaesthetic_nurse", 1.0), (5, 300.0, "release", "anaesthetic_nurse", 1.0)]


def test_units_are_released_first_in_first_out_and_the_escort_alone_is_away():
    ev = events(ESCORT_THEN_SURGERY)
    spans = unit_spans(ev, horizon_min=1000.0)
    assert sorted(zip(spans["start_min"], spans["end_min"], strict=True)) == [(100.0, 200.0), (150.0, 300.0)]
    away = staff_away(spans, ev, ["anaesthetic_nurse"])
    assert away["hours"].tolist() == pytest.approx([100 / 60])


def test_a_unit_still_held_ends_at_the_horizon_and_a_grant_of_two_is_two_units():
    ev = events([(3, 10.0, "acquire", "obstetric_surgeon", 2.0), (3, 70.0, "release", "obstetric_surgeon", 1.0)])
    spans = unit_spans(ev, horizon_min=130.0)
    assert sorted(spans["end_min"]) == [70.0, 130.0]


def test_per_year_hours_scale_by_the_observed_span():
    """Half a year observed (after a 10-day warm-up): 3 staff-hours away count 6 a year."""
    ev = events([(1, 20_000.0, "acquire", "anaesthetist", 1.0), (1, 20_000.0, "team_assembled", "", math.nan),
                 (1, 20_180.0, "release", "anaesthetist", 1.0)])
    cases = pd.DataFrame({"replication": [0], "case_id": [1], "case_created_min": [19_990.0],
                          "ambulance_trips": [1.0], "nicu_days": [4.0]})
    resources = pd.DataFrame({"hospital": ["NHOG"], "resource": ["anaesthetist"], "overtime_min": [120.0],
                              "call_in_min": [60.0], "busy_min": [180.0], "call_ins": [3]})
    warmup = 10 * 1440.0
    horizon = warmup + 182.5 * 1440.0
    out = hours_kpis(cases, ev, resources, ["anaesthetist"], [], horizon, warmup)
    assert out["staff_hours_away_per_year"] == pytest.approx(6.0)
    assert out["staff_hours_away_per_year_anaesthetist"] == pytest.approx(6.0)
    assert out["overtime_hours_per_year"] == pytest.approx(4.0)
    assert out["call_in_hours_per_year"] == pytest.approx(2.0)
    assert out["call_ins_per_year"] == pytest.approx(6.0)
    assert out["ambulance_trips_per_year"] == pytest.approx(2.0)
    assert out["nicu_cot_days_per_year"] == pytest.approx(8.0)


def test_costs_per_year_are_the_rates_times_the_quantities_plus_fixed_costs():
    costs = Costs(currency="VND", staff_hour={"anaesthetist": 100.0}, overtime_hour=10.0, call_in=5.0,
                  ambulance_trip=50.0, nicu_cot_day=1000.0, fixed_per_year={"incubator": 7.0, "team": 3.0})
    hours = {"staff_hours_away_per_year_anaesthetist": 6.0, "overtime_hours_per_year": 4.0,
             "call_ins_per_year": 6.0, "ambulance_trips_per_year": 2.0, "nicu_cot_days_per_year": 8.0}
    out = cost_kpis(hours, costs, ["anaesthetist"], outreach_case_costs=650.0)
    assert out["cost_staff_away_per_year"] == 600.0
    assert out["cost_overtime_per_year"] == 40.0
    assert out["cost_call_ins_per_year"] == 30.0
    assert out["cost_ambulance_trips_per_year"] == 100.0
    assert out["cost_nicu_per_year"] == 8000.0
    assert out["cost_fixed_per_year"] == 10.0
    assert out["cost_per_year"] == 600 + 40 + 30 + 100 + 8000 + 10
    assert out["cost_outreach_per_year"] == 650 + 10  # the outreach cases' costs and the fixed costs


def test_risk_from_an_odds_ratio():
    # odds of 4% are 1/24; times 1.7 they are 0.0708333, a risk of 0.0708333 / 1.0708333 = 0.066148
    assert risk_with_odds_ratio(0.04, 1.7) == pytest.approx(0.0661479, rel=1e-5)
    assert risk_with_odds_ratio(0.3, 1.0) == pytest.approx(0.3)


APGAR = OutcomeProxy(name="apgar", label="Apgar < 7", source="Thomas 2004", urgencies=["cat1", "cat2"], risk=0.04,
                     exposure={"interval": "decision_to_delivery_min", "above_min": 75, "odds_ratio": 1.7,
                               "odds_ratio_ci": [1.2, 2.4]})


def apgar_cases() -> pd.DataFrame:
    """Ten delivered cat1/cat2 babies, two with a DDI over 75 min; one planned (not counted); one not
    delivered (not counted)."""
    ddi = [20, 30, 40, 50, 60, 70, 75, 74, 80, 200]
    rows = [{"case_type": "home", "urgency": "cat1", "delivery_min": 1.0, "decision_to_delivery_min": d,
             "gestation_weeks": 39.0} for d in ddi]
    rows += [{"case_type": "outreach", "urgency": "planned", "delivery_min": 1.0, "decision_to_delivery_min": 300,
              "gestation_weeks": 35.0},
             {"case_type": "outreach", "urgency": "cat2", "delivery_min": math.nan,
              "decision_to_delivery_min": math.nan, "gestation_weeks": 35.0}]
    return pd.DataFrame(rows)


def test_expected_outcomes_per_year_and_the_excess_due_to_delay():
    out = outcome_kpis(apgar_cases(), [APGAR], years=0.5)
    p1 = risk_with_odds_ratio(0.04, 1.7)
    assert out["outcome_apgar_per_year"] == pytest.approx((10 * 0.04 + 2 * (p1 - 0.04)) / 0.5)  # 0.9046
    assert out["outcome_apgar_excess_per_year"] == pytest.approx(2 * (p1 - 0.04) / 0.5)
    assert out["outcome_apgar_excess_per_year_low"] == pytest.approx(2 * (risk_with_odds_ratio(0.04, 1.2) - 0.04) / 0.5)
    assert out["outcome_apgar_excess_per_year_high"] == pytest.approx(
        2 * (risk_with_odds_ratio(0.04, 2.4) - 0.04) / 0.5)
    shares = outcome_values(apgar_cases(), [APGAR])["outcome_apgar_exposed_pct"]
    assert shares.tolist() == [0.0] * 8 + [100.0] * 2  # 75 min itself is not over 75


def test_a_gestation_band_counts_only_its_babies():
    proxy = OutcomeProxy(name="late_preterm", label="x", source="y", gestation_weeks=[34, 37], risk=0.5)
    out = outcome_kpis(apgar_cases(), [proxy], years=1.0)
    assert out == {"outcome_late_preterm_per_year": 0.5}  # the one delivered 35-week baby


def test_units_of_hours_days_and_costs():
    assert unit_of("staff_hours_away_per_year_anaesthetist") == "h"
    assert unit_of("nicu_cot_days_per_year") == "d"
    assert unit_of("cost_per_outreach_case") == "cost"
    assert unit_of("outcome_apgar_exposed_pct") == "%"
    assert unit_of("outcome_apgar_excess_per_year") == "count"


def test_an_outcome_proxys_name_never_sets_its_unit():
    # a proxy named like an interval ("ddi_over_75_min") still gives counts, and its exposed share is %
    assert unit_of("outcome_ddi_over_75_min_per_year") == "count"
    assert unit_of("outcome_nicu_days_excess_per_year_low") == "count"
    assert unit_of("outcome_ddi_over_75_min_exposed_pct") == "%"


def test_an_excess_interval_may_be_negative_and_is_never_cut_at_zero():
    # an odds ratio interval holding 1 gives a negative excess at its low end: the CI stays as computed
    assert shown_interval("outcome_special_care_excess_per_year_low", -70.0, -50.0) == (-70.0, -50.0, False)
    assert shown_interval("outcome_special_care_excess_per_year", -5.0, 20.0) == (-5.0, 20.0, False)
    assert shown_difference("outcome_special_care_excess_per_year_low", -60.0, -30.0, 10.0) == (-30.0, 10.0, False)
    assert shown_interval("outcome_special_care_per_year", -5.0, 20.0) == (0.0, 20.0, True)  # a count is not


def test_a_role_sent_away_without_a_rate_is_named():
    data = baseline_data()
    del data["costs"]["staff_hour"]["anaesthetist"]
    with pytest.raises(ReferenceProblems, match=r"no rate for 'anaesthetist'"):
        build(data)


def test_an_odds_ratio_outside_its_interval_and_an_unknown_urgency_are_refused():
    data = baseline_data()
    data["outcomes"][0]["exposure"]["odds_ratio_ci"] = [1.8, 2.4]
    with pytest.raises(ValidationError, match=r"must be positive and hold odds_ratio 1\.7"):
        build(data)
    data = baseline_data()
    data["outcomes"][0]["urgencies"] = ["cat9"]
    with pytest.raises(ReferenceProblems, match="unknown urgency 'cat9'"):
        build(data)


def test_without_costs_a_run_gives_hours_and_no_cost_kpi():
    from sim.experiment.runner import replication_tables

    data = baseline_data(["run.horizon_days=20"])
    data["costs"] = None
    kpis = replication_tables(build(data), 1, 0)[0]["kpis"]
    assert "staff_hours_away_per_year" in kpis
    assert not [k for k in kpis if k.startswith("cost_")]


def test_a_comparison_trade_off_names_the_cost_and_what_it_buys():
    from sim.experiment.compare import trade_off

    diff = pd.DataFrame([
        {"scenario": "two-incubators", "kpi": "cost_per_year", "unit": "cost", "diff_mean": 2e8,
         "diff_ci_low": 1.9e8, "diff_ci_high": 2.1e8},
        {"scenario": "two-incubators", "kpi": "decision_to_delivery_min_cat1", "unit": "min", "diff_mean": -3.25,
         "diff_ci_low": -5.0, "diff_ci_high": -1.5},
        {"scenario": "two-incubators", "kpi": "outcome_apgar_excess_per_year", "unit": "count", "diff_mean": -0.1,
         "diff_ci_low": -0.2, "diff_ci_high": 0.0}])
    line = trade_off(diff, "two-incubators", "VND")
    assert "cost a year, whole network (all items) +200,000,000 VND (95% CI 190,000,000 to 210,000,000)" in line
    assert "(outreach, cat1) -3.2 min (95% CI -5.0 to -1.5)" in line
    assert "due to delay (proxy) -0.10 (95% CI -0.20 to 0.00)" in line


def test_a_trade_off_names_what_it_could_not_compare():
    # no outreach category-1 case in a short horizon, and no costs in one scenario: said, never dropped silently
    from sim.experiment.compare import trade_off

    diff = pd.DataFrame([
        {"scenario": "b", "kpi": "home_decision_to_delivery_min_cat1", "unit": "min", "diff_mean": 0.0,
         "diff_ci_low": 0.0, "diff_ci_high": 0.0},
        {"scenario": "b", "kpi": "decision_to_team_on_site_min_cat1", "unit": "min", "diff_mean": math.nan,
         "diff_ci_low": math.nan, "diff_ci_high": math.nan}])
    line = trade_off(diff, "b", None)
    assert "(home, cat1) +0.0 min" in line
    assert "not compared" in line
    assert "cost a year, whole network (all items)" in line.split("not compared")[1]
    assert "(outreach, cat1)" in line.split("not compared")[1]
    assert "nan" not in line


def test_scenarios_with_costs_in_different_currencies_are_not_compared(tmp_path):
    from sim.experiment.compare import load_all
    from sim.scenario import ScenarioError
    from tests.conftest import SCENARIOS

    usd = tmp_path / "usd.yaml"
    usd.write_text(f"extends: {SCENARIOS / 'baseline.yaml'}\nname: usd\ncosts:\n  currency: USD\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as err:
        load_all([SCENARIOS / "baseline.yaml", usd], None)
    message = str(err.value)
    assert "costs.currency" in message
    assert "costs in USD" in message
    assert "VND" in message
    assert str(usd) in message
