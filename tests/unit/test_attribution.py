"""Delay attribution on hand-built event logs whose answers are known by construction."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from sim.analysis import attribution
from sim.analysis.tables import EVENT_COLUMNS

NAN = math.nan


def log(rows: list[tuple]) -> pd.DataFrame:
    """Events ``(case, time, event, hospital, resource, value)`` in log order, replication 0."""
    full = [(0, c, t, e, h, r, v, "") for c, t, e, h, r, v in rows]
    return pd.DataFrame(full, columns=EVENT_COLUMNS)


def request(case: int, t: float, *pools: str, event: str = "request") -> list[tuple]:
    return [(case, t, event, "H", p, 1.0) for p in pools]


def acquire(case: int, t: float, *pools: str) -> list[tuple]:
    return request(case, t, *pools, event="acquire")


def release(case: int, t: float, *pools: str) -> list[tuple]:
    return request(case, t, *pools, event="release")


def capacity(t: float, pool: str, units: float) -> list[tuple]:
    return [(-1, t, "capacity", "H", pool, units)]


def no_milestones(case_ids: list[int]) -> pd.DataFrame:
    """Cases without schedule or patient waits (home cases)."""
    cols = ["decision_min", "team_requested_min", "team_ready_min", "stabilisation_end_min", "mother_arrived_min"]
    return pd.DataFrame({"replication": 0, "case_id": case_ids, "case_type": "home", "pathway": "home",
                         **{c: NAN for c in cols}})


@pytest.fixture(scope="module")
def story() -> pd.DataFrame:
    """Case 2 waits for a surgeon and a room; the room frees first, so the surgeon binds.

    Case 3 waits for a room until capacity rises; case 4 waits for an on-call
    surgeon to arrive; case 5 waits for two pools freed by one shift change.
    """
    rows = [*capacity(0, "surgeon", 1), *capacity(0, "room", 1), *capacity(0, "midwife", 0),
            *capacity(0, "cot", 0)]
    rows += [*request(1, 0, "surgeon", "room"), *acquire(1, 0, "surgeon", "room")]
    rows += request(2, 5, "room", "surgeon")
    rows += release(1, 10, "room")
    rows += [*release(1, 20, "surgeon"), *acquire(2, 20, "surgeon", "room")]
    rows += request(3, 25, "room")
    rows += [*capacity(30, "room", 2), *acquire(3, 30, "room")]
    rows += [*release(2, 35, "surgeon", "room"), *request(4, 40, "midwife"), (4, 40, "call_in", "H", "midwife", 1.0),
             (4, 55, "call_in_arrival", "H", "midwife", 1.0), *acquire(4, 55, "midwife"),
             *release(4, 60, "midwife"), (-1, 60, "call_in_home", "H", "midwife", 1.0)]
    rows += [*request(5, 70, "midwife", "cot"), *capacity(100, "midwife", 1), *capacity(100, "cot", 1),
             *acquire(5, 100, "midwife", "cot")]
    rows += request(6, 200, "room", "room2")
    return log(rows + capacity(0, "room2", 0))


@pytest.fixture(scope="module")
def waits(story: pd.DataFrame) -> pd.DataFrame:
    return attribution.case_waits(story, no_milestones([1, 2, 3, 4, 5, 6]), end_min=300.0).set_index("case_id")


def test_the_pool_that_frees_last_binds_and_every_short_pool_is_listed(waits):
    assert waits.loc[2, "wait_min"] == pytest.approx(15.0)
    assert waits.loc[2, "binding"] == "H/surgeon"
    assert set(waits.loc[2, "short"].split(" + ")) == {"H/surgeon", "H/room"}


def test_a_capacity_rise_ends_a_wait_and_names_the_pool(waits):
    assert waits.loc[3, ["start_min", "end_min", "binding"]].tolist() == [25.0, 30.0, "H/room"]


def test_an_on_call_arrival_ends_a_wait(waits):
    assert waits.loc[4, "wait_min"] == pytest.approx(15.0)
    assert waits.loc[4, "binding"] == "H/midwife"


def test_pools_freed_together_both_bind(waits):
    assert set(waits.loc[5, "binding"].split(" + ")) == {"H/midwife", "H/cot"}


def test_a_request_never_granted_is_cut_at_the_end_and_names_the_pool_still_short(waits):
    row = waits.loc[6]
    assert not row["granted"]
    assert row["end_min"] == 300.0
    assert row["binding"] == "H/room2"  # the room had a free unit; the second room never existed


def test_cases_served_at_once_have_no_wait(waits):
    assert 1 not in waits.index


def test_a_pool_taken_by_another_request_meanwhile_still_binds():
    """Case 8 needs F and G.  F frees at 2 but case 9 takes it at 3; G opens at 4;
    F is free again only at 6, so F, not G, was the last to become sufficient."""
    rows = [*capacity(0, "F", 1), *capacity(0, "G", 0), *request(7, 0, "F"), *acquire(7, 0, "F"),
            *request(8, 1, "G", "F"), *release(7, 2, "F"), *request(9, 3, "F"), *acquire(9, 3, "F"),
            *capacity(4, "G", 1), *release(9, 6, "F"), *acquire(8, 6, "F", "G")]
    out = attribution.case_waits(log(rows), no_milestones([7, 8, 9])).set_index("case_id")
    assert out.loc[8, "binding"] == "H/F"
    assert set(out.loc[8, "short"].split(" + ")) == {"H/F", "H/G"}
    assert list(out.index) == [8]


def test_schedule_and_patient_waits_come_from_milestones():
    """A planned case: decision 0, team requested 100, ready 150, mother stable 200, room asked 230."""
    rows = [*capacity(0, "operating_room", 1), *request(10, 230, "operating_room"),
            *acquire(10, 230, "operating_room")]
    cases = no_milestones([10]).assign(case_type="outreach", pathway="outreach", decision_min=0.0,
                                       team_requested_min=100.0, team_ready_min=150.0, stabilisation_end_min=200.0)
    out = attribution.case_waits(log(rows), cases).set_index("step")
    # she was stable only at 200, after her team was sent at 100: the mother, not the planned time, held her
    assert out.loc["planned wait: mother", ["start_min", "end_min"]].tolist() == [0.0, 100.0]
    assert out.loc["planned wait: mother", "binding"] == attribution.MOTHER
    assert "planned wait" not in out.index
    assert out.loc["waiting for the mother", ["start_min", "end_min", "cause"]].tolist() == [150.0, 200.0, "patient"]
    assert out.loc["waiting for the surgery slot", ["start_min", "end_min"]].tolist() == [200.0, 230.0]


def test_a_planned_wait_is_the_mothers_until_she_is_stable_then_the_schedules():
    """Decision 0, mother stable 60, team requested 100: 0-60 the mother, 60-100 the planned time."""
    rows = capacity(0, "operating_room", 1)
    cases = no_milestones([11]).assign(case_type="outreach", pathway="outreach", decision_min=0.0,
                                       team_requested_min=100.0, team_ready_min=150.0, stabilisation_end_min=60.0)
    waits = attribution.case_waits(log(rows), cases, end_min=300.0)
    out = waits.set_index("step")
    assert out.loc["planned wait: mother", ["start_min", "end_min", "binding"]].tolist() == [
        0.0, 60.0, attribution.MOTHER]
    assert out.loc["planned wait", ["start_min", "end_min", "binding"]].tolist() == [
        60.0, 100.0, attribution.PLANNED_TIME]
    path = attribution.case_path(cases.assign(first_decision_min=0.0, theatre_entry_min=150.0).iloc[0], waits)
    labels = dict(zip(path["label"], path["binding"], strict=True))
    assert labels["waiting for the mother to be stable"] == attribution.MOTHER
    assert labels["waiting for the planned time"] == attribution.PLANNED_TIME


def test_an_icu_bed_is_waited_for_only_after_surgery():
    """ICU beds asked for at the decision (10).  Case 12's surgery ends at 50 and a bed opens at 80: a wait
    50-80.  Case 13's surgery ends at 90, after the bed it got at 80: no wait.  Both also wait 10-20 for
    the theatre, which is named apart from the bed."""
    rows = [*capacity(0, "icu_bed", 0), *capacity(0, "operating_room", 0),
            *request(12, 10, "icu_bed"), *request(13, 10, "icu_bed"), *request(12, 10, "operating_room"),
            *capacity(20, "operating_room", 2), *acquire(12, 20, "operating_room"),
            *request(13, 20, "operating_room"), *acquire(13, 20, "operating_room"),
            *capacity(80, "icu_bed", 2), *acquire(12, 80, "icu_bed"), *acquire(13, 80, "icu_bed")]
    cases = no_milestones([12, 13]).assign(surgery_end_min=[50.0, 90.0])
    out = attribution.case_waits(log(rows), cases, end_min=100.0)
    assert out[["case_id", "step", "start_min", "end_min", "binding"]].to_numpy().tolist() == [
        [12, "theatre", 10.0, 20.0, "H/operating_room"], [12, "ICU bed", 50.0, 80.0, "H/icu_bed"]]


def test_an_icu_bed_is_not_waited_for_before_surgery_has_ended():
    """ICU beds asked for at the decision (10), none free.  Case 15 is still in theatre at the end of the
    log (100; no surgery end) and case 16 got a bed at 60 while still in theatre: neither waited for
    the bed, which she did not yet need (only the theatre wait 10-20 of case 15 counts)."""
    rows = [*capacity(0, "icu_bed", 0), *capacity(0, "operating_room", 0),
            *request(15, 10, "icu_bed"), *request(16, 10, "icu_bed"), *request(15, 10, "operating_room"),
            *capacity(20, "operating_room", 2), *acquire(15, 20, "operating_room"),
            *request(16, 20, "operating_room"), *acquire(16, 20, "operating_room"),
            *capacity(60, "icu_bed", 1), *acquire(16, 60, "icu_bed")]
    out = attribution.case_waits(log(rows), no_milestones([15, 16]), end_min=100.0)
    assert out[["case_id", "step", "start_min", "end_min", "binding"]].to_numpy().tolist() == [
        [15, "theatre", 10.0, 20.0, "H/operating_room"]]


def test_a_withdrawn_request_ends_its_wait_ungranted_and_the_next_request_is_matched_to_the_next_grant():
    """Case 14 asks for a cot at 10 and withdraws at 40; it asks again at 50 and gets the cot opened at
    60: two waits, 10-40 not granted, 50-60 granted."""
    rows = [*capacity(0, "nicu_cot", 0), *request(14, 10, "nicu_cot"), *request(14, 40, "nicu_cot", event="withdraw"),
            *request(14, 50, "nicu_cot"), *capacity(60, "nicu_cot", 1), *acquire(14, 60, "nicu_cot")]
    out = attribution.case_waits(log(rows), no_milestones([14]), end_min=100.0)
    assert out[["step", "start_min", "end_min", "granted", "binding"]].to_numpy().tolist() == [
        ["NICU cot", 10.0, 40.0, False, "H/nicu_cot"], ["NICU cot", 50.0, 60.0, True, "H/nicu_cot"]]


def test_sufficient_from_reports_always_enough_and_never_enough():
    levels = (np.array([0, 5]), np.array([0.0, 10.0]), np.array([2.0, 0.0]))
    assert attribution.sufficient_from(levels, 1, 1, 4, 1.0) == -math.inf
    assert attribution.sufficient_from(levels, 1, 6, math.inf, 10.0) == math.inf
    assert attribution.sufficient_from(levels, 3, 1, 4, 1.0) == math.inf


def test_binding_summary_counts_cases_once_per_cause(waits):
    cases = no_milestones([1, 2, 3, 4, 5, 6])
    summary = attribution.binding_summary(waits.reset_index(), cases).set_index("binding")
    assert summary.loc["H/room", "waits"] == 1
    assert summary.loc["H/room", "cases_pct"] == pytest.approx(100 / 6)
    assert summary["total_wait_min"].is_monotonic_decreasing


def test_a_case_that_waits_twice_for_one_cause_counts_once_among_cases():
    waits = pd.DataFrame({"replication": 0, "case_id": [1, 1, 2], "step": "assembling the team",
                          "binding": "H/room", "wait_min": [10.0, 20.0, 30.0]})
    row = attribution.binding_summary(waits, no_milestones([1, 2, 3, 4])).iloc[0]
    assert row["waits"] == 3
    assert row["cases_pct"] == pytest.approx(100 * 2 / 4)
    assert row["total_wait_min"] == 60.0


def test_every_wait_of_a_real_replication_is_explained(short_baseline):
    """On a model run, each wait at the broker names at least one binding pool among its short ones."""
    from sim.experiment.runner import replication_tables

    tables, _ = replication_tables(short_baseline, seed=11, replication=0)
    waits = attribution.case_waits(tables["events"], tables["cases"])
    resource = waits[waits["cause"] == "resource"]
    assert len(resource) > 20
    assert (resource["binding"] != "").all()
    for binding, short in zip(resource["binding"], resource["short"], strict=True):
        assert set(binding.split(" + ")) <= set(short.split(" + "))
    acquired = tables["events"].query("event == 'acquire'")[["case_id", "time_min"]].drop_duplicates()
    granted = resource[resource["granted"]].merge(acquired, left_on=["case_id", "end_min"],
                                                  right_on=["case_id", "time_min"], how="left")
    assert granted["time_min"].notna().all()


def test_the_vectorised_search_agrees_with_the_request_by_request_one(short_baseline):
    from sim.experiment.runner import replication_tables

    tables, _ = replication_tables(short_baseline, seed=5, replication=1)
    ev = tables["events"].reset_index(drop=True)
    requests = attribution.pool_requests(ev[ev["case_id"] >= 0])
    waiting = requests[~(requests["acquire_min"] <= requests["request_min"])]
    levels = attribution.free_levels(ev)
    end_row = waiting["acquire_row"].fillna(math.inf).to_numpy(dtype=float)
    fast = attribution.sufficient_times(levels, waiting["pool"].to_numpy(dtype=str), waiting["need"].to_numpy(),
                                        waiting["request_row"].to_numpy(dtype=float), end_row)
    slow = [attribution.sufficient_from(levels[p], n, int(r), e, t) for p, n, r, e, t in
            zip(waiting["pool"], waiting["need"], waiting["request_row"], end_row, waiting["request_min"], strict=True)]
    assert len(slow) > 50
    np.testing.assert_array_equal(fast, np.array(slow))


def test_the_median_case_of_an_urgency_was_decided_at_it_and_deteriorated_ones_stand_apart():
    """cat1: decided-at-cat1 DDIs 40, 20, 30 (median 30, case 3); two planned mothers deteriorated into cat1
    with DDIs 90 and 50 (median of two: the lower, case 5); planned: one case (6)."""
    rows = [(1, "cat1", "cat1", 40.0, NAN), (2, "cat1", "cat1", 20.0, NAN), (3, "cat1", "cat1", 30.0, NAN),
            (4, "planned", "cat1", 90.0, 500.0), (5, "planned", "cat1", 50.0, 700.0),
            (6, "planned", "planned", 900.0, NAN), (7, "cat2", "cat2", NAN, NAN)]
    cases = pd.DataFrame([{"replication": 0, "case_id": c, "case_type": "outreach", "urgency_initial": a,
                           "urgency": b, "decision_to_delivery_min": d, "deteriorated_min": t}
                          for c, a, b, d, t in rows])
    picked = attribution.median_cases(cases, ["cat1", "cat2", "planned"])
    assert picked[["group", "case_id", "n_cases"]].to_numpy().tolist() == [
        ["cat1", 3, 3], ["cat1 after a deterioration", 5, 2], ["planned", 6, 1]]
