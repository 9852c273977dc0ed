"""The model reduced to an M/M/c queue reproduces Erlang C; Little's law holds on the event log.

``scenarios/validation/mmc.yaml`` leaves one pool of ``c`` team members with
exponential busy times and makes every other step instantaneous and
unconstrained, so the wait for the team is an M/M/c wait in queue.  For each
setting, replications of a long horizon (after a warm-up) give a mean wait per
replication; their Student-t confidence interval must contain the Erlang C
mean wait ``Wq``, and be narrow enough (half-width under 25% of ``Wq``) for
the comparison to mean something; likewise the team's utilisation and the
offered load ``rho``.  The replications are independent, so the interval is
valid.  The file makes six such comparisons with theory (two per setting),
and the three settings share their arrival numbers (common random numbers),
so each interval is at the Bonferroni level ``1 - 0.05 / 6``: a correct model
then fails one of them with probability at most 5%.  (At 95% each, seed 1
missed both M/M/2 checks once the model's random-number use changed, while
the utilisation equalled the realised load lambda-hat x S-hat / c to 0.1%:
a sampling miss, not a model error.)  The seeds are fixed, so the outcome
only changes when the model's random-number use changes.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.analysis import theory
from sim.experiment.runner import replication_tables
from sim.scenario import Scenario, load_scenario
from sim.validation import little
from sim.validation.mmc import WARMUP_DAYS, Setting
from tests.conftest import SCENARIOS

MMC = SCENARIOS / "validation" / "mmc.yaml"
SEED = 1
REPLICATIONS = 20
LEVEL = 1 - 0.05 / 6  # Bonferroni over the six comparisons with theory (see the module docstring)
TAIL_DAYS = 1.0  # arrivals in the last day are left out, so no wait is cut short by the horizon


SETTINGS = {
    "M/M/1 rho=0.5": Setting(12.0, 60.0, 1, 80.0),
    "M/M/2 rho=0.75": Setting(36.0, 60.0, 2, 60.0),
    "M/M/3 rho=0.7": Setting(50.4, 60.0, 3, 40.0),
}


@pytest.fixture(scope="module", params=list(SETTINGS), ids=list(SETTINGS))
def runs(request) -> tuple[Setting, list[dict[str, pd.DataFrame]]]:
    setting = SETTINGS[request.param]
    scenario = load_scenario(MMC, setting.overrides())
    return setting, [replication_tables(scenario, SEED, rep)[0] for rep in range(REPLICATIONS)]


def t_interval(values: list[float]) -> tuple[float, float, float]:
    x = np.asarray(values, dtype=float)
    low, high = stats.t.interval(LEVEL, len(x) - 1, loc=x.mean(), scale=x.std(ddof=1) / math.sqrt(len(x)))
    return float(x.mean()), float(low), float(high)


def team_waits(cases: pd.DataFrame, horizon_days: float) -> pd.Series:
    window = cases["case_created_min"].between(WARMUP_DAYS * 1440, (horizon_days - TAIL_DAYS) * 1440)
    return cases.loc[window, "team_assembly_wait_min"]


def test_the_validation_scenario_is_the_documented_queue():
    sc = load_scenario(MMC)
    assert sc.team.composition == {"team_member": 1}
    assert sc.team.incubator is None
    assert sc.team.ambulances == 0
    assert sc.demand.home_streams == []
    assert sc.clinical.closure.dist == "exponential"
    assert sc.hospitals["HOME"].staff["team_member"].on_call == 0
    assert not any(sc.clinical.deterioration_rate_per_hour.values())
    assert not sc.clinical.minimum_resuscitation


@pytest.mark.slow
def test_mean_team_wait_matches_erlang_c(runs):
    setting, reps = runs
    means = []
    for tables in reps:
        waits = team_waits(tables["cases"], setting.horizon_days)
        assert waits.notna().all(), "every team request in the window must be granted before the horizon"
        means.append(float(waits.mean()))
    mean, low, high = t_interval(means)
    wq = theory.mmc_wait(setting.lam, setting.mu, setting.servers)
    assert (high - low) / 2 < 0.25 * wq, f"interval too wide to test anything: {low:.1f}..{high:.1f}"
    assert low <= wq <= high, (f"Erlang C Wq = {wq:.2f} min outside the {LEVEL:.1%} CI "
                               f"{low:.2f}..{high:.2f} (mean {mean:.2f})")


@pytest.mark.slow
def test_team_utilisation_matches_offered_load(runs):
    setting, reps = runs
    values = []
    for tables in reps:
        res = tables["resources"].set_index(["hospital", "resource"])
        values.append(float(res.loc[("HOME", "team_member"), "utilisation"]))
    _, low, high = t_interval(values)
    rho = theory.utilisation(setting.lam, setting.mu, setting.servers)
    assert low <= rho <= high, f"utilisation {rho:.3f} outside the {LEVEL:.1%} CI {low:.3f}..{high:.3f}"


# Little's law on the event log ---------------------------------------------------------------------------


def little_check(events: pd.DataFrame, resources: pd.DataFrame, start: float, end: float) -> int:
    """For every pool with requests: the time-average number waiting, measured three ways, agrees.

    (1) ``mean_queue`` of the resources table; (2) the same average rebuilt here from the
    request and acquire events; (3) Little's law, arrival rate x mean wait, with the rate
    and the waits taken from the event log (waits still open at ``end`` are cut there).
    Returns the number of pools checked.
    """
    pairs = little.request_pairs(events, start, end)
    table = resources.set_index(["hospital", "resource"])
    checked = 0
    for (hospital, pool), grp in pairs.groupby(["hospital", "resource"]):
        rate = len(grp) / (end - start)
        wait = float((grp["end"] - grp["time_min_req"]).mean())
        times = np.concatenate([grp["time_min_req"], grp.loc[grp["time_min_acq"].notna(), "time_min_acq"]])
        steps = np.concatenate([np.ones(len(grp)), -np.ones(int(grp["time_min_acq"].notna().sum()))])
        rebuilt = theory.time_average(times, steps, start, end)
        reported = float(table.loc[(hospital, pool), "mean_queue"])
        expected = theory.little_number(rate, wait)
        assert rebuilt == pytest.approx(expected, rel=1e-9, abs=1e-12), (hospital, pool)
        assert reported == pytest.approx(expected, rel=1e-9, abs=1e-12), (hospital, pool)
        assert int(table.loc[(hospital, pool), "requests"]) == len(grp)
        checked += 1
    return checked


@pytest.mark.slow
def test_littles_law_holds_for_every_pool_in_the_mmc_runs(runs):
    setting, reps = runs
    for tables in reps[:3]:
        # the team, the host's room and ICU bed, the NICU cot (the telephone consultation holds nobody)
        assert little_check(tables["events"], tables["resources"], WARMUP_DAYS * 1440, setting.horizon_days * 1440) >= 4


def test_littles_law_holds_for_every_pool_of_the_baseline(short_baseline):
    data = short_baseline.model_dump(mode="json", by_alias=True)
    data["run"]["warmup_days"] = 3.0
    data["demand"]["outreach"]["rate_per_day"] = 0.5  # enough outreach cases to queue for the team
    scenario = Scenario.model_validate(data)
    tables, _ = replication_tables(scenario, 11, 0)
    checked = little_check(tables["events"], tables["resources"], 3 * 1440, scenario.run.horizon_days * 1440)
    waited = tables["resources"].query("mean_wait_min > 0")
    assert checked >= 10
    assert len(waited) >= 3, "the check should cover pools where requests really wait"
