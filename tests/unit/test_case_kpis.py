"""KPIs by urgency, pathway, shift and team away, checked on small hand-made cases tables.

Every expected value is worked out by hand from the few cases written here.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis.case_kpis import lowest_during, staff_left_at_home
from sim.analysis.kpis import case_values, replication_kpis, unit_of

NAN = math.nan
MON_10 = 600.0  # Monday 10:00 (day shift)
MON_22 = 1320.0  # Monday 22:00 (night)
SAT_10 = 5 * 1440.0 + 600.0  # Saturday 10:00 (weekend)


def _case(case_id: int, case_type: str, urgency: str, ddi: float, target: float, **extra: object) -> dict:
    row = {"replication": 0, "case_id": case_id, "case_type": case_type, "hospital": "NHOG", "urgency": urgency,
           "pathway": "home" if case_type == "home" else "outreach", "team_home": None, "case_created_min": 0.0,
           "decision_min": 0.0, "decision_to_delivery_min": ddi, "within_target": ddi <= target,
           "decision_to_team_on_site_min": NAN, "decision_to_mother_arrived_min": NAN, "delivery_to_nicu_min": NAN,
           "team_assembly_wait_min": NAN, "team_assembled_min": NAN, "team_returned_min": NAN,
           "delivery_min": 1.0, "status": "completed", "deteriorated_min": NAN}
    return row | extra


@pytest.fixture
def cases() -> pd.DataFrame:
    rows = [
        # outreach: two cat1 (one transfer), one planned that deteriorated into cat1 (clock from the first decision)
        _case(1, "outreach", "cat1", 25.0, 30, hospital="CLH", decision_to_team_on_site_min=20.0,
              team_home="NHOG", team_assembled_min=1000.0, team_returned_min=1400.0),
        _case(2, "outreach", "cat1", 95.0, 30, hospital="CLH", pathway="transfer",
              decision_to_mother_arrived_min=60.0),
        _case(3, "outreach", "cat1", 40.0, 30, hospital="HHH", decision_to_team_on_site_min=400.0,
              deteriorated_min=900.0, team_home="NHOG", team_assembled_min=5000.0, team_returned_min=5400.0),
        _case(4, "outreach", "planned", 900.0, 1440, hospital="HHH", decision_to_team_on_site_min=700.0,
              team_home="NHOG", team_assembled_min=SAT_10 - 60, team_returned_min=SAT_10 + 60),
        # home cat2 (target 75): decided with a team away (1000-1400, 22:00 is inside), at home, away on Saturday
        _case(10, "home", "cat2", 70.0, 75, decision_min=MON_22),
        _case(11, "home", "cat2", 90.0, 75, decision_min=MON_10),
        _case(12, "home", "cat2", 100.0, 75, decision_min=SAT_10),
        _case(13, "home", "cat2", 50.0, 75, decision_min=MON_10 + 1440),
    ]
    return pd.DataFrame(rows)


def test_outreach_intervals_and_shares_are_split_by_final_urgency_and_pathway(cases: pd.DataFrame) -> None:
    k = replication_kpis(cases, pd.DataFrame(columns=["capacity_mean", "call_ins"]), ["cat1", "cat2", "planned"],
                         home_urgencies=["cat2"])
    assert k["decision_to_delivery_min_cat1"] == pytest.approx((25 + 95 + 40) / 3)
    assert k["decision_to_delivery_min_cat1_outreach"] == pytest.approx((25 + 40) / 2)
    assert k["decision_to_delivery_min_cat1_transfer"] == pytest.approx(95)
    assert k["decision_to_team_on_site_min_cat1"] == pytest.approx((20 + 400) / 2)  # outreach pathway only
    assert k["decision_to_mother_arrived_min_cat1"] == pytest.approx(60)
    assert k["ddi_within_target_pct_cat1"] == pytest.approx(100 / 3)  # 25 of 25, 95, 40 within 30
    assert k["ddi_over_target_pct_cat1"] == pytest.approx(200 / 3)
    assert k["ddi_within_target_pct_cat1_transfer"] == 0.0
    assert k["deteriorations_cat1"] == 1.0
    assert k["deteriorations_planned"] == 0.0
    assert math.isnan(k["decision_to_delivery_min_cat2"])  # no cat2 outreach case: empty, not zero


def test_home_cases_are_split_by_team_away_and_shift(cases: pd.DataFrame) -> None:
    k = replication_kpis(cases, pd.DataFrame(columns=["capacity_mean", "call_ins"]), ["cat1", "cat2", "planned"],
                         home_urgencies=["cat2"])
    # away: case 10 (Monday 22:00, trip 1000-1400) and case 12 (Saturday, trip Sat 09:00-11:00)
    assert k["home_cases_team_away_NHOG"] == 2.0
    assert k["home_decision_to_delivery_min_cat2_team_away_NHOG"] == pytest.approx((70 + 100) / 2)
    assert k["home_ddi_within_target_pct_cat2_team_away_NHOG"] == pytest.approx(50.0)
    assert k["home_decision_to_delivery_min_cat2_team_home_NHOG"] == pytest.approx((90 + 50) / 2)
    assert k["home_decision_to_delivery_min_cat2_night_team_away_NHOG"] == pytest.approx(70)
    assert k["home_decision_to_delivery_min_cat2_weekend_team_away_NHOG"] == pytest.approx(100)
    assert k["home_ddi_within_target_pct_cat2_day_team_home_NHOG"] == pytest.approx(50.0)  # 90 no, 50 yes
    assert math.isnan(k["home_decision_to_delivery_min_cat2_day_team_away_NHOG"])
    assert k["home_ddi_over_target_pct_cat2"] == pytest.approx(50.0)


def test_a_team_of_another_hospital_does_not_make_a_home_case_wait(cases: pd.DataFrame) -> None:
    cases.loc[cases["case_id"] == 1, "team_home"] = "OTHER"
    k = replication_kpis(cases, pd.DataFrame(columns=["capacity_mean", "call_ins"]), ["cat2"],
                         home_urgencies=["cat2"])
    assert k["home_cases_team_away_NHOG"] == 1.0  # only the Saturday case: NHOG's own team


def test_case_values_are_what_the_replication_kpis_average(cases: pd.DataFrame) -> None:
    values = case_values(cases, ["cat1"], home_urgencies=["cat2"])
    assert values["ddi_within_target_pct_cat1"].tolist() == [100.0, 0.0, 0.0]
    assert values["home_ddi_within_target_pct_cat2"].tolist() == [100.0, 0.0, 0.0, 100.0]


def test_units_follow_the_whole_word_min_or_pct() -> None:
    assert unit_of("home_decision_to_delivery_min_cat1_night_team_away_NHOG") == "min"
    assert unit_of("home_ddi_within_target_pct_cat2_team_home_NHOG") == "%"
    assert unit_of("staff_left_while_team_away_NHOG_anaesthetist") == "count"
    assert unit_of("decision_to_delivery_min") == "min"


def test_lowest_level_is_taken_only_over_the_spans() -> None:
    times, levels = np.array([0.0, 10.0, 20.0, 30.0]), np.array([5.0, 2.0, 4.0, 1.0])
    assert lowest_during(times, levels, np.array([[12.0, 25.0]])) == 2.0  # 2 holds 10-20, 4 holds 20-30
    assert lowest_during(times, levels, np.array([[21.0, 29.0]])) == 4.0
    assert math.isnan(lowest_during(times, levels, np.empty((0, 2))))


def test_staff_left_at_home_counts_those_present_and_not_with_the_team() -> None:
    """5 anaesthetists on duty; a team case takes 2 at 100 and gives 1 back at 150 (neonatal part), 1 at 200;
    a home case takes 1 from 120 to 130; a called-in one arrives at 300 (after the trip)."""
    rows = [(-1, 0.0, "capacity", 5.0), (7, 100.0, "acquire", 2.0), (9, 120.0, "acquire", 1.0),
            (9, 130.0, "release", 1.0), (7, 150.0, "release", 1.0), (7, 200.0, "release", 1.0),
            (9, 300.0, "call_in_arrival", 1.0)]
    events = pd.DataFrame([{"replication": 0, "case_id": c, "time_min": t, "event": e, "hospital": "NHOG",
                            "resource": "anaesthetist", "value": v, "detail": ""} for c, t, e, v in rows])
    cases = pd.DataFrame([{"replication": 0, "case_id": 7, "pathway": "outreach", "team_home": "NHOG",
                           "team_assembled_min": 100.0, "team_returned_min": 200.0}])
    left = staff_left_at_home(events, cases, ["anaesthetist"])
    assert left == {"staff_left_while_team_away_NHOG_anaesthetist": 3.0}  # present 5, 2 away: busy ones count


def test_every_kpi_a_replication_gives_is_a_name_a_goal_may_use() -> None:
    from sim.experiment.runner import replication_tables
    from sim.experiment.target import known_kpis
    from sim.scenario import load_scenario
    from tests.conftest import SCENARIOS

    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=20"])
    kpis = replication_tables(scenario, 1, 0)[0]["kpis"]
    made = set(kpis.columns) - {"replication"}
    assert "home_ddi_within_target_pct_cat1_night_team_home_NHOG" in made
    assert made <= known_kpis(scenario)


def test_values_table_reads_back_each_kpis_values_in_order_empty_ones_kept(tmp_path):
    import numpy as np
    import pandas as pd

    from sim.analysis.kpis import values_of, values_table

    given = {"b_min": pd.Series([3.0, np.nan, 1.5]), "none_min": pd.Series([], dtype="float64"),
             "a_pct": pd.Series([100.0])}
    table = values_table(given)
    table.to_parquet(tmp_path / "v.parquet")  # as a replication stores it
    back = values_of(pd.read_parquet(tmp_path / "v.parquet"))
    assert list(back) == ["b_min", "none_min", "a_pct"]
    np.testing.assert_array_equal(back["b_min"], [3.0, np.nan, 1.5])
    assert back["none_min"].size == 0
    np.testing.assert_array_equal(back["a_pct"], [100.0])
