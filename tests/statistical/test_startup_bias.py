"""The start-up bias warning: NICU occupancy from an empty start, against queueing theory.

For an infinite-server queue that starts empty, the expected occupancy at
time t is lambda E[min(S, t)] (Eick, Massey and Whitt 1993); with
exponential stays of mean m that is lambda m (1 - exp(-t / m)), so 95% of
the long-run level is reached at m ln 20.  ``fill_time`` must give that, and
the model's NICU (with cots enough that nobody waits) must fill that way.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from pydantic import TypeAdapter

from sim.analysis.tables import events_frame
from sim.analysis.warmup import pool_busy_series
from sim.model import simulate
from sim.scenario import load_scenario
from sim.scenario.distributions import Distribution
from sim.scenario.feasibility import fill_time, fill_time_of_mixture, nicu_fill_time, scenario_warnings
from tests.conftest import SCENARIOS

BASELINE = SCENARIOS / "baseline.yaml"
parse_distribution = TypeAdapter(Distribution).validate_python


@pytest.mark.parametrize("mean_min", [60.0, 2880.0, 14_400.0])
def test_fill_time_of_exponential_stays_is_mean_times_ln_20(mean_min: float) -> None:
    stay = parse_distribution({"dist": "exponential", "mean": mean_min})
    assert fill_time(stay) == pytest.approx(mean_min * math.log(20), rel=2e-3)


def test_fill_time_of_a_fixed_stay_is_95_percent_of_it() -> None:
    assert fill_time(parse_distribution({"dist": "fixed", "value": 1000})) == pytest.approx(950)


def test_the_baseline_warns_without_a_warm_up_and_not_with_one_long_enough() -> None:
    warned = [w for w in scenario_warnings(load_scenario(BASELINE)) if w.startswith("run.warmup_days: ")]
    assert len(warned) == 1
    assert "NICU cots at NHOG" in warned[0]
    days = math.ceil(nicu_fill_time(load_scenario(BASELINE)) / 1440)  # stays by gestational band
    assert f"--set run.warmup_days={days}" in warned[0]
    assert scenario_warnings(load_scenario(BASELINE, [f"run.warmup_days={days}"])) == []


def test_fill_time_of_a_mixture_is_the_flow_weighted_one() -> None:
    """Half the newborns stay a fixed 1000 min, half 3000: E[min(S, t)] = (min(t, 1000) + min(t, 3000)) / 2
    reaches 95% of the mean 2000 (1900) at t = 2800."""
    flows = [(1.0, parse_distribution({"dist": "fixed", "value": 1000})),
             (1.0, parse_distribution({"dist": "fixed", "value": 3000}))]
    assert fill_time_of_mixture(flows) == pytest.approx(2800)


def test_a_quiet_nicu_gets_no_start_up_warning() -> None:
    quiet = load_scenario(BASELINE, ["hospitals.NHOG.nicu_cots=400"])
    assert not any(w.startswith("run.warmup_days: ") for w in scenario_warnings(quiet))


def test_model_nicu_fills_from_empty_as_the_infinite_server_queue_predicts() -> None:
    """Cots enough that nobody waits, every home birth to the NICU (20 a day), exponential stays of 2 days:
    the cots in use, averaged over replications per day, follow lambda m (1 - exp(-t / m)) within 4 SE."""
    rate_per_day, mean_days, horizon_days, reps = 20, 2.0, 20, 20
    scenario = load_scenario(BASELINE, [
        f"run.horizon_days={horizon_days}", "hospitals.NHOG.nicu_cots=1000",
        f"demand.home_emergency.rate_per_day={rate_per_day}", "demand.home_emergency.nicu_probability=1.0",
        "demand.outreach.rate_per_day=0", f"clinical.nicu_stay={{dist: exponential, mean: {mean_days * 1440}}}",
        "clinical.nicu_stay_by_gestation=null", "demand.home_emergency.nicu_probability_by_gestation=null"])
    events = pd.concat([events_frame(simulate(scenario, 77, rep).rows, rep) for rep in range(reps)])
    per_rep = pool_busy_series(events, "NHOG", "nicu_cot", 1440.0, horizon_days * 1440.0)
    observed = per_rep.mean(axis=1).to_numpy()
    se = per_rep.std(axis=1, ddof=1).to_numpy() / math.sqrt(reps)
    days = np.arange(horizon_days)
    # the average over day d of lambda m (1 - exp(-t / m))
    theory = rate_per_day * mean_days * (1 - mean_days * (np.exp(-days / mean_days) - np.exp(-(days + 1) / mean_days)))
    z = (observed - theory) / se
    assert np.abs(z).max() < 4, np.round(z, 1)
    assert observed[0] < 0.5 * theory[-1] < observed[2]  # a real transient, not a flat series
