"""The cost to the home hospital of a team away, on the quiet network with hand-counted staff."""

from __future__ import annotations

import pytest

from sim.experiment.runner import replication_tables
from tests.builders import build
from tests.scripted import SEED, quiet, script

T0 = 600.0  # Monday 10:00: the whole trip is in the day shift


def test_staff_left_at_home_is_the_roster_less_the_team() -> None:
    """5 anaesthetists and 4 obstetric surgeons on duty, the team takes 2 of each: 3 and 2 stay at home."""
    data = quiet()
    staff = data["hospitals"]["NHOG"]["staff"]
    staff["anaesthetist"].update(day=5, night=5, weekend=5)
    staff["obstetric_surgeon"].update(day=4, night=4, weekend=4)
    script(data, (T0, "CLH", "cat1"))
    scenario = build(data)
    kpis = replication_tables(scenario, SEED, 0)[0]["kpis"].iloc[0]
    team = scenario.team.composition
    assert kpis["staff_left_while_team_away_NHOG_anaesthetist"] == pytest.approx(5 - team["anaesthetist"])
    assert kpis["staff_left_while_team_away_NHOG_obstetric_surgeon"] == pytest.approx(4 - team["obstetric_surgeon"])
    assert "home_cases_team_away_NHOG" not in kpis  # no home stream in the quiet network
