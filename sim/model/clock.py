"""Clock arithmetic.  Model time is float minutes from Monday 00:00 of week one."""

from __future__ import annotations

import bisect
import math

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


WEEKDAYS = {"weekdays": range(0, 5), "weekend": range(5, 7), "all": range(0, 7)}


def earliest_in_windows(t: float, windows: list[tuple[str, int, int]]) -> float:
    """The earliest time at or after ``t`` that lies inside one of ``windows``.

    Each window is ``(days, start, end)``: ``days`` one of ``weekdays``,
    ``weekend``, ``all``; ``start`` and ``end`` minutes after midnight, end
    after start.  Raises ValueError when no window ever opens.
    """
    day0 = (t // MIN_PER_DAY) * MIN_PER_DAY
    for offset in range(8):
        day = day0 + offset * MIN_PER_DAY
        starts = [day + start for days, start, end in windows
                  if weekday(day) in WEEKDAYS[days] and day + end > t]
        if starts:
            return max(t, min(starts))
    raise ValueError("no planned-operating window in a week")


WEEK_MIN = 7 * MIN_PER_DAY


class WeeklyRoster:
    """A staff pool's on-duty headcount over the week: a step function that changes at shift boundaries.

    Built from the role's shifts as ``(start, end, on_duty)`` in minutes from
    Monday 00:00 (``StaffRole.weekly_intervals``): a shift's start sets its
    headcount; its end sets 0 unless another shift starts there.  Every start
    is a shift change (a handover), even to the same headcount.
    """

    __slots__ = ("counts", "times")

    def __init__(self, intervals: list[tuple[int, int, int]]):
        week = int(WEEK_MIN)
        points = {e % week: 0 for _, e, _ in intervals}
        points.update({s % week: n for s, _, n in intervals})
        self.times = sorted(points)
        self.counts = [points[t] for t in self.times]

    def on_duty(self, t: float) -> int:
        """The headcount in force at ``t``."""
        if not self.times:
            return 0
        return self.counts[bisect.bisect_right(self.times, t % WEEK_MIN) - 1]  # -1: last week's last change

    def next_change(self, t: float) -> float:
        """The first change strictly after ``t``."""
        if not self.times:
            return math.inf
        m = t % WEEK_MIN
        i = bisect.bisect_right(self.times, m)
        return t - m + (self.times[i] if i < len(self.times) else self.times[0] + WEEK_MIN)

    def change_at(self, t: float) -> int | None:
        """The new headcount if the roster changes at ``t``, else None."""
        m = t % WEEK_MIN
        i = bisect.bisect_left(self.times, m)
        return self.counts[i] if i < len(self.times) and self.times[i] == m else None
