"""Clock arithmetic.  Model time is float minutes from Monday 00:00 of week one."""

from __future__ import annotations

MIN_PER_DAY = 1440.0
DAY_START_MIN = 7 * 60  # 07:00, start of the day shift
NIGHT_START_MIN = 19 * 60  # 19:00, start of the night shift


def clock_to_min(text: str) -> int:
    """'HH:MM' -> minutes after midnight."""
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def minute_of_day(t: float) -> float:
    return t % MIN_PER_DAY


def weekday(t: float) -> int:
    """0 is Monday, 6 is Sunday."""
    return int(t // MIN_PER_DAY) % 7


def shift(t: float) -> str:
    """The roster in force at ``t``: 'day', 'night' or 'weekend'."""
    m = t % MIN_PER_DAY
    if DAY_START_MIN <= m < NIGHT_START_MIN:
        return "weekend" if weekday(t) >= 5 else "day"
    return "night"


def next_shift_change(t: float) -> float:
    """The first shift boundary (07:00 or 19:00) strictly after ``t``."""
    day0 = (t // MIN_PER_DAY) * MIN_PER_DAY
    for boundary in (day0 + DAY_START_MIN, day0 + NIGHT_START_MIN, day0 + MIN_PER_DAY + DAY_START_MIN):
        if boundary > t:
            return boundary
    raise AssertionError("unreachable")


def next_clock_time(t: float, clock_min: int, min_lead: float = 0.0) -> float:
    """The first time of day ``clock_min`` that is at least ``min_lead`` after ``t``."""
    earliest = t + min_lead
    day0 = (earliest // MIN_PER_DAY) * MIN_PER_DAY
    candidate = day0 + clock_min
    return candidate if candidate >= earliest else candidate + MIN_PER_DAY


def in_windows(t: float, windows: list[tuple[int, int]]) -> bool:
    """Whether the time of day of ``t`` falls inside one of the (start, end) minute windows."""
    m = t % MIN_PER_DAY
    for start, end in windows:  # noqa: SIM110 - a plain loop is faster, and this runs on every journey
        if start <= m < end:
            return True
    return False
