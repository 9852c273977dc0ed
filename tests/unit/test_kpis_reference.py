"""A replication's KPIs are worked out faster and stay the same, value for value and key for key.

The reference is the previous implementation (:mod:`tests.reference.old_kpis`: the whole cases table
filtered for each selection, the home cases' team-away flags worked out three times, the staff left at
home grouped role by role in pandas); the new one must give the same KPIs (same keys in the same order,
equal values, NaN where NaN), the same per-case series and the same frames, on several scenarios
(transfers, two obstetric hospitals, a dedicated team, the stress scenario), seeds and replications,
with a warm-up and without, and on a log cut short with cases half done.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import case_kpis, costs, kpis, occupancy, tables
from sim.experiment import runner
from sim.experiment.runner import home_urgencies, staff_roles_of
from tests.reference import old_kpis
from tests.unit.test_worker_reference import RUNS, tables_of


def full_tables(name: str, seed: int, rep: int, days: int, cut_min: float | None = None):
    """``(scenario, events, cases with their resource use, resources, staff away, horizon, warm-up)``."""
    scenario, events, cases = tables_of(name, seed, rep, days, cut_min)
    horizon = cut_min if cut_min is not None else scenario.run.horizon_days * 1440.0
    warmup = scenario.run.warmup_days * 1440.0
    roles = staff_roles_of(scenario)
    new = costs.resource_use(cases, events, roles, horizon, scenario.costs)
    for a, b in zip(new, old_kpis.resource_use(cases, events, roles, horizon, scenario.costs), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    spans = costs.unit_spans(events, horizon)
    pd.testing.assert_frame_equal(costs.staff_away(spans, events, roles), old_kpis.staff_away(spans, events, roles),
                                  check_exact=True)
    cases, away = new
    return scenario, events, cases, tables.resources_table(events, horizon, warmup), away, horizon, warmup


@pytest.fixture(scope="module", params=RUNS, ids=lambda r: f"{r[0]}-seed{r[1]}-rep{r[2]}")
def run(request):
    return full_tables(*request.param)


def assert_same_kpis(new: dict[str, float], old: dict[str, float]) -> None:
    assert list(new) == list(old)
    for kpi, value in old.items():
        assert type(new[kpi]) is type(value), kpi
        assert new[kpi] == value or (math.isnan(new[kpi]) and math.isnan(value)), kpi


def assert_same_series(new: dict[str, pd.Series], old: dict[str, pd.Series]) -> None:
    assert list(new) == list(old)
    for kpi, series in old.items():
        pd.testing.assert_series_equal(new[kpi], series, check_exact=True, obj=kpi)


def kpis_args(scenario, events, cases, resources, horizon, warmup):
    args = (cases, resources, list(scenario.urgency), warmup, events, staff_roles_of(scenario),
            home_urgencies(scenario), horizon)
    kwargs = {"teams": [t.name for t in scenario.teams],
              "home_hospitals": [d.hospital for d in scenario.demand.home_streams],
              "proxies": list(scenario.outcomes)}
    return args, kwargs


def assert_same_replication(scenario, events, cases, resources, away, horizon, warmup) -> dict[str, float]:
    urgencies, homes = list(scenario.urgency), home_urgencies(scenario)
    values = kpis.case_values(cases, urgencies, warmup, homes, list(scenario.outcomes))
    assert_same_series(values, old_kpis.case_values(cases, urgencies, warmup, homes, list(scenario.outcomes)))
    args, kwargs = kpis_args(scenario, events, cases, resources, horizon, warmup)
    new = kpis.replication_kpis(*args, **kwargs, values=values)
    assert_same_kpis(new, old_kpis.replication_kpis(*args, **kwargs))
    assert_same_kpis(kpis.replication_kpis(*args, **kwargs), new)
    shares = kpis.share_counts(cases, urgencies, warmup, kwargs["home_hospitals"])
    pd.testing.assert_frame_equal(shares, old_kpis.share_counts(cases, urgencies, warmup, kwargs["home_hospitals"]),
                                  check_exact=True)
    assert_same_kpis(runner.resource_kpis(scenario, cases, events, resources, away),
                     old_kpis.resource_kpis(scenario, cases, events, resources, away))
    assert_same_kpis(runner.resource_kpis(scenario, cases, events, resources),
                     old_kpis.resource_kpis(scenario, cases, events, resources))
    return new


def test_the_replication_kpis_are_the_same(run):
    new = assert_same_replication(*run)
    assert len(new) > 50
    assert any(math.isnan(v) for v in new.values())


def test_the_kpis_are_the_same_without_the_optional_tables(run):
    scenario, _, cases, resources, _, _, warmup = run
    urgencies = list(scenario.urgency)
    assert_same_kpis(kpis.replication_kpis(cases, resources, urgencies, warmup),
                     old_kpis.replication_kpis(cases, resources, urgencies, warmup))
    assert_same_series(kpis.case_values(cases, urgencies), old_kpis.case_values(cases, urgencies))


def test_the_staff_left_at_home_is_the_same(run):
    scenario, events, cases, _, _, _, warmup = run
    roles = staff_roles_of(scenario)
    for start in (0.0, warmup, 5000.0):
        assert_same_kpis(case_kpis.staff_left_at_home(events, cases, roles, start),
                         old_kpis.staff_left_at_home(events, cases, roles, start))
    assert_same_kpis(case_kpis.staff_left_at_home(events, cases, roles[:1]),
                     old_kpis.staff_left_at_home(events, cases, roles[:1]))


def test_the_stress_scenario_leaves_staff_at_home_while_teams_are_away():
    scenario, events, cases, *_ = full_tables("stress.yaml", 5, 0, 2)
    new = case_kpis.staff_left_at_home(events, cases, staff_roles_of(scenario))
    assert sum(not math.isnan(v) for v in new.values()) >= 4
    assert_same_kpis(new, old_kpis.staff_left_at_home(events, cases, staff_roles_of(scenario)))


def test_the_case_values_by_group_are_the_same(run):
    scenario, _, cases, _, _, _, _ = run
    urgencies = list(scenario.urgency)
    outreach, home = cases[cases["case_type"] == "outreach"], cases[cases["case_type"] == "home"]
    assert_same_series(case_kpis.outreach_values(outreach, urgencies), old_kpis.outreach_values(outreach, urgencies))
    assert_same_series(case_kpis.home_values(home, cases, urgencies), old_kpis.home_values(home, cases, urgencies))
    assert case_kpis.home_counts(home, cases) == old_kpis.home_counts(home, cases)


def test_a_log_cut_short_gives_the_same_kpis():
    """Cases still open at the end, teams still away, units still held."""
    run = full_tables("stress.yaml", 2, 0, 2, cut_min=1500.0)
    assert (run[2]["status"] == "in_progress").any()
    assert_same_replication(*run)
    assert_same_replication(*full_tables("transfer-policy.yaml", 2, 0, 3, cut_min=1500.0))
    assert_same_replication(*full_tables("baseline.yaml", 4, 1, 30, cut_min=20000.0))


def test_several_replications_give_the_same_case_values():
    parts = [full_tables("transfer-low-severity.yaml", 9, r, 30) for r in range(2)]
    cases = pd.concat([p[2] for p in parts], ignore_index=True)
    scenario, warmup = parts[0][0], parts[0][6]
    urgencies = list(scenario.urgency)
    assert_same_series(kpis.case_values(cases, urgencies, warmup, home_urgencies(scenario)),
                       old_kpis.case_values(cases, urgencies, warmup, home_urgencies(scenario)))


def test_the_lowest_level_during_spans_is_the_same():
    """Spans overlapping, touching, empty, reversed or with an empty end; steps before, between and after."""
    rng = np.random.default_rng(3)
    for _ in range(200):
        times = np.unique(rng.integers(0, 60, rng.integers(1, 12)).astype(float))
        levels = rng.integers(-3, 8, len(times)).astype(float)
        spans = rng.integers(-5, 70, (rng.integers(0, 6), 2)).astype(float)
        if len(spans) and rng.random() < 0.2:
            spans[0, 1] = np.nan
        new, old = case_kpis.lowest_during(times, levels, spans), old_kpis.lowest_during(times, levels, spans)
        assert new == old or (math.isnan(new) and math.isnan(old))


def test_the_team_away_flags_are_the_occupancy_module_s():
    """Trips of several replications and hospitals, one replication's trip without a home (then every trip of
    that replication counts for every hospital), decisions at a trip's start and end and before any."""
    rng = np.random.default_rng(5)
    for _ in range(50):
        n = int(rng.integers(0, 8))
        trips = pd.DataFrame({"replication": rng.integers(0, 3, n), "case_id": np.arange(n),
                              "hospital": rng.choice(["A", "B", ""], n, p=[0.45, 0.45, 0.1]),
                              "start_min": rng.integers(0, 50, n).astype(float)})
        trips["end_min"] = trips["start_min"] + rng.choice([0.0, 5.0, 20.0, np.inf], n)
        home = pd.DataFrame({"replication": rng.integers(0, 3, 30), "hospital": rng.choice(["A", "B"], 30),
                             "decision_min": rng.choice([*trips["start_min"], *trips["end_min"], 3.0, 60.0, np.nan],
                                                        30)}, index=rng.permutation(100)[:30])
        home["hospital"] = home["hospital"].astype("string")
        expected = occupancy.flag_team_away(home, trips).to_numpy(dtype=bool)
        assert (case_kpis.team_away(home, None, trips) == expected).all()
