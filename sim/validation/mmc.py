"""(a) The model reduced to M/M/c queues against Erlang C.

``scenarios/validation/mmc.yaml`` leaves a single pool of ``c`` team members
with exponential busy times (mean ``1/mu``) and Poisson referrals (rate
``lam``); every other step is instantaneous or unconstrained.  The wait for
the team is then the wait in queue of an M/M/c queue.  For each setting,
independent replications give a mean wait, the share of cases that wait and
the team's utilisation; their 95% intervals are set against Erlang C
(:mod:`sim.analysis.theory`).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from sim.analysis import theory
from sim.experiment.runner import replication_tables
from sim.validation.common import ci_text, scenario

WARMUP_DAYS = 5.0
TAIL_DAYS = 1.0  # cases referred in the last day are left out, so no wait is cut short by the horizon


@dataclass(frozen=True)
class Setting:
    """One M/M/c queue: referrals per day, mean busy time (min), servers, horizon (days)."""

    rate_per_day: float
    service_min: float
    servers: int
    horizon_days: float

    @property
    def lam(self) -> float:
        return self.rate_per_day / 1440.0

    @property
    def mu(self) -> float:
        return 1.0 / self.service_min

    def overrides(self) -> list[str]:
        staff = [f"hospitals.HOME.staff.team_member.{s}={self.servers}" for s in ("day", "night", "weekend")]
        return [f"run.horizon_days={self.horizon_days}", f"run.warmup_days={WARMUP_DAYS}",
                f"demand.outreach.rate_per_day={self.rate_per_day}",
                f"clinical.closure={{dist: exponential, mean: {self.service_min}}}", *staff]


SETTINGS = [Setting(12.0, 60.0, 1, 100.0), Setting(19.2, 60.0, 1, 200.0), Setting(36.0, 60.0, 2, 80.0),
            Setting(50.4, 60.0, 3, 60.0), Setting(96.0, 60.0, 5, 40.0)]
"""Utilisations 0.5, 0.8, 0.75, 0.7 and 0.8."""


def measure(setting: Setting, replications: int, seed: int) -> dict[str, list[float]]:
    """Per replication: mean wait for the team (min), share that waited, team utilisation."""
    sc = scenario("validation/mmc.yaml", setting.overrides())
    out: dict[str, list[float]] = {"wait": [], "waited": [], "utilisation": []}
    for rep in range(replications):
        tables, _ = replication_tables(sc, seed, rep)
        cases = tables["cases"]
        window = cases["case_created_min"].between(WARMUP_DAYS * 1440, (setting.horizon_days - TAIL_DAYS) * 1440)
        waits = cases.loc[window, "team_assembly_wait_min"]
        out["wait"].append(float(waits.mean()))
        out["waited"].append(float((waits > 0).mean()))
        res = tables["resources"].set_index(["hospital", "resource"])
        out["utilisation"].append(float(res.loc[("HOME", "team_member"), "utilisation"]))
    return out


def table(replications: int = 10, seed: int = 1) -> pd.DataFrame:
    """One row per setting: theory and simulation side by side.

    Each setting runs with its own seed (``seed + i`` for the i-th setting):
    the settings are separate checks, so they must not share their random
    numbers (with one seed the five queues see the same arrival and service
    numbers, and one unlucky draw moves every row the same way).
    """
    rows = []
    for i, s in enumerate(SETTINGS):
        got = measure(s, replications, seed + i)
        wq, pw = theory.mmc_wait(s.lam, s.mu, s.servers), theory.erlang_c(s.servers, s.lam / s.mu)
        _, low, high, wait_text = ci_text(got["wait"])
        _, plow, phigh, pwait_text = ci_text(got["waited"], 3)
        _, ulow, uhigh, util_text = ci_text(got["utilisation"], 3)
        rho = theory.utilisation(s.lam, s.mu, s.servers)
        rows.append({"queue": f"M/M/{s.servers}", "λ (per day)": s.rate_per_day, "1/μ (min)": s.service_min,
                     "ρ": rho, "days": s.horizon_days, "Erlang C Wq (min)": wq, "simulated Wq, 95% CI": wait_text,
                     "P(wait) theory": pw, "P(wait) simulated": pwait_text, "utilisation simulated": util_text,
                     "all inside": bool(low <= wq <= high and plow <= pw <= phigh and ulow <= rho <= uhigh)})
    return pd.DataFrame(rows)
