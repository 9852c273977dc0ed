"""Shared fixtures: paths and small, fast scenarios."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.scenario import Scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"
RESULT_FILES = ["manifest.json", "events.parquet", "cases.parquet", "resources.parquet", "waits.parquet",
                "occupancy.parquet", "replications.csv", "summary.csv", "unserved.csv", "results.xlsx", "report.html"]
"""Every file of a finished results folder (docs/results.md), figures aside."""


@pytest.fixture(scope="session")
def baseline() -> Scenario:
    return load_scenario(SCENARIOS / "baseline.yaml")


@pytest.fixture(scope="session")
def short_baseline() -> Scenario:
    """The baseline over 60 days: quick, with home emergencies and a few outreach cases."""
    return load_scenario(SCENARIOS / "baseline.yaml", ["run.horizon_days=60"])
