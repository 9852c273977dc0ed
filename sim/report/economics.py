"""The report's "Costs and outcome proxies" section: rows for the template from ``summary.csv``.

Hours, missions and days come with every run; costs only when the scenario
has a ``costs`` section (in its currency); outcome proxies with their
sources and limits, as the scenario gives them.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.analysis.kpis import shown_interval
from sim.analysis.labels import kpi_label

USE_KPIS = ("staff_hours_away_per_year", "staff_hours_away_per_outreach_case", "overtime_hours_per_year",
            "call_in_hours_per_year", "call_ins_per_year", "ambulance_trips_per_year", "ambulance_hours_per_year",
            "nicu_cot_days_per_year")
"""The resource-use KPIs the section lists first (then each role's and each item's hours)."""


def _row(summary: pd.DataFrame, kpi: str) -> dict[str, Any] | None:
    found = summary[summary["kpi"] == kpi]
    if found.empty:
        return None
    r = found.iloc[0]
    low, high, _ = shown_interval(kpi, float(r["ci_low"]), float(r["ci_high"]))
    return {"kpi": kpi, "label": kpi_label(kpi), "unit": r["unit"], "mean": float(r["mean"]),
            "ci_low": low, "ci_high": high}


def use_rows(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """Hours, missions and days: the totals, then each role's hours away and each item's hours in use."""
    parts = [k for k in summary["kpi"] if k.startswith(("staff_hours_away_per_year_", "equipment_hours_per_year_"))]
    return [r for k in (*USE_KPIS, *parts) if (r := _row(summary, k)) is not None]


def cost_rows(summary: pd.DataFrame) -> list[dict[str, Any]]:
    """Every cost KPI (unit ``cost``): the outreach service's a year, per case, and the network's first."""
    kpis = list(summary.loc[summary["unit"] == "cost", "kpi"])
    first = [k for k in ("cost_outreach_per_year", "cost_per_outreach_case", "cost_per_year") if k in kpis]
    return [r for k in (*first, *(k for k in kpis if k not in first)) if (r := _row(summary, k)) is not None]


def proxy_rows(summary: pd.DataFrame, proxies: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per outcome proxy of the scenario: its label, source and limits, the expected number a year,
    the excess due to delay (with the values at the ends of the odds ratio's interval) and the share exposed."""
    rows = []
    for proxy in proxies:
        stem = f"outcome_{proxy['name']}"
        nan = {"mean": math.nan, "ci_low": math.nan, "ci_high": math.nan}
        rows.append({"label": proxy["label"], "source": proxy["source"], "limits": proxy.get("limits", ""),
                     "risk": 100 * float(proxy["risk"]), "exposure": proxy.get("exposure"),
                     "expected": _row(summary, f"{stem}_per_year") or nan,
                     "excess": _row(summary, f"{stem}_excess_per_year") or nan,
                     "excess_low": (_row(summary, f"{stem}_excess_per_year_low") or nan)["mean"],
                     "excess_high": (_row(summary, f"{stem}_excess_per_year_high") or nan)["mean"],
                     "exposed": _row(summary, f"{stem}_exposed_pct") or nan})
    return rows


def section(summary: pd.DataFrame, scenario: dict[str, Any]) -> dict[str, Any]:
    """Everything the section shows: ``use``, ``costs``, ``currency`` (None without rates), the costs'
    source note, and ``proxies``."""
    costs = scenario.get("costs")
    sources = scenario.get("sources") or {}
    return {"use": use_rows(summary), "costs": cost_rows(summary) if costs else [],
            "currency": costs["currency"] if costs else None, "cost_source": sources.get("costs", ""),
            "fixed": sorted((costs or {}).get("fixed_per_year", {}).items()),
            "proxies": proxy_rows(summary, list(scenario.get("outcomes") or []))}
