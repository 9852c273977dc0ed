"""Extreme values: no demand, unlimited staff, and a deterministic run checked stage by stage.

The deterministic run (fixed durations, unlimited capacity) follows
treat-sim's idea: with nothing random and nothing to wait for, every case's
milestones are sums of its stages, computed here by hand from the scenario.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
import pytest

from sim.app import RunOptions, run_loaded
from sim.experiment.runner import replication_tables
from sim.scenario import Scenario, load_scenario
from tests.builders import BASELINE, baseline_data, build, fix_durations, fixed, unlimited

NO_DEMAND = ["run.horizon_days=10", "demand.outreach.rate_per_day=0", "demand.home_emergency.rate_per_day=0"]


def test_zero_demand_gives_no_cases_and_no_errors(tmp_path):
    scenario = load_scenario(BASELINE, NO_DEMAND)
    tables, _ = replication_tables(scenario, 1, 0)
    assert tables["cases"].empty
    assert set(tables["events"]["event"]) == {"capacity"}
    assert (tables["resources"]["busy_min"] == 0).all()
    kpis = tables["kpis"].iloc[0]
    assert math.isnan(kpis["decision_to_delivery_min"])
    assert kpis["outreach_cases"] == kpis["home_cases"] == 0
    out = run_loaded(scenario, RunOptions(replications=2, seed=1, out=tmp_path / "res", progress=False))
    summary = pd.read_csv(out / "summary.csv").set_index("kpi")
    assert summary.loc["decision_to_delivery_min", "n"] == 0
    assert (out / "report.html").is_file()


def test_unlimited_staff_and_equipment_give_no_team_waits():
    data = unlimited(baseline_data(["run.horizon_days=20", "demand.outreach.rate_per_day=2"]))
    tables, _ = replication_tables(build(data), 5, 0)
    cases, resources = tables["cases"], tables["resources"]
    outreach = cases[cases["case_type"] == "outreach"]
    assert len(outreach) > 20
    assert (outreach["team_assembly_wait_min"].dropna() == 0).all()
    assert (resources["mean_wait_min"].fillna(0) == 0).all()
    assert not (tables["events"]["event"] == "call_in").any()


# Deterministic run ---------------------------------------------------------------------------------------

TRAVEL = {"CLH": (15.0, 40.0), "HHH": (11.0, 27.0), "NHTD": (42.0, 75.0)}  # host: (off-peak, peak) minutes
PEAKS = [(7 * 60 + 30, 8 * 60 + 30), (17 * 60 + 30, 18 * 60 + 30)]


def deterministic(pathway: str) -> Scenario:
    """The baseline with every duration fixed, unlimited capacity, no deterioration, no planned scheduling."""
    data = unlimited(fix_durations(baseline_data(["run.horizon_days=20", "demand.outreach.rate_per_day=3"])))
    for route in data["travel"]["routes"]:
        host = next(h for h in route["between"] if h != "NHOG")
        route["off_peak"], route["peak"] = fixed(TRAVEL[host][0]), fixed(TRAVEL[host][1])
    data["clinical"]["deterioration_rate_per_hour"] = {}
    data["clinical"]["minimum_resuscitation"] = dict.fromkeys(data["urgency"], fixed(10.0))
    data["policies"]["planned_urgency"] = None
    data["policies"]["pathway"] = dict.fromkeys(data["urgency"], pathway)
    return build(data)


def travel(host: str, start_min: float) -> float:
    """The road time between NHOG and ``host`` for a journey starting at ``start_min``."""
    minute = start_min % 1440
    return TRAVEL[host][1] if any(a <= minute < b for a, b in PEAKS) else TRAVEL[host][0]


def expected_outreach(sc: Scenario, case: Any) -> dict[str, float]:
    c, team, u, host = sc.clinical, sc.team, case.urgency, case.hospital
    t = {"decision": case.case_created_min + c.consult_answer.mean() + c.consultation.mean()}
    t["team_departed"] = t["decision"] + team.mobilisation.mean()
    t["team_on_site"] = t["team_departed"] + travel(host, t["team_departed"])
    t["team_ready"] = t["team_on_site"] + team.setup_on_site.mean()
    t["stabilisation_end"] = t["decision"] + c.minimum_resuscitation[u].mean()
    t["theatre_entry"] = max(t["team_ready"], t["stabilisation_end"])
    t["delivery"] = t["theatre_entry"] + c.anaesthesia[u].mean() + c.incision_to_delivery.mean()
    t["surgery_end"] = t["delivery"] + c.closure.mean()
    newborn_departs = t["delivery"] + c.neonatal_stabilisation.mean()
    t["nicu_admission"] = newborn_departs + travel(host, newborn_departs)
    t["team_returned"] = t["surgery_end"] + travel(host, t["surgery_end"])
    t["icu_discharge"] = t["surgery_end"] + c.postop_icu.mean()
    t["case_closed"] = max(t["team_returned"] + team.restock.mean(), t["nicu_admission"], t["icu_discharge"])
    return t


def expected_transfer(sc: Scenario, case: Any) -> dict[str, float]:
    c, u, host = sc.clinical, case.urgency, case.hospital
    t = {"decision": case.case_created_min + c.consult_answer.mean() + c.consultation.mean()}
    t["crew_departed"] = t["decision"] + sc.transfer.crew_mobilisation.mean()
    t["crew_on_site"] = t["crew_departed"] + travel(host, t["crew_departed"])
    packaging_starts = max(t["crew_on_site"], t["decision"] + c.minimum_resuscitation[u].mean())
    t["mother_departed"] = packaging_starts + sc.transfer.packaging.mean()
    t["mother_arrived"] = t["mother_departed"] + travel(host, t["mother_departed"])
    t["handover_done"] = t["theatre_entry"] = t["mother_arrived"] + sc.transfer.handover.mean()
    t["delivery"] = t["theatre_entry"] + c.anaesthesia[u].mean() + c.incision_to_delivery.mean()
    t["surgery_end"] = t["delivery"] + c.closure.mean()
    t["nicu_admission"] = t["delivery"] + c.neonatal_stabilisation.mean()
    t["icu_discharge"] = t["surgery_end"] + c.postop_icu.mean()
    t["case_closed"] = max(t["nicu_admission"], t["icu_discharge"])
    return t


def expected_home(sc: Scenario, case: Any) -> dict[str, float]:
    c, u = sc.clinical, case.urgency
    (home,) = sc.demand.home_streams
    t = {"decision": case.case_created_min, "theatre_entry": case.case_created_min + home.decision_to_theatre[u].mean()}
    t["delivery"] = t["theatre_entry"] + c.anaesthesia[u].mean() + c.incision_to_delivery.mean()
    t["surgery_end"] = t["delivery"] + c.closure.mean()
    return t


@pytest.mark.parametrize("pathway", ["outreach", "transfer"])
def test_deterministic_run_gives_the_sum_of_the_stages(pathway):
    sc = deterministic(pathway)
    cases = replication_tables(sc, 2, 0)[0]["cases"]
    expect = {"outreach": expected_outreach, "transfer": expected_transfer}[pathway]
    checked = {"outreach": 0, "home": 0}
    for case in cases[cases["status"] == "completed"].itertuples(index=False):
        wanted = expect(sc, case) if case.case_type == "outreach" else expected_home(sc, case)
        for milestone, value in wanted.items():
            assert getattr(case, f"{milestone}_min") == pytest.approx(value, abs=1e-6), (case.case_id, milestone)
        assert case.decision_to_delivery_min == pytest.approx(wanted["delivery"] - wanted["decision"], abs=1e-6)
        checked[case.case_type] += 1
    assert checked["outreach"] >= 30
    assert checked["home"] >= 100
