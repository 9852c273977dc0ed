"""Helpers shared by the validation checks: scenarios, intervals, markdown tables."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from sim.analysis.stats import mean_ci
from sim.scenario import Scenario, load_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def scenario(name: str, overrides: list[str] | None = None) -> Scenario:
    """A scenario of ``scenarios/`` by relative path, with ``--set`` overrides."""
    return load_scenario(SCENARIOS / name, overrides or [])


def ci_text(values: list[float] | np.ndarray, digits: int = 1,
            bounds: tuple[float, float] = (-math.inf, math.inf)) -> tuple[float, float, float, str]:
    """``(mean, low, high, "mean (low to high)")`` with a Student-t 95% interval, clipped to ``bounds``
    (a share cannot leave 0-100%)."""
    mean, _, low, high, _ = mean_ci(np.asarray(values, dtype=float))
    low, high = max(low, bounds[0]), min(high, bounds[1])
    return mean, low, high, f"{mean:.{digits}f} ({low:.{digits}f} to {high:.{digits}f})"


def fmt(value: object, digits: int = 2) -> str:
    """A table cell: numbers rounded, NaN as an em dash."""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | np.integer):
        return f"{int(value):,}"
    if isinstance(value, float | np.floating):
        return "—" if math.isnan(value) else f"{value:,.{digits}f}"
    return str(value)


def markdown(df: pd.DataFrame, digits: int = 2) -> str:
    """A DataFrame as a GitHub-flavoured markdown table."""
    head = "| " + " | ".join(str(c) for c in df.columns) + " |"
    rule = "|" + "|".join("---" for _ in df.columns) + "|"
    rows = ["| " + " | ".join(fmt(v, digits).replace("|", "\\|") for v in row) + " |"
            for row in df.itertuples(index=False)]
    return "\n".join([head, rule, *rows])
