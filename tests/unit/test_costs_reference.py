"""Resource use per case is worked out faster and stays the same, frame for frame.

The reference is the previous implementation (:mod:`tests.reference.old_costs`: units matched to their
releases with a grouped count and a merge, each per-case figure a grouping merged onto the cases); the
new one (integer codes, units matched by rank in numpy, sums by case row) must give equal frames, values
and types included, on several scenarios (transfers, two obstetric hospitals, a dedicated team, the stress
scenario), seeds and replications, and on a log cut short with units still held.
"""

from __future__ import annotations

import pandas as pd
import pytest

from sim.analysis import costs
from sim.experiment.runner import staff_roles_of
from tests.reference import old_costs
from tests.unit.test_worker_reference import RUNS, tables_of


@pytest.fixture(scope="module", params=RUNS, ids=lambda r: f"{r[0]}-seed{r[1]}-rep{r[2]}")
def run(request):
    return tables_of(*request.param)


def assert_same_use(scenario, events, cases, horizon_min):
    roles = staff_roles_of(scenario)
    spans = costs.unit_spans(events, horizon_min)
    pd.testing.assert_frame_equal(spans, old_costs.unit_spans(events, horizon_min), check_exact=True)
    pd.testing.assert_frame_equal(costs.staff_away(spans, events, roles), old_costs.staff_away(spans, events, roles),
                                  check_exact=True)
    new = costs.resource_use(cases, events, roles, horizon_min, scenario.costs)
    old = old_costs.resource_use(cases, events, roles, horizon_min, scenario.costs)
    for a, b in zip(new, old, strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)
    return spans, new


def test_the_units_and_resource_use_are_the_same(run):
    scenario, events, cases = run
    spans, (use, _) = assert_same_use(scenario, events, cases, scenario.run.horizon_days * 1440.0)
    assert len(spans) > 20
    assert (use["staff_hours"] > 0).any()


def test_the_costs_are_the_same_without_rates(run):
    scenario, events, cases = run
    roles, horizon = staff_roles_of(scenario), scenario.run.horizon_days * 1440.0
    for a, b in zip(costs.resource_use(cases, events, roles, horizon),
                    old_costs.resource_use(cases, events, roles, horizon), strict=True):
        pd.testing.assert_frame_equal(a, b, check_exact=True)


def test_a_log_cut_short_with_units_still_held_gives_the_same_use():
    scenario, events, cases = tables_of("transfer-policy.yaml", 2, 0, 3, cut_min=1500.0)
    spans, _ = assert_same_use(scenario, events, cases, 1500.0)
    assert (spans["end_min"] == 1500.0).any()


def test_several_replications_in_one_log_give_the_same_use():
    parts = [tables_of("transfer-low-severity.yaml", 9, r, 30) for r in range(2)]
    events = pd.concat([p[1] for p in parts], ignore_index=True)
    cases = pd.concat([p[2] for p in parts], ignore_index=True)
    assert_same_use(parts[0][0], events, cases, 30 * 1440.0)
