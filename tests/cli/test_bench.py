"""``ihsim bench``: its JSON contract and the counts behind its ratios (never its timings)."""

from __future__ import annotations

import collections
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.bench import reference
from sim.bench.core import SEED, count_stress, load_scaling, quartiles, scaled_load
from sim.cli import cli
from sim.model import simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

REQUIRED = ["cost_ratio", "work_ratio", "events_per_s", "reference_events_per_s", "peak_rss_mib",
            "speedup_2_workers", "scaling_16x"]


def short(tmp_path: Path, name: str, days: float) -> Path:
    """A copy of a shipped scenario with a short horizon (``extends`` keeps it a variant)."""
    path = tmp_path / f"{name}-short.yaml"
    path.write_text(f"extends: {SCENARIOS / name}.yaml\nrun: {{horizon_days: {days}}}\n", encoding="utf-8")
    return path


def processed(env) -> collections.Counter[str]:
    """Run ``env`` to the end, counting processed events by type."""
    kinds: collections.Counter[str] = collections.Counter()
    while env.peek() < math.inf:
        kinds[type(env._queue[0][3]).__name__] += 1
        env.step()
    return kinds


@pytest.mark.slow
def test_bench_json_is_the_last_line_and_its_counts_match_the_model(tmp_path: Path) -> None:
    stress, baseline = short(tmp_path, "stress", 1), short(tmp_path, "baseline", 3)
    result = CliRunner().invoke(cli, ["bench", "--json", "--replications", "2", "--repeats", "3", "--load-days", "0.25",
                                      "--stress", str(stress), "--baseline", str(baseline)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in REQUIRED:
        assert math.isfinite(figures[key]), key
        assert figures[key] > 0, key
    expected = simulate(load_scenario(stress), SEED, 0)
    assert figures["model_events"] == expected.sim_events
    assert figures["workload"]["requests"] == sum(row[2] == "request" for row in expected.rows)
    # the ratios are the medians over the pairs of runs, each pair's from its own seconds
    assert figures["repeats"] == len(figures["model_seconds_each"]) == len(figures["reference_seconds_each"]) == 3
    ratios = sorted((m / figures["model_events"]) / (r / figures["reference_events"])
                    for m, r in zip(figures["model_seconds_each"], figures["reference_seconds_each"], strict=True))
    assert figures["cost_ratio"] == pytest.approx(ratios[1], rel=1e-3)
    assert figures["cost_ratio_range"] == pytest.approx([ratios[0], ratios[-1]], rel=1e-3)
    assert ratios[0] <= figures["cost_ratio_iqr"][0] <= figures["cost_ratio"] <= figures["cost_ratio_iqr"][1]
    assert figures["model_seconds"] == pytest.approx(sorted(figures["model_seconds_each"])[1], rel=1e-3)
    by_load = figures["us_per_event_by_load"]
    assert list(by_load) == ["1", "4", "16"]
    assert figures["scaling_16x"] == pytest.approx(by_load["16"] / by_load["1"], rel=1e-3)
    assert figures["load_days"] == 0.25
    # each load ran the stress scenario with its demand and units scaled: about k times the events
    events = figures["events_by_load"]
    assert events["1"] == simulate(scaled_load(load_scenario(stress), 1, 0.25), SEED, 0).sim_events
    assert 8 * events["1"] < events["16"] < 32 * events["1"]
    assert figures["peak_rss_mib"] >= figures["worker_peak_rss_mib"] > 10


def test_reference_makes_exactly_the_model_runs_requests_and_timeouts(tmp_path: Path) -> None:
    work, kinds = count_stress(load_scenario(short(tmp_path, "stress", 0.5)))
    assert work.requests > work.jobs > 0
    assert kinds["Timeout"] == work.timeouts
    done = processed(reference.build(work))
    assert done["Request"] == done["Release"] == work.requests
    assert done["Timeout"] == work.timeouts


def test_reference_counts_every_event_it_processes(tmp_path: Path) -> None:
    """The reference steps as the model does (SimPy's ``env.run``) and counts what a peek-then-step loop counts."""
    work, _ = count_stress(load_scenario(short(tmp_path, "stress", 0.5)))
    env = reference.build(work)
    assert reference.run_to_end(env) == sum(processed(reference.build(work)).values())
    assert [when for when, *_ in env._queue] == [math.inf]  # only SimPy's stop event is left, put back at infinity


def test_bench_with_a_broken_scenario_exits_2_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'stress'}.yaml\nrun: {{horizon_days: -1}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["bench", "--stress", str(bad)])
    assert result.exit_code == 2
    assert "horizon_days" in result.output
    assert "Traceback" not in result.output


def test_quartiles_of_known_values() -> None:
    assert quartiles([3.0]) == (3.0, 3.0, 3.0)
    assert quartiles([4.0, 1.0, 3.0, 2.0, 5.0]) == (2.0, 3.0, 4.0)


def test_a_scaled_load_multiplies_demand_and_every_unit(tmp_path: Path) -> None:
    stress = load_scenario(SCENARIOS / "stress.yaml")
    four = scaled_load(stress, 4, 2)
    assert four.run.horizon_days == 2
    assert four.demand.outreach.rate_per_day == 4 * stress.demand.outreach.rate_per_day
    assert four.demand.home_streams[0].rate_per_day == 4 * stress.demand.home_streams[0].rate_per_day
    for hid, h in stress.hospitals.items():
        h4 = four.hospitals[hid]
        assert (h4.operating_rooms, h4.icu_beds, h4.nicu_cots, h4.ambulances) == \
            (4 * h.operating_rooms, 4 * h.icu_beds, 4 * h.nicu_cots, 4 * h.ambulances)
        assert h4.equipment == {item: 4 * n for item, n in h.equipment.items()}
        for role, r in h.staff.items():
            r4 = h4.staff[role]
            assert (r4.day, r4.night, r4.weekend, r4.on_call) == (4 * r.day, 4 * r.night, 4 * r.weekend, 4 * r.on_call)
            assert r4.call_in == r.call_in  # durations are not loads
    assert four.teams == stress.teams  # what one case needs stays as it is
    assert scaled_load(stress, 1, stress.run.horizon_days) == stress


def test_a_load_that_overflows_a_count_is_refused_with_the_key(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    big.write_text(f"extends: {SCENARIOS / 'stress'}.yaml\nhospitals: {{NHOG: {{icu_beds: 10000}}}}\n",
                   encoding="utf-8")
    result = CliRunner().invoke(cli, ["bench", "--stress", str(big)])
    assert result.exit_code == 2
    assert "hospitals.NHOG.icu_beds" in result.output
    assert "Traceback" not in result.output


def test_a_bench_beyond_the_size_limits_is_refused_before_it_starts() -> None:
    result = CliRunner().invoke(cli, ["bench", "--load-days", "3000", "--repeats", "2", "--replications", "1"])
    assert result.exit_code == 2
    assert "more than 5,000,000 expected cases" in result.output
    assert "--yes" in result.output
    assert "Traceback" not in result.output


def test_the_bench_workload_counts_every_timed_run() -> None:
    from sim.bench.core import bench_workload

    stress, baseline = load_scenario(SCENARIOS / "stress.yaml"), load_scenario(SCENARIOS / "baseline.yaml")

    def per_day(sc) -> float:
        return sc.demand.outreach.rate_per_day + sum(h.rate_per_day for h in sc.demand.home_streams)

    work = bench_workload(stress, baseline, replications=3, repeats=7, load_days=2.0)
    # 1 counting + 7 timed stress runs; 5 rounds of the loads, each round 16 runs at x1, 4 at x4 and 1 at x16
    # (16 + 16 + 16 times the demand); 3 baseline replications on one worker and again on two
    expected = (per_day(stress) * stress.run.horizon_days * 8 + per_day(stress) * 2.0 * 48 * 5
                + per_day(baseline) * baseline.run.horizon_days * 3 * 2)
    assert work.cases == pytest.approx(expected)
    assert (work.runs, work.replications) == (8 + 21 * 5 + 2, 8 + 21 * 5 + 6)


def test_every_load_does_the_same_work_in_a_round(tmp_path: Path) -> None:
    stress = load_scenario(short(tmp_path, "stress", 0.25))
    variants = {k: scaled_load(stress, k, 0.25) for k in (1, 4, 16)}
    runs = load_scaling(variants, repeats=2)
    one_run = {k: simulate(v, SEED, 0).sim_events for k, v in variants.items()}
    for k, timings in runs.items():
        assert len(timings) == 2
        assert all(t.events == one_run[k] * (16 // k) for t in timings)  # 16 / k runs of the load a round
