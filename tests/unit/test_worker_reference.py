"""A replication's report tables and home-case KPIs are worked out faster and stay the same, frame for frame.

The reference is the previous implementation (:mod:`tests.reference.old_worker`: pool levels from string
comparisons split pool by pool, occupancy integrated pool by pool and measure by measure, the home cases'
context worked out twice); the new one must give equal frames and series, values and types included, on
several scenarios (transfers, two obstetric hospitals, a dedicated team, the stress scenario), seeds
and replications, and on a log cut short with cases half done.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.analysis import attribution, case_kpis, occupancy, tables
from sim.experiment.runner import home_urgencies
from sim.model import clock, simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS
from tests.reference import old_waits, old_worker

RUNS = [("baseline.yaml", 1, 0, 120), ("baseline.yaml", 7, 3, 120), ("stress.yaml", 5, 0, 2),
        ("stress.yaml", 6, 1, 2), ("transfer-policy.yaml", 2, 1, 120), ("transfer-low-severity.yaml", 8, 0, 120),
        ("second-hospital.yaml", 4, 2, 120), ("dedicated-team.yaml", 3, 0, 120)]


def tables_of(name: str, seed: int, rep: int, days: int, cut_min: float | None = None, sets: tuple[str, ...] = ()):
    warmup = 0 if days < 10 else 10
    scenario = load_scenario(SCENARIOS / name, [f"run.horizon_days={days}", f"run.warmup_days={warmup}", *sets])
    rows = simulate(scenario, seed, rep).rows
    if cut_min is not None:
        rows = [r for r in rows if r[1] < cut_min]
    events = tables.events_frame(rows, rep)
    cases = tables.cases_table(events, {u: v.target_min for u, v in scenario.urgency.items()})
    return scenario, events, cases


@pytest.fixture(scope="module", params=RUNS, ids=lambda r: f"{r[0]}-seed{r[1]}-rep{r[2]}")
def run(request):
    return tables_of(*request.param)


def test_the_waits_are_the_same(run):
    scenario, events, cases = run
    horizon = scenario.run.horizon_days * 1440.0
    new, old = attribution.case_waits(events, cases, end_min=horizon), old_worker.case_waits(events, cases, horizon)
    assert len(new) > 5
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    some = cases["case_id"].iloc[::3].tolist()  # the timeline's way: a few cases, levels from the whole log
    pd.testing.assert_frame_equal(attribution.case_waits(events, cases, case_ids=some),
                                  old_worker.case_waits(events, cases, case_ids=some), check_exact=True)


def test_the_free_levels_are_the_same(run):
    _, events, _ = run
    new, old = attribution.free_levels(events), old_worker.free_levels(events)
    assert list(new) == list(old)
    for pool in old:
        for a, b in zip(new[pool], old[pool], strict=True):
            assert a.dtype == b.dtype
            assert (a == b).all()


def test_the_hourly_occupancy_is_the_same(run):
    scenario, events, _ = run
    horizon, warmup = scenario.run.horizon_days * 1440.0, scenario.run.warmup_days * 1440.0
    for start, end in ((warmup, horizon), (0.0, horizon), (90.0, 1000.5), (30.0, 70.0)):
        new, old = occupancy.hourly_occupancy(events, start, end), old_worker.hourly_occupancy(events, start, end)
        pd.testing.assert_frame_equal(new, old, check_exact=True)


def test_the_home_case_values_and_counts_are_the_same(run):
    scenario, _, cases = run
    home = cases[cases["case_type"] == "home"]
    urgencies = home_urgencies(scenario) or list(scenario.urgency)
    new, old = case_kpis.home_values(home, cases, urgencies), old_worker.home_values(home, cases, urgencies)
    assert list(new) == list(old)
    for kpi, series in old.items():
        pd.testing.assert_series_equal(new[kpi], series, check_exact=True, obj=kpi)
    assert case_kpis.home_counts(home, cases) == old_worker.home_counts(home, cases)


def test_the_target_shares_are_the_same(run):
    _, _, cases = run
    for within in (cases["within_target"], cases["within_target"].iloc[:0],
                   cases["within_target"].astype("boolean"), pd.Series([True, None, False], dtype=object)):
        pd.testing.assert_series_equal(case_kpis.target_shares(within), old_worker.target_shares(within),
                                       check_exact=True)


def test_a_log_cut_short_gives_the_same_report_tables():
    """Cases still open, waits still going at the end, pools never used."""
    _, events, cases = tables_of("baseline.yaml", 2, 0, 3, cut_min=1440.0)
    pd.testing.assert_frame_equal(attribution.case_waits(events, cases, end_min=1440.0),
                                  old_worker.case_waits(events, cases, end_min=1440.0), check_exact=True)
    pd.testing.assert_frame_equal(occupancy.hourly_occupancy(events, 0.0, 1440.0),
                                  old_worker.hourly_occupancy(events, 0.0, 1440.0), check_exact=True)
    pd.testing.assert_frame_equal(occupancy.hourly_occupancy(events.iloc[:0], 0.0, 1440.0),
                                  old_worker.hourly_occupancy(events.iloc[:0], 0.0, 1440.0), check_exact=True)


def test_several_replications_in_one_log_give_the_same_waits():
    parts = [tables_of("transfer-low-severity.yaml", 9, r, 30) for r in range(2)]
    events = pd.concat([p[1] for p in parts], ignore_index=True)
    cases = pd.concat([p[2] for p in parts], ignore_index=True)
    pd.testing.assert_frame_equal(attribution.case_waits(events, cases), old_worker.case_waits(events, cases),
                                  check_exact=True)


def same_waits(events: pd.DataFrame, cases: pd.DataFrame, **kwargs) -> pd.DataFrame:
    new, old = attribution.case_waits(events, cases, **kwargs), old_waits.case_waits(events, cases, **kwargs)
    pd.testing.assert_frame_equal(new, old, check_exact=True)
    return old


def test_the_waits_of_unusual_logs_are_the_same():
    """An empty log; requests without any pool event; a log without a replication column; a replication
    without a wait at the broker (whose columns are objects); the timeline's single cases (one without a
    wait, withdrawn ones); requests still waiting at the end."""
    _, events, cases = tables_of("baseline.yaml", 3, 0, 120)
    assert same_waits(events.iloc[:0], cases.iloc[:0], end_min=100.0).empty
    early = events[events["time_min"] < 120.0]
    assert same_waits(early, cases, end_min=120.0)["case_id"].dtype == object
    asked = same_waits(events[events["event"] == "request"], cases)  # no pool ever had a unit
    resource = asked[asked["cause"] == "resource"]
    assert len(resource) > 5
    assert not resource["granted"].any()
    part = events[events["time_min"] < 20000.0].drop(columns="replication")
    assert len(same_waits(part, cases.drop(columns="replication"))) > 5
    two = pd.concat([early.assign(replication=4), events], ignore_index=True)
    assert len(same_waits(two, pd.concat([cases.assign(replication=4), cases], ignore_index=True))) > 5
    quiet = cases.loc[~cases["case_id"].isin(events.loc[events["event"] == "request", "case_id"]), "case_id"]
    assert same_waits(events, cases, case_ids=quiet.iloc[:1].tolist()).empty
    withdrawn = events.loc[events["event"] == "withdraw", "case_id"].unique().tolist()
    assert not same_waits(events, cases, case_ids=withdrawn, end_min=120 * 1440.0)["granted"].all()
    waits = same_waits(events, cases, end_min=120 * 1440.0)
    longest = waits.loc[waits["cause"] == "resource"].sort_values("wait_min").iloc[-1]
    middle = (longest["start_min"] + longest["end_min"]) / 2  # cut while that request is still waiting
    cut = same_waits(events[events["time_min"] < middle], cases, end_min=middle)
    assert (~cut["granted"] & (cut["end_min"] == middle)).any()


def waits_but_no_icu_bed_before_surgery_ends(events: pd.DataFrame, cases: pd.DataFrame, **kwargs) -> pd.DataFrame:
    """The new waits equal the old ones except that a bed is not waited for by a mother whose surgery has
    not ended (the old code counted her wait for it from the decision); returns the rows dropped."""
    new, old = attribution.case_waits(events, cases, **kwargs), old_waits.case_waits(events, cases, **kwargs)
    no_end = old["case_id"].map(cases.set_index("case_id")["surgery_end_min"]).isna()
    dropped = (old["step"] == "ICU bed") & no_end
    pd.testing.assert_frame_equal(new, old[~dropped].reset_index(drop=True), check_exact=True)
    return old[dropped]


def test_the_waits_for_icu_beds_are_the_same_after_surgery():
    """One ICU bed per host in the stress scenario: beds asked for at the decision and waited for after
    surgery, for every case, some cases, and cases whose surgery has no end (no wait for the bed)."""
    sets = tuple(f"hospitals.{h}.icu_beds=1" for h in ("CLH", "HHH", "NHTD", "H4", "H5", "H6"))
    _, events, cases = tables_of("stress.yaml", 5, 0, 2, sets=sets)
    waits = attribution.case_waits(events, cases, end_min=2 * 1440.0)
    waits_but_no_icu_bed_before_surgery_ends(events, cases, end_min=2 * 1440.0)
    icu = waits.loc[waits["step"] == "ICU bed", "case_id"].unique().tolist()
    assert len(icu) > 10
    waits_but_no_icu_bed_before_surgery_ends(events, cases, case_ids=icu[::2])
    dropped = waits_but_no_icu_bed_before_surgery_ends(events, cases.assign(surgery_end_min=np.nan), case_ids=icu)
    assert sorted(dropped["case_id"].unique()) == sorted(icu)


def test_the_shifts_are_the_clock_s():
    times = np.array([0.0, 419.999, 420.0, 1139.5, 1140.0, 5 * 1440.0 + 420.0, 6 * 1440.0 + 1139.0,
                      7 * 1440.0 + 420.0, 123456.7, np.nan, np.inf])
    expected = [clock.shift(t) if np.isfinite(t) else "" for t in times]
    assert case_kpis.shifts(times).tolist() == expected
