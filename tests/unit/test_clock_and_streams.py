"""Clock arithmetic (minutes from Monday 00:00) and named random streams."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from sim.model import clock
from sim.model.rng import Streams, Uniforms, stable_hash, stream
from tests.conftest import ROOT

DAY = 1440.0


def at(day: int, hh: int, mm: int = 0) -> float:
    """Minutes from Monday 00:00 of week one to ``day`` (0 = Monday) at hh:mm."""
    return day * DAY + hh * 60 + mm


@pytest.mark.parametrize(("text", "minutes"), [("00:00", 0), ("07:30", 450), ("23:59", 1439), ("17:05", 1025)])
def test_clock_to_min(text, minutes):
    assert clock.clock_to_min(text) == minutes


def test_minute_of_day_and_weekday():
    assert clock.minute_of_day(at(3, 8, 15)) == 8 * 60 + 15
    assert [clock.weekday(at(d, 12)) for d in range(9)] == [0, 1, 2, 3, 4, 5, 6, 0, 1]


@pytest.mark.parametrize(("t", "expected"), [
    (at(0, 0), "night"), (at(0, 6, 59), "night"), (at(0, 7), "day"), (at(4, 18, 59), "day"),
    (at(4, 19), "night"), (at(5, 7), "weekend"), (at(6, 18, 59), "weekend"), (at(6, 19), "night"),
    (at(7, 7), "day"), (at(12, 10), "weekend"),
])
def test_shift_follows_the_roster_clock(t, expected):
    assert clock.shift(t) == expected


@pytest.mark.parametrize(("t", "expected"), [
    (0.0, at(0, 7)), (at(0, 7), at(0, 19)), (at(0, 7) - 1e-6, at(0, 7)), (at(0, 12), at(0, 19)),
    (at(0, 19), at(1, 7)), (at(0, 23, 59), at(1, 7)), (at(6, 20), at(7, 7)),
])
def test_next_shift_change_is_strictly_after(t, expected):
    assert clock.next_shift_change(t) == expected


def test_shift_is_constant_between_changes():
    rng = np.random.default_rng(1)
    for t in rng.uniform(0, 14 * DAY, 500):
        change = clock.next_shift_change(float(t))
        assert change > t
        assert clock.shift(float(t)) == clock.shift((float(t) + change) / 2)


@pytest.mark.parametrize(("t", "clock_min", "lead", "expected"), [
    (at(0, 6), 8 * 60, 0, at(0, 8)),
    (at(0, 8), 8 * 60, 0, at(0, 8)),
    (at(0, 9), 8 * 60, 0, at(1, 8)),
    (at(0, 6), 8 * 60, 360, at(1, 8)),  # 06:00 + 6 h lead is past today's 08:00
    (at(0, 1), 8 * 60, 360, at(0, 8)),
    (at(6, 23), 8 * 60, 60, at(7, 8)),
])
def test_next_clock_time_respects_the_lead(t, clock_min, lead, expected):
    assert clock.next_clock_time(t, clock_min, lead) == expected


def test_in_windows_is_half_open_and_daily():
    windows = [(450, 510), (1050, 1110)]
    assert clock.in_windows(at(2, 7, 30), windows)
    assert not clock.in_windows(at(2, 8, 30), windows)
    assert clock.in_windows(at(9, 18, 29), windows)
    assert not clock.in_windows(at(0, 12), windows)


# Streams -------------------------------------------------------------------------------------------------


def test_stable_hash_is_the_same_in_a_fresh_interpreter_with_another_hash_seed():
    names = ["travel", "call_in", "outreach_cases", "a stream name that is new"]
    code = f"from sim.model.rng import stable_hash; print([stable_hash(n) for n in {names!r}])"
    for hash_seed in ("0", "12345"):
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                              env={"PYTHONHASHSEED": hash_seed, "PATH": ""}, cwd=ROOT)
        assert done.stdout.strip() == str([stable_hash(n) for n in names])


def test_stable_hash_separates_names_and_fits_32_bits():
    names = [f"stream_{i}" for i in range(2000)]
    hashes = {stable_hash(n) for n in names}
    assert len(hashes) == len(names)
    assert all(0 <= h < 2**32 for h in hashes)


def test_streams_do_not_depend_on_creation_order():
    first, second = Streams(42, 3), Streams(42, 3)
    a1 = first["travel"].random(5)
    b1 = first["call_in"].random(5)
    b2 = second["call_in"].random(5)
    second["a new stream"].random(100)
    a2 = second["travel"].random(5)
    np.testing.assert_array_equal(a1, a2)
    np.testing.assert_array_equal(b1, b2)


def test_streams_differ_by_name_replication_and_seed():
    base = stream(42, 3, "travel").random(4)
    for other in (stream(42, 3, "call_in"), stream(42, 4, "travel"), stream(43, 3, "travel")):
        assert not np.array_equal(base, other.random(4))
    np.testing.assert_array_equal(base, stream(42, 3, "travel").random(4))


def test_a_stream_is_created_once_and_continues():
    streams = Streams(1, 0)
    first = streams["team"].random(3)
    follow = streams["team"].random(3)
    np.testing.assert_array_equal(np.concatenate([first, follow]), stream(1, 0, "team").random(6))


@pytest.mark.parametrize("block", [1, 3, 7, 1024])
def test_block_drawn_uniforms_are_the_stream_drawn_one_call_at_a_time(block: int):
    sizes = [1, 2, None, 21, 5, None, 40, 1, None, 13] * 3
    uniforms = Uniforms(stream(5, 2, "home_cases"), block=block)
    got: list[float] = []
    for n in sizes:
        value = uniforms.random(n)
        assert isinstance(value, float) if n is None else (isinstance(value, list) and len(value) == n)
        got += [value] if n is None else value
    one_by_one = stream(5, 2, "home_cases")
    expected = [float(one_by_one.random()) for _ in range(len(got))]
    assert got == expected


def test_sibling_streams_are_uncorrelated():
    x = stream(7, 0, "outreach_arrivals").random(20_000)
    y = stream(7, 0, "home_arrivals").random(20_000)
    z = stream(7, 1, "outreach_arrivals").random(20_000)
    # |r| of independent samples is below 4/sqrt(n) = 0.028 with overwhelming probability
    assert abs(np.corrcoef(x, y)[0, 1]) < 4 / np.sqrt(len(x))
    assert abs(np.corrcoef(x, z)[0, 1]) < 4 / np.sqrt(len(x))
