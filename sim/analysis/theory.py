"""Queueing theory for validating the model against known results.

Pure functions, no simulation: the M/M/c queue (Poisson arrivals at rate
``lam``, exponential service at rate ``mu`` per server, ``c`` servers, first
come first served, unlimited waiting room) and Little's law.  Rates are per
minute and times are minutes, as everywhere in ihsim; any consistent unit
works.

``scenarios/validation/mmc.yaml`` reduces the model to an M/M/c queue (one
pool of ``c`` team members, every other step instantaneous or unconstrained),
so the simulated wait for the team can be compared with :func:`mmc_wait`.

Formulas (Gross et al., *Fundamentals of Queueing Theory*, 4th ed., 2008,
section 2.3; Kleinrock, *Queueing Systems* vol. 1, 1975, section 3.5):
offered load ``a = lam / mu``, utilisation ``rho = a / c``; Erlang's B
formula by the recursion ``B(0) = 1``, ``B(k) = a B(k-1) / (k + a B(k-1))``
(numerically stable for large ``c``); Erlang's C formula
``C = c B / (c - a (1 - B))``; mean wait in queue ``Wq = C / (c mu - lam)``;
mean number waiting ``Lq = lam Wq``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def _check_mmc(lam: float, mu: float, c: int) -> None:
    if lam < 0 or mu <= 0 or c < 1 or int(c) != c:
        raise ValueError(f"need lam >= 0, mu > 0 and an integer c >= 1 (got lam={lam}, mu={mu}, c={c})")
    if lam >= c * mu:
        raise ValueError(f"unstable queue: utilisation lam/(c mu) = {lam / (c * mu):.3f} >= 1")


def utilisation(lam: float, mu: float, c: int) -> float:
    """Long-run fraction of server capacity in use, ``lam / (c mu)`` (dimensionless)."""
    _check_mmc(lam, mu, c)
    return lam / (c * mu)


def erlang_b(c: int, a: float) -> float:
    """Erlang's B formula: probability that all ``c`` servers are busy in the M/M/c/c loss
    system with offered load ``a`` (erlangs)."""
    if c < 0 or a < 0:
        raise ValueError("need c >= 0 and a >= 0")
    b = 1.0
    for k in range(1, int(c) + 1):
        b = a * b / (k + a * b)
    return b


def erlang_c(c: int, a: float) -> float:
    """Erlang's C formula: probability that an arrival must wait in the M/M/c queue
    with offered load ``a = lam / mu`` erlangs (requires ``a < c``)."""
    if a >= c:
        raise ValueError(f"unstable queue: offered load {a} >= {c} servers")
    if a == 0:
        return 0.0
    b = erlang_b(c, a)
    return c * b / (c - a * (1 - b))


def mmc_wait(lam: float, mu: float, c: int) -> float:
    """Mean wait in queue ``Wq`` of the M/M/c queue (time units of ``1/mu``, e.g. minutes)."""
    _check_mmc(lam, mu, c)
    return erlang_c(c, lam / mu) / (c * mu - lam)


def mmc_queue_length(lam: float, mu: float, c: int) -> float:
    """Mean number waiting ``Lq = lam Wq`` in the M/M/c queue (requests)."""
    return lam * mmc_wait(lam, mu, c)


def mmc_in_system(lam: float, mu: float, c: int) -> float:
    """Mean number in the system ``L = Lq + lam / mu`` (waiting plus in service)."""
    return mmc_queue_length(lam, mu, c) + lam / mu


def little_number(arrival_rate: float, mean_time: float) -> float:
    """Little's law ``L = lambda W``: the time-average number present, given the arrival
    rate (per minute) and the mean time each one stays (minutes)."""
    return arrival_rate * mean_time


def little_time(number: float, arrival_rate: float) -> float:
    """Little's law solved for ``W = L / lambda`` (minutes); NaN when nothing arrives."""
    return number / arrival_rate if arrival_rate > 0 else math.nan


def time_average(times: Sequence[float], steps: Sequence[float], start: float, end: float) -> float:
    """Time-average over ``[start, end]`` of a level that starts at zero and changes by
    ``steps[i]`` at ``times[i]`` (any order; changes before ``start`` set the initial level).

    Used to measure a queue length or an occupancy from an event log, independently
    of the analysis tables.
    """
    if end <= start:
        raise ValueError("need end > start")
    t = np.asarray(times, dtype=float)
    d = np.asarray(steps, dtype=float)
    order = np.argsort(t, kind="stable")
    t, d = t[order], d[order]
    level = np.cumsum(d)
    edges = np.clip(np.append(t, end), start, end)
    area = float(np.sum(level * np.diff(edges)))
    return area / (end - start)
