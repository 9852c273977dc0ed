"""Occupancy by hour of day and team-away flags on hand-built inputs with known answers."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from sim.analysis import occupancy
from sim.analysis.tables import EVENT_COLUMNS

DAY = 1440.0


def events(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame([(0, c, t, e, "H", r, v, "") for c, t, e, r, v in rows], columns=EVENT_COLUMNS)


def test_busy_and_staffed_units_average_over_days_by_hour():
    """Two days; a room busy 01:00-02:00 on day 1 and 01:00-01:30 on day 2; two rooms,
    three from 07:00 on day 2.  Hour 1 averages (1 + 0.5) / 2 busy rooms."""
    rows = [(-1, 0.0, "capacity", "room", 2.0),
            (1, 60.0, "acquire", "room", 1.0), (1, 120.0, "release", "room", 1.0),
            (2, DAY + 60.0, "acquire", "room", 1.0), (2, DAY + 90.0, "release", "room", 1.0),
            (-1, DAY + 420.0, "capacity", "room", 3.0)]
    table = occupancy.occupancy_by_hour(events(rows), [("H", "room")], 0.0, 2 * DAY).set_index("hour")
    assert table.loc[1, "busy_mean"] == pytest.approx(0.75)
    assert table.loc[5, "busy_mean"] == 0.0
    assert table.loc[6, "available_mean"] == pytest.approx(2.0)
    assert table.loc[8, "available_mean"] == pytest.approx(2.5)
    assert len(table) == 24


def test_called_in_staff_count_as_staffed_while_present():
    rows = [(-1, 0.0, "capacity", "surgeon", 1.0), (5, 600.0, "call_in_arrival", "surgeon", 1.0),
            (-1, 630.0, "call_in_home", "surgeon", 1.0)]
    table = occupancy.occupancy_by_hour(events(rows), [("H", "surgeon")], 0.0, DAY).set_index("hour")
    assert table.loc[10, "available_mean"] == pytest.approx(1.5)
    assert table.loc[11, "available_mean"] == pytest.approx(1.0)


def test_pools_come_back_in_the_order_asked():
    rows = [(-1, 0.0, "capacity", "b", 1.0), (-1, 0.0, "capacity", "a", 1.0)]
    table = occupancy.occupancy_by_hour(events(rows), [("H", "b"), ("H", "a")], 0.0, DAY)
    assert list(dict.fromkeys(table["resource"])) == ["b", "a"]


def test_team_away_flags_decisions_inside_any_interval_of_the_same_replication():
    cases = pd.DataFrame({
        "replication": [0, 0, 1], "case_id": [1, 2, 3], "pathway": ["outreach", "outreach", "outreach"],
        "team_assembled_min": [100.0, 500.0, 100.0], "team_returned_min": [200.0, math.nan, 150.0],
    })
    intervals = occupancy.team_away_intervals(cases, end_min=1000.0)
    assert intervals["end_min"].tolist() == [200.0, 1000.0, 150.0]
    home = pd.DataFrame({"replication": [0, 0, 0, 1, 1], "decision_min": [150.0, 250.0, 900.0, 175.0, 120.0]})
    assert occupancy.flag_team_away(home, intervals).tolist() == [True, False, True, False, True]
