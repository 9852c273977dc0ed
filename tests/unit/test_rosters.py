"""Rosters as shift windows by day type: schema, weekly clock, and handovers through the broker."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import simpy
from pydantic import ValidationError

from sim.analysis.tables import events_frame, resources_table
from sim.model import clock
from sim.model.eventlog import EventLog
from sim.model.resources import Broker, Pool
from sim.model.rng import Streams
from sim.model.run import build_pools, roster_clock
from sim.scenario.schema import StaffRole
from tests.builders import baseline_data, build

DAY = 1440

TWILIGHT = [
    {"days": "weekdays", "start": "07:00", "end": "15:00", "on_duty": 4},
    {"days": "weekdays", "start": "15:00", "end": "23:00", "on_duty": 2},  # the twilight shift
    {"days": "weekend", "start": "07:00", "end": "23:00", "on_duty": 2},
    {"days": "all", "start": "23:00", "end": "07:00", "on_duty": 1},
]


def role(**data) -> StaffRole:
    return StaffRole.model_validate(data)


# -- the schema ----------------------------------------------------------------------------------------------


def test_a_roster_of_windows_is_an_alternative_to_the_shorthand():
    r = role(roster=TWILIGHT)
    assert len(r.windows()) == 4
    assert (r.day, r.night, r.weekend) == (4, 2, 2)  # the most on duty in each shorthand period
    assert "day" not in r.model_dump()
    assert r.model_dump()["roster"][1]["start"] == "15:00"
    assert StaffRole.model_validate(r.model_dump()) == r  # written and read back unchanged


def test_the_shorthand_is_written_as_before():
    assert role(day=2, night=1, weekend=1).model_dump() == {"day": 2, "night": 1, "weekend": 1, "on_call": 0,
                                                           "call_in": None}


@pytest.mark.parametrize(("data", "message"), [
    ({"roster": [{"days": "weekdays", "start": "19:00", "end": "07:00", "on_duty": 1},
                 {"days": "weekend", "start": "00:00", "end": "06:00", "on_duty": 1}]},
     "roster windows overlap: weekdays 19:00-07:00 starting Friday and weekend 00:00-06:00 starting Saturday"),
    ({"roster": [{"days": "all", "start": "07:00", "end": "19:00", "on_duty": 1},
                 {"days": "weekdays", "start": "18:00", "end": "20:00", "on_duty": 1}]},
     "roster windows overlap: all 07:00-19:00 starting Monday and weekdays 18:00-20:00 starting Monday"),
    ({"roster": [{"days": "all", "start": "22:00", "end": "08:00", "on_duty": 1},
                 {"days": "weekdays", "start": "07:00", "end": "12:00", "on_duty": 1}]},
     "overlap: all 22:00-08:00 starting Monday and weekdays 07:00-12:00 starting Tuesday"),
    ({"roster": [{"days": "all", "start": "7:00", "end": "19:00", "on_duty": 1}]}, "start '7:00' is not a clock time"),
    ({"roster": [{"days": "all", "start": "07:00", "end": "24:30", "on_duty": 1}]}, "end '24:30' is not a clock"),
    ({"roster": [{"days": "sundays", "start": "07:00", "end": "19:00", "on_duty": 1}]}, "roster.0.days"),
    ({"roster": []}, "roster"),
    ({"day": 1, "night": 1, "weekend": 1, "roster": [{"days": "all", "start": "07:00", "end": "19:00",
                                                      "on_duty": 1}]}, "not both"),
    ({"day": 1, "night": 1}, "give the on-duty headcounts day, night and weekend, or a roster"),
    ({"day": 2, "night": 1, "weekend": 2, "handover": False}, "the same headcount day, night and weekend"),
])
def test_bad_rosters_are_refused_with_a_clear_message(data, message):
    with pytest.raises(ValidationError) as err:
        StaffRole.model_validate(data)
    assert message in str(err.value)


def test_windows_may_cross_midnight_and_fill_the_day():
    r = role(roster=[{"days": "all", "start": "00:00", "end": "24:00", "on_duty": 3}])
    assert r.weekly_intervals()[-1] == (6 * DAY, 7 * DAY, 3)
    r = role(roster=[{"days": "weekend", "start": "20:00", "end": "08:00", "on_duty": 1}])
    assert r.weekly_intervals() == [(5 * DAY + 1200, 6 * DAY + 480, 1), (6 * DAY + 1200, 7 * DAY + 480, 1)]


# -- the weekly clock ----------------------------------------------------------------------------------------


def test_the_shorthand_changes_at_seven_and_nineteen_with_the_shift_headcounts():
    r = role(day=4, night=1, weekend=2)
    week = clock.WeeklyRoster(r.weekly_intervals())
    changes, t = [], 0.0
    while t < 14 * DAY:
        t = week.next_change(t)
        changes.append(t)
    assert changes[:-1] == [clock.next_shift_change(c) for c in [0.0, *changes[:-2]]]
    shifts = {"day": 4, "night": 1, "weekend": 2}
    for probe in np.arange(0.0, 14 * DAY, 37.5):
        assert week.on_duty(probe) == shifts[clock.shift(probe)]
    assert week.change_at(7 * 60) == 4
    assert week.change_at(5 * DAY + 19 * 60) == 1
    assert week.change_at(8 * 60) is None


def test_a_gap_between_windows_has_nobody_on_duty():
    week = clock.WeeklyRoster(role(roster=[{"days": "weekdays", "start": "08:00", "end": "16:00",
                                            "on_duty": 2}]).weekly_intervals())
    assert [week.on_duty(t) for t in (0, 480, 959, 960, 5 * DAY + 600)] == [0, 2, 2, 0, 0]
    assert week.next_change(960) == DAY + 480
    assert week.next_change(4 * DAY + 960) == 7 * DAY + 480  # Friday evening -> next Monday


# -- through the broker --------------------------------------------------------------------------------------


def twilight_world():
    env, log = simpy.Environment(), EventLog()
    r = role(roster=TWILIGHT)
    pool = Pool("H", "midwife", None, week=clock.WeeklyRoster(r.weekly_intervals()))
    broker = Broker(env, log, [pool])
    ctx = SimpleNamespace(env=env, pools={("H", "midwife"): pool}, broker=broker)
    broker.set_shift(clock.shift(0.0))  # a pool without shift names takes its weekly roster now
    env.process(roster_clock(ctx))
    granted: dict[int, float] = {}

    def use(case_id: int, start: float, n: int, hold: float):
        yield env.timeout(start)
        grant = broker.request({pool: n}, 0, case_id)
        yield grant.event
        granted[case_id] = env.now
        yield env.timeout(hold)
        broker.release(grant)

    return env, log, use, granted


def test_a_twilight_shift_hands_over_at_its_own_boundaries():
    # Monday.  Case 1 takes three of the four day staff 14:00-16:00.  At 15:00 the
    # twilight shift (two) arrives complete; the three finish as overtime at 16:00.
    # Case 2 asks for two at 15:30 and gets the twilight pair at once.
    env, log, use, granted = twilight_world()
    env.process(use(1, 840, 3, 120))
    env.process(use(2, 930, 2, 60))
    env.run(until=DAY)
    assert granted == {1: 840, 2: 930}
    rows = log.rows
    assert [(r[1], r[5]) for r in rows if r[2] == "capacity"] == [(0, 1), (420, 4), (900, 2), (1380, 1)]
    assert [(r[1], r[5]) for r in rows if r[2] == "overtime_start"] == [(900, 3)]
    assert [(r[0], r[1], r[5]) for r in rows if r[2] == "overtime_end"] == [(1, 960, 3)]
    table = resources_table(events_frame(rows, 0), DAY).set_index("resource")
    assert table.loc["midwife", "overtime_min"] == pytest.approx(180)
    rostered = 420 * 1 + 480 * 4 + 480 * 2 + 60 * 1
    assert table.loc["midwife", "capacity_mean"] * DAY == pytest.approx(rostered + 180)
    assert table.loc["midwife", "busy_min"] == pytest.approx(3 * 120 + 2 * 60)


def test_the_weekend_roster_and_the_night_that_crosses_midnight():
    env, log, _, _ = twilight_world()
    env.run(until=7 * DAY)
    caps = [(r[1] - 5 * DAY, r[5]) for r in log.rows if r[2] == "capacity" and r[1] >= 4 * DAY + 1380]
    # Friday 23:00 night (1); Saturday 07:00-23:00 (2); night (1); Sunday likewise.
    assert caps == [(-60, 1), (420, 2), (1380, 1), (DAY + 420, 2), (DAY + 1380, 1)]


# -- pools built from a scenario -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def roster_scenario():
    data = baseline_data()
    hid = next(h for h, hosp in data["hospitals"].items() if hosp["staff"])
    name = next(iter(data["hospitals"][hid]["staff"]))
    data["hospitals"][hid]["staff"][name] = {"roster": TWILIGHT, "on_call": 2,
                                             "call_in": {"dist": "fixed", "value": 25}}
    return build(data), hid, name


def test_build_pools_gives_a_roster_role_its_weekly_roster(roster_scenario):
    scenario, hid, name = roster_scenario
    pools = build_pools(scenario, Streams(1, 0))
    pool = pools[(hid, name)]
    assert pool.roster is None
    assert [pool.week.on_duty(t) for t in (0, 600, 960, 1400, 5 * DAY + 600)] == [1, 4, 2, 1, 2]
    assert all(p.week is None and not p.rostered for (h, n), p in pools.items() if n == "operating_room")


def test_call_in_delays_are_keyed_draws_by_case_and_call_number(roster_scenario):
    scenario = roster_scenario[0]
    streams = Streams(7, 3)
    case_keys = {1: ("outreach", 0), 42: ("home", 17)}  # case id -> its stable (source, ordinal)
    for (h, role_name), pool in build_pools(scenario, streams, case_keys).items():
        spec = scenario.hospitals[h].staff.get(role_name)
        if spec is None or spec.call_in is None:
            continue
        for case_id, k in ((1, 0), (1, 1), (42, 0)):
            expected = spec.call_in.ppf(streams.keyed("call_in", h, role_name, *case_keys[case_id], k))
            assert pool.call_in_delay(case_id, k) == expected
            assert pool.call_in_delay(case_id, k) == expected  # stateless: asking again gives the same
