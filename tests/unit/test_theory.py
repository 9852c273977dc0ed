"""Queueing formulas checked by hand and against the textbook sums."""

from __future__ import annotations

import math

import pytest

from sim.analysis import theory


def erlang_c_by_sum(c: int, a: float) -> float:
    """Erlang C from its textbook form, P0 and a sum of c terms (fine for small c)."""
    rho = a / c
    tail = a**c / (math.factorial(c) * (1 - rho))
    p0 = 1 / (sum(a**k / math.factorial(k) for k in range(c)) + tail)
    return tail * p0


def test_mm1_by_hand():
    # M/M/1, lam = 0.5, mu = 1: P(wait) = rho = 0.5; Wq = rho / (mu - lam) = 1; Lq = rho^2/(1-rho) = 0.5
    assert theory.erlang_c(1, 0.5) == pytest.approx(0.5)
    assert theory.mmc_wait(0.5, 1.0, 1) == pytest.approx(1.0)
    assert theory.mmc_queue_length(0.5, 1.0, 1) == pytest.approx(0.5)
    assert theory.mmc_in_system(0.5, 1.0, 1) == pytest.approx(1.0)  # rho / (1 - rho)


def test_mm2_by_hand():
    # M/M/2, lam = mu = 1: P0 = 1/3, P(wait) = 1/3, Wq = (1/3) / (2 - 1) = 1/3 (minutes if rates per minute)
    assert theory.erlang_c(2, 1.0) == pytest.approx(1 / 3)
    assert theory.mmc_wait(1.0, 1.0, 2) == pytest.approx(1 / 3)


@pytest.mark.parametrize(("c", "a"), [(1, 0.3), (2, 1.5), (3, 2.1), (5, 4.5), (10, 6.0), (20, 19.0)])
def test_erlang_c_matches_the_textbook_sum(c, a):
    assert theory.erlang_c(c, a) == pytest.approx(erlang_c_by_sum(c, a), rel=1e-10)


def test_erlang_b_by_hand():
    # B(1, a) = a / (1 + a); B(2, 1) = (1/2) / (1 + 1 + 1/2) = 0.2
    assert theory.erlang_b(1, 3.0) == pytest.approx(0.75)
    assert theory.erlang_b(2, 1.0) == pytest.approx(0.2)


def test_large_pools_stay_finite():
    value = theory.erlang_c(400, 390.0)
    assert 0 < value < 1
    assert theory.erlang_c(400, 200.0) < 1e-12


def test_wait_grows_with_load_and_falls_with_servers():
    waits = [theory.mmc_wait(lam, 1 / 60, 2) for lam in (0.005, 0.015, 0.025, 0.032)]
    assert waits == sorted(waits)
    assert theory.mmc_wait(0.025, 1 / 60, 3) < theory.mmc_wait(0.025, 1 / 60, 2)
    assert theory.mmc_wait(0.0, 1.0, 1) == 0.0


@pytest.mark.parametrize(("lam", "mu", "c"), [(1.0, 1.0, 1), (2.5, 1.0, 2), (-1.0, 1.0, 1), (1.0, 0.0, 1),
                                              (0.5, 1.0, 0)])
def test_unstable_or_invalid_queues_are_refused(lam, mu, c):
    with pytest.raises(ValueError):  # noqa: PT011 - the message varies with the fault
        theory.mmc_wait(lam, mu, c)


def test_little_helpers_invert_each_other():
    assert theory.little_number(0.2, 15.0) == pytest.approx(3.0)
    assert theory.little_time(3.0, 0.2) == pytest.approx(15.0)
    assert math.isnan(theory.little_time(1.0, 0.0))
    assert theory.utilisation(0.025, 1 / 60, 2) == pytest.approx(0.75)


def test_time_average_of_a_step_function():
    # level 1 on [2, 6), 2 on [6, 8), 1 on [8, 10]: area 4 + 4 + 2 = 10 over [0, 10]
    assert theory.time_average([8, 2, 6], [-1, 1, 1], 0, 10) == pytest.approx(1.0)
    # a window that starts inside: level 1 on [5, 6), 2 on [6, 8), 1 on [8, 10] -> 7 / 5
    assert theory.time_average([2, 6, 8], [1, 1, -1], 5, 10) == pytest.approx(7 / 5)
    assert theory.time_average([], [], 0, 10) == 0.0
