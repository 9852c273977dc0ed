"""``ihsim bench``: its JSON contract and the counts behind its ratios (never its timings)."""

from __future__ import annotations

import collections
import json
import math
from pathlib import Path

import pytest
from click.testing import CliRunner

from sim.bench import reference
from sim.bench.core import SEED, count_stress
from sim.cli import cli
from sim.model import simulate
from sim.scenario import load_scenario
from tests.conftest import SCENARIOS

REQUIRED = ["cost_ratio", "events_per_s", "reference_events_per_s", "peak_rss_mib", "speedup_2_workers"]


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
    result = CliRunner().invoke(cli, ["bench", "--json", "--replications", "2", "--repeats", "1",
                                      "--stress", str(stress), "--baseline", str(baseline)])
    assert result.exit_code == 0, result.output
    figures = json.loads(result.stdout.strip().splitlines()[-1])
    for key in REQUIRED:
        assert math.isfinite(figures[key]), key
        assert figures[key] > 0, key
    expected = simulate(load_scenario(stress), SEED, 0)
    assert figures["model_events"] == expected.sim_events
    assert figures["workload"]["requests"] == sum(row[2] == "request" for row in expected.rows)
    ratio = (figures["model_seconds"] / figures["model_events"]) / (
        figures["reference_seconds"] / figures["reference_events"])
    assert figures["cost_ratio"] == pytest.approx(ratio, rel=1e-3)
    assert figures["peak_rss_mib"] >= figures["worker_peak_rss_mib"] > 10


def test_reference_makes_exactly_the_model_runs_requests_and_timeouts(tmp_path: Path) -> None:
    work, kinds = count_stress(load_scenario(short(tmp_path, "stress", 0.5)))
    assert work.requests > work.jobs > 0
    assert kinds["Timeout"] == work.timeouts
    done = processed(reference.build(work))
    assert done["Request"] == done["Release"] == work.requests
    assert done["Timeout"] == work.timeouts


def test_bench_with_a_broken_scenario_exits_2_without_a_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"extends: {SCENARIOS / 'stress'}.yaml\nrun: {{horizon_days: -1}}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["bench", "--stress", str(bad)])
    assert result.exit_code == 2
    assert "horizon_days" in result.output
    assert "Traceback" not in result.output
