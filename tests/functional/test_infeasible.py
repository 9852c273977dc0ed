"""Infeasible scenarios: the run ends at its horizon, warns beforehand, and says which
cases could not be served and why.

Each scenario is the baseline with one capacity taken away (or demand far above
capacity), over a few days with more outreach cases than usual so that every
pathway is exercised.  A timeout guards against a hang.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from sim.analysis.feasibility import unserved_requests, unserved_summary
from sim.cli import cli
from sim.experiment.runner import replication_tables
from sim.scenario import load_scenario
from sim.scenario.feasibility import offered_loads, scenario_warnings
from tests.conftest import SCENARIOS

BUSY = ["run.horizon_days=15", "demand.outreach.rate_per_day=1"]
NO_ANAESTHETIST = "hospitals.NHOG.staff.anaesthetist={day: 0, night: 0, weekend: 0, on_call: 0}"

# kind -> (overrides, key the warning names, pool left waiting, reason)
INFEASIBLE = {
    "team never assembled": ([NO_ANAESTHETIST], "team.composition.anaesthetist", "NHOG/anaesthetist", "never"),
    "no ambulance": (["hospitals.NHOG.ambulances=0"], "team.ambulances", "NHOG/ambulance", "never"),
    # under the wait rule (surge and divert withdraw the request after the wait limit)
    "NICU without cots": (["hospitals.NHOG.nicu_cots=0", "policies.nicu_full=wait"], "hospitals.NHOG.nicu_cots",
                          "NHOG/nicu_cot", "never"),
    "no theatre at the host": (["hospitals.CLH.operating_rooms=0"], "hospitals.CLH.operating_rooms",
                               "CLH/operating_room", "never"),
    "no ICU bed at the host": (["hospitals.CLH.icu_beds=0"], "hospitals.CLH.icu_beds", "CLH/icu_bed", "never"),
    "demand far above capacity": (["demand.outreach.rate_per_day=40"], "demand.outreach.rate_per_day",
                                  "NHOG/transport_incubator", "busy"),
}


@pytest.mark.timeout(180)
@pytest.mark.parametrize("kind", list(INFEASIBLE))
def test_infeasible_scenario_runs_to_its_horizon_and_says_why(kind: str) -> None:
    overrides, key, pool, reason = INFEASIBLE[kind]
    scenario = load_scenario(SCENARIOS / "baseline.yaml", [*BUSY, *overrides])
    warnings = scenario_warnings(scenario)
    assert any(w.startswith(f"{key}: ") for w in warnings), warnings
    tables, _ = replication_tables(scenario, 4, 0)
    horizon = scenario.run.horizon_days * 1440
    assert tables["events"]["time_min"].max() <= horizon
    unserved = tables["unserved"]
    mine = unserved[unserved["pool"] == pool]
    assert len(mine) > 0, unserved
    assert set(mine["reason"]) == {reason}
    in_progress = tables["cases"].query("status == 'in_progress'")["case_id"]
    assert set(mine["case_id"]) <= set(in_progress), "an unserved case cannot have closed"
    assert (mine["waited_min"] > 0).all()
    hospital, resource = pool.split("/")
    events = tables["events"]
    asked = events[(events["event"] == "request") & (events["hospital"] == hospital)
                   & (events["resource"] == resource)].groupby("case_id")["time_min"].max()
    # each one waited from its (last) request of the pool, as logged, to the horizon
    assert (mine["waited_min"].to_numpy() == horizon - asked.loc[mine["case_id"]].to_numpy()).all()


def test_feasible_baseline_gives_no_warning_and_nothing_never_served() -> None:
    """With a warm-up long enough for its NICU (see tests/statistical/test_startup_bias.py), none at all."""
    assert scenario_warnings(load_scenario(SCENARIOS / "baseline.yaml", ["run.warmup_days=40"])) == []
    tables, _ = replication_tables(load_scenario(SCENARIOS / "baseline.yaml", BUSY), 4, 0)
    assert "never" not in set(tables["unserved"]["reason"])


def test_shift_gap_is_a_warning_of_its_own() -> None:
    scenario = load_scenario(SCENARIOS / "baseline.yaml", ["hospitals.NHOG.staff.anaesthetist.night=0",
                                                           "hospitals.NHOG.staff.anaesthetist.on_call=0"])
    warnings = scenario_warnings(scenario)
    assert any("team.composition.anaesthetist" in w and "night shift" in w for w in warnings), warnings
    assert not any("can never be served" in w for w in warnings)


def _triangular_cdf(x: float, low: float, mode: float, high: float) -> float:
    if x <= low:
        return 0.0
    if x >= high:
        return 1.0
    if x <= mode:
        return (x - low) ** 2 / ((high - low) * (mode - low))
    return 1 - (high - x) ** 2 / ((high - low) * (high - mode))


def _lognormal_mean(median: float, p90: float) -> float:
    sigma = math.log(p90 / median) / 1.2815515655446004  # the normal's 90th percentile
    return median * math.exp(sigma**2 / 2)


def test_offered_load_matches_a_hand_calculation_for_nicu_cots() -> None:
    """Lower bound of NICU load = sum over gestational bands of (births in the band needing a cot) x the band's
    mean stay / cots.  Every outreach newborn (gestation triangular 28/34/37) needs a cot; a home emergency's
    (triangular 33/39/41) with 1.0 below 34 weeks, 0.43 at 34-37 and 0.08 from 37.  Band stays (lognormal
    median, p90, days): <30: 50, 75; 30-32: 30, 45; 32-34: 16, 25; 34-37: 7, 14; >=37: 3, 7."""
    scenario = load_scenario(SCENARIOS / "baseline.yaml")
    demand = scenario.demand
    stay = {b: _lognormal_mean(m * 1440, p * 1440) for b, (m, p) in
            {30: (50, 75), 32: (30, 45), 34: (16, 25), 37: (7, 14), 50: (3, 7)}.items()}
    bounds = [(22, 30), (30, 32), (32, 34), (34, 37), (37, 50)]
    outreach = sum((_triangular_cdf(hi, 28, 34, 37) - _triangular_cdf(lo, 28, 34, 37)) * stay[hi]
                   for lo, hi in bounds)
    home = sum((_triangular_cdf(hi, 33, 39, 41) - _triangular_cdf(lo, 33, 39, 41)) * p * stay[hi]
               for lo, hi, p in [(33, 34, 1.0), (34, 37, 0.43), (37, 50, 0.08)])
    per_min = (demand.outreach.rate_per_day * outreach + demand.home_streams[0].rate_per_day * home) / 1440
    expected = per_min / scenario.hospitals["NHOG"].nicu_cots
    loads = {key: load for key, _, load in offered_loads(scenario)}
    assert loads["hospitals.NHOG.nicu_cots"] == pytest.approx(expected, rel=1e-9)


def _log(rows: list[tuple]) -> pd.DataFrame:
    cols = ["case_id", "time_min", "event", "hospital", "resource", "value", "detail"]
    return pd.DataFrame(rows, columns=cols).assign(replication=0)


def test_unserved_names_only_the_pools_that_hold_a_request_back() -> None:
    """A request for a room (free) and two surgeons (one exists) waits for the surgeons only."""
    events = _log([
        (-1, 0.0, "capacity", "H", "operating_room", 1, ""), (-1, 0.0, "capacity", "H", "surgeon", 1, ""),
        (1, 0.0, "case_created", "H", "", float("nan"), "home"), (1, 0.0, "urgency", "H", "", float("nan"), "cat1"),
        (1, 5.0, "request", "H", "operating_room", 1, ""), (1, 5.0, "request", "H", "surgeon", 2, ""),
    ])
    limits = {"H/operating_room": (1, 0, False), "H/surgeon": (1, 0, True)}
    out = unserved_requests(events, 100.0, limits)
    assert list(out["pool"]) == ["H/surgeon"]
    row = out.iloc[0]
    assert (row["reason"], row["needed"], row["free_at_horizon"], row["waited_min"]) == ("never", 2, 1, 95)
    assert row["case_type"] == "home"
    assert "1 on duty at most and 0 on call; 2 needed" in row["message"]
    limits["H/surgeon"] = (1, 1, True)  # an on-call surgeon exists: busy, not impossible
    assert unserved_requests(events, 100.0, limits)["reason"].tolist() == ["busy"]
    assert len(unserved_summary(out, 1)) == 1


@pytest.mark.timeout(300)
def test_cli_run_warns_and_writes_unserved_csv(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / "res"
    result = CliRunner().invoke(cli, ["run", str(SCENARIOS / "baseline.yaml"), "-n", "2", "--out", str(out),
                                      *[x for s in [*BUSY, "hospitals.NHOG.ambulances=0"] for x in ("--set", s)]])
    assert result.exit_code == 0, result.output
    logged = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert any(m.startswith("team.ambulances: ") for m in logged), "warned before the run"
    unserved = pd.read_csv(out / "unserved.csv")
    assert {"NHOG/ambulance"} <= set(unserved["pool"])
    warnings = json.loads((out / "manifest.json").read_text(encoding="utf-8"))["warnings"]
    assert any(w.startswith("team.ambulances: ") for w in warnings)
    assert any(w.startswith("NHOG/ambulance: ") and "unserved.csv" in w for w in warnings)


def test_validate_prints_feasibility_warnings() -> None:
    result = CliRunner().invoke(cli, ["validate", str(SCENARIOS / "baseline.yaml"), "--set", NO_ANAESTHETIST])
    assert result.exit_code == 0, result.output
    assert "team.composition.anaesthetist" in result.output
    assert "can never be served" in result.output


def test_a_short_busy_wait_cut_off_by_the_horizon_is_not_a_warning() -> None:
    row = {"replication": 0, "case_id": 1, "case_type": "home", "urgency": "cat2", "pool": "H/surgeon",
           "needed": 1, "free_at_horizon": 0, "most_on_duty": 1, "on_call": 0, "requested_min": 90.0,
           "waited_min": 10.0, "reason": "busy", "message": "still waiting at the horizon"}
    assert unserved_summary(pd.DataFrame([row]), 1) == []
    assert len(unserved_summary(pd.DataFrame([{**row, "waited_min": 2000.0}]), 1)) == 1
    assert len(unserved_summary(pd.DataFrame([{**row, "reason": "never"}]), 1)) == 1
