"""Charts on small hand-made tables: the right cases, numbers and words end up on the figure."""

from __future__ import annotations

import io
import math

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.analysis.attribution import median_cases
from sim.report import charts

TARGETS = {"cat1": 30.0, "cat2": 75.0}


def texts(fig) -> list[str]:
    """Every piece of text drawn on the figure (titles, annotations, tick labels, legends)."""
    return [t.get_text() for t in fig.findobj(match=lambda a: hasattr(a, "get_text"))]


def render(fig) -> None:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=40)
    plt.close(fig)
    assert buf.getbuffer().nbytes > 1000


@pytest.mark.parametrize(("minutes", "text"), [(42.4, "42 min"), (135, "2 h 15"), (1440, "24 h"), (3000, "2 d 2 h"),
                                               (2880, "2 d"), (math.nan, "")])
def test_durations_read_as_people_say_them(minutes, text):
    assert charts.fmt_duration(minutes) == text


def test_clock_times_name_the_weekday_and_the_day_of_the_run():
    assert charts.fmt_clock(0) == "Mon d1 00:00"
    assert charts.fmt_clock(8 * 1440 + 8 * 60 + 5) == "Tue d9 08:05"
    assert charts.fmt_clock(1439.9, with_day=False) == "00:00"


def delivered(ddis: dict[str, list[float]], case_type: str = "outreach") -> pd.DataFrame:
    rows = [(u, d) for u, values in ddis.items() for d in values]
    return pd.DataFrame({"replication": 0, "case_id": range(len(rows)), "case_type": case_type,
                         "urgency": [u for u, _ in rows], "decision_to_delivery_min": [d for _, d in rows]})


def test_ddi_chart_states_the_share_within_each_target():
    fig = charts.ddi_by_urgency(delivered({"cat1": [20, 25, 40, 50], "cat2": [60, 90, 100]}), TARGETS,
                                {"cat1": "Category 1"})
    words = texts(fig)
    assert "50% within 30 min" in words
    assert "33% within 75 min" in words
    assert any(w.startswith("Category 1") and "(n=4)" in w for w in words)
    render(fig)


def test_ddi_chart_without_cases_says_so():
    fig = charts.ddi_by_urgency(delivered({}), TARGETS)
    assert "no delivered outreach cases" in texts(fig)


def outreach_case(case_id: int, decision: float, ddi: float) -> dict:
    """An outreach case: consult 20 min, team waits 30, mobilises 20, travels 15, sets up 25, operates."""
    t = {"case_created": decision - 20, "consult_start": decision - 20, "decision": decision,
         "team_requested": decision, "team_assembled": decision + 30, "team_departed": decision + 50,
         "team_on_site": decision + 65, "team_ready": decision + 90, "stabilisation_end": decision + 60,
         "theatre_entry": decision + ddi - 15, "incision": decision + ddi - 4, "delivery": decision + ddi}
    return {"replication": 0, "case_id": case_id, "case_type": "outreach", "pathway": "outreach", "urgency": "cat1",
            "urgency_initial": "cat1", "decision_to_delivery_min": ddi, "first_decision_min": decision,
            "deteriorated_min": float("nan"), **{f"{k}_min": v for k, v in t.items()}}


def test_waterfall_follows_the_median_case_and_names_what_it_waited_for():
    cases = pd.DataFrame([outreach_case(1, 1000, 150), outreach_case(2, 5000, 130), outreach_case(3, 9000, 400)])
    waits = pd.DataFrame({"replication": 0, "case_id": [1, 2], "step": "team dispatch", "cause": "resource",
                          "start_min": [1000.0, 5000.0], "end_min": [1030.0, 5030.0], "wait_min": 30.0,
                          "granted": True, "short": ["NHOG/anaesthetist", "NHOG/ambulance"],
                          "binding": ["NHOG/anaesthetist", "NHOG/ambulance"]})
    fig = charts.median_case_waterfall(median_cases(cases, list(TARGETS)), waits, TARGETS)
    words = texts(fig)
    assert any("DDI 2 h 30" in w for w in words)  # case 1, the median of 130, 150 and 400
    assert "30 min: NHOG anaesthetist" in words
    assert not any("ambulance" in w for w in words)
    assert "travel to the host" in words
    assert any("case 1, replication 0" in w for w in words)  # the case can be looked up with ihsim timeline
    render(fig)


def test_waterfall_shows_a_deteriorated_case_apart_and_says_when_it_deteriorated():
    worse = outreach_case(4, 2000, 60) | {"urgency_initial": "planned", "first_decision_min": 1000.0,
                                          "deteriorated_min": 2000.0}
    cases = pd.DataFrame([outreach_case(1, 1000, 150), worse])
    no_waits = pd.DataFrame(columns=["replication", "case_id", "step", "binding", "start_min"])
    fig = charts.median_case_waterfall(median_cases(cases, list(TARGETS)), no_waits, TARGETS)
    words = " ".join(texts(fig)).replace("\n", " ")
    assert "case 1, replication 0, the median of 1 decided at it" in words
    assert "case 4, replication 0, the median of 1 who deteriorated into it" in words
    assert "Decided as planned" in words
    assert "deteriorated 16 h 40 later" in words
    render(fig)


def test_utilisation_chart_shows_call_outs_per_week():
    res = pd.DataFrame({"replication": [0, 1, 0], "hospital": ["A", "A", "B"],
                        "resource": ["surgeon", "surgeon", "icu_bed"], "capacity_mean": [2.0, 2.0, 1.0],
                        "utilisation": [0.5, 0.7, 0.1], "call_ins": [10, 18, 0]})
    stats = charts.utilisation_stats(res, days=14).set_index("resource")
    assert stats.loc["surgeon", "mean"] == pytest.approx(60.0)
    assert stats.loc["surgeon", "call_ins_week"] == pytest.approx(7.0)
    fig = charts.utilisation_by_pool(res, days=14, staff_roles={"surgeon"}, names={"A": "Alpha"})
    words = texts(fig)
    assert "7.0" in words
    assert "A: Alpha" in words
    render(fig)


def test_home_chart_compares_team_away_with_team_at_home():
    home = pd.DataFrame({"urgency": ["cat1"] * 5, "decision_to_delivery_min": [20.0, 30.0, 40.0, 60.0, 80.0],
                         "team_away": [False, False, False, True, True]})
    words = texts(charts.home_ddi_team_away(home, TARGETS))
    assert "team at home: n=3, median 30 min" in words
    assert "team away: n=2, median 70 min" in words


def test_occupancy_chart_has_a_panel_per_pool_with_clock_ticks():
    occ = pd.DataFrame({"hospital": "A", "resource": np.repeat(["surgeon", "room"], 24),
                        "hour": np.tile(np.arange(24), 2), "busy_mean": 1.0, "available_mean": 2.0})
    fig = charts.occupancy_by_hour(occ)
    titled = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titled == ["A surgeon", "A room"]
    assert "12:00" in texts(fig)
    render(fig)


def test_the_two_chart_shares_hold_every_chart_once_and_come_back_in_the_reports_order():
    from sim.report.html import chart_names, in_report_order

    every = chart_names()
    assert chart_names(0) == ["median_case_waterfall"]
    assert sorted(chart_names(0) + chart_names(1)) == sorted(every)
    assert every[:2] == ["ddi_by_urgency", "median_case_waterfall"]
    drawn = [{"name": n} for n in chart_names(0) + chart_names(1)]  # as the two workers hand them back
    assert [f["name"] for f in in_report_order(drawn)] == every
