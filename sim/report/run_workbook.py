"""The sheets of a run folder's ``results.xlsx`` (:mod:`sim.report.workbook` writes them).

``About`` (provenance from ``manifest.json`` and how to read the workbook),
``Summary`` (every row of ``summary.csv``), ``By urgency`` (the per-urgency
KPIs, one row per case type and urgency), ``Resources`` (each pool over
replications), ``Costs`` (the staff-hour and cost KPIs: units ``h`` and
``cost``) and ``Replications`` (``replications.csv``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pandas as pd

from sim import store
from sim.analysis.kpis import unit_of
from sim.analysis.labels import short_label
from sim.report.workbook import (
    UNIT_FORMATS,
    Sheet,
    about_sheet,
    header,
    note_sheet,
    save,
    table_sheet,
    unit_format,
    unit_text,
    with_labels,
)

READING = (
    "Numbers are numbers: units are in the headers (min minutes, % percent of cases from 0 to 100, fraction "
    "from 0 to 1, count a mean per replication, h hours), or in a unit column where a column mixes units.",
    "ci_low and ci_high are 95% Student-t confidence intervals of the mean over replications; for shares of "
    "cases (unit %) they are widened to at least the exact Clopper-Pearson interval of successes out of "
    "trials (see those Summary columns, and per_case for the share of cases pooled).",
    "p10, p50 and p90 are percentiles of the cases pooled over replications (the spread patients see), not "
    "intervals of the mean.",
    "Each sheet is also a file of this folder (summary.csv, resources.parquet, replications.csv); "
    "docs/results.md documents every column.",
)
"""The About sheet's note on how to read the workbook, one row per line."""
URGENCY_STATS = ("mean", "ci_low", "ci_high", "p50", "p90")
CASE_TYPES = ("outreach", "home")
COST_UNITS = ("h", "d", "cost", "count", "%")
COST_STATS = ("mean", "ci_low", "ci_high")
POOL_COLUMNS = {
    "capacity (mean units on duty)": ("capacity_mean", "mean", 1.0, "0.00"),
    "utilisation (fraction)": ("utilisation", "mean", 1.0, "0.000"),
    "busy (h per replication)": ("busy_min", "mean", 1 / 60, "0.0"),
    "overtime (h per replication)": ("overtime_min", "mean", 1 / 60, "0.0"),
    "call-in (h per replication)": ("call_in_min", "mean", 1 / 60, "0.0"),
    "requests (per replication)": ("requests", "mean", 1.0, "0.00"),
    "mean wait (min)": ("mean_wait_min", "mean", 1.0, "0.0"),
    "max wait (min)": ("max_wait_min", "max", 1.0, "0.0"),
    "call-ins (per replication)": ("call_ins", "mean", 1.0, "0.00"),
}
"""Resources sheet header -> (resources.parquet column, aggregation over replications, scale, number format);
a column an older folder lacks is left out."""


def run_about(manifest: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The About rows of a run: scenario, how it was run, provenance, overrides, warnings, how to read."""
    sc = manifest.get("scenario") or {}
    run = sc.get("run") or {}
    rows: list[tuple[str, Any]] = [
        ("title", manifest.get("title") or manifest.get("scenario_name")),
        ("scenario", manifest.get("scenario_name")), ("description", sc.get("description")),
        ("seed", manifest.get("seed")), ("replications", manifest.get("replications")),
        ("horizon (days)", run.get("horizon_days")), ("warm-up (days)", run.get("warmup_days")),
        ("ihsim version", manifest.get("ihsim_version")), ("git commit", manifest.get("git_commit")),
        ("command", " ".join(map(str, manifest.get("command") or []))),
        ("started (UTC)", manifest.get("started")), ("finished (UTC)", manifest.get("finished")),
        ("overrides", list(manifest.get("overrides") or []) or "(none)"),
    ]
    rows += [("warning", w) for w in manifest.get("warnings") or []] or [("warnings", "(none)")]
    costs, source = sc.get("costs"), (sc.get("sources") or {}).get("costs", "no source given")
    rows.append(("costs", f"in {costs['currency']} at the scenario's rates ({source})" if costs
                 else "the scenario has no costs section: hours, missions and days only"))
    rows += [("outcome proxy", f"{p['label']}: {p['source']}") for p in sc.get("outcomes") or []]
    return rows + [("how to read", line) for line in READING]


def split_urgency(kpi: str, urgencies: Sequence[str]) -> tuple[str, str, str] | None:
    """``(case type, urgency, KPI without them)`` of a per-urgency KPI, else ``None``:
    ``"home_decision_to_delivery_min_cat1"`` -> ``("home", "cat1", "decision_to_delivery_min")``."""
    for u in sorted(urgencies, key=len, reverse=True):
        if kpi.endswith(f"_{u}"):
            base = kpi[: -len(u) - 1]
            return ("home", u, base.removeprefix("home_")) if base.startswith("home_") else ("outreach", u, base)
    return None


def urgency_values(summary: pd.DataFrame, urgencies: Sequence[str]) -> pd.DataFrame:
    """Per-urgency KPIs in long form: ``case type``, ``urgency``, ``column`` (header), ``format``, ``value``."""
    rows = []
    for rec in summary.to_dict("records"):
        parts = split_urgency(str(rec["kpi"]), urgencies)
        if parts is None:
            continue
        case_type, u, base = parts
        for stat in (s for s in URGENCY_STATS if s in rec and pd.notna(rec[s])):
            rows.append({"case type": case_type, "urgency": u, "format": unit_format(rec["unit"]), "value": rec[stat],
                         "column": header(f"{short_label(base)} {stat}", unit_text(rec["unit"]))})
    return pd.DataFrame(rows, columns=["case type", "urgency", "column", "format", "value"])


def by_urgency_sheet(summary: pd.DataFrame, urgency: Mapping[str, Any]) -> Sheet:
    """One row per case type and urgency with a value, the urgency's label and target, and for each
    per-urgency KPI its mean, 95% interval and case percentiles where present.

    Parameters
    ----------
    summary : ``summary.csv``, one row per KPI (``kpi``, ``unit``, ``mean``, ``ci_low``, ``ci_high``, ``p50``, ...).
    urgency : the resolved scenario's ``urgency`` mapping (key -> ``{label, target_min, ...}``), in order.
    """
    long = urgency_values(summary, list(urgency))
    if long.empty:
        return note_sheet("By urgency", "No per-urgency KPIs in this run's summary.csv.")
    wide = long.pivot_table(index=["case type", "urgency"], columns="column", values="value", aggfunc="first")
    keys = [(c, u) for c in CASE_TYPES for u in urgency if (c, u) in wide.index]
    wide = wide.loc[keys, list(dict.fromkeys(long["column"]))].reset_index()
    wide.insert(2, "label", wide["urgency"].map(lambda u: (urgency[u] or {}).get("label") or u))
    wide.insert(3, "target (min)", wide["urgency"].map(lambda u: (urgency[u] or {}).get("target_min")))
    formats = dict(zip(long["column"], long["format"], strict=True))
    return Sheet("By urgency", wide.rename_axis(columns=None), {**formats, "target (min)": UNIT_FORMATS["min"]})


def resources_sheet(resources: pd.DataFrame) -> Sheet:
    """Each hospital's pool averaged over replications (the maximum wait: the longest of any).

    Parameters
    ----------
    resources : ``resources.parquet``, one row per replication, hospital and pool; ``*_min`` columns in
        minutes, shown in hours (busy, overtime, call-in) or minutes (waits).
    """
    named = {h: spec for h, spec in POOL_COLUMNS.items() if spec[0] in resources}
    grouped = resources.groupby(["hospital", "resource"], observed=True, sort=True)
    table = pd.DataFrame({h: grouped[col].agg(how) * scale for h, (col, how, scale, _) in named.items()})
    table = table.reset_index().rename(columns={"resource": "pool"})
    return Sheet("Resources", table, {h: spec[3] for h, spec in named.items()})


def cost_rows(summary: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``summary`` the Costs sheet shows: hours (``h``), days (``d``), costs, per-year counts
    (``..._per_year``) and the outcome proxies (``outcome_...``)."""
    kpi = summary["kpi"].astype(str)
    keep = summary["unit"].isin(("h", "d", "cost")) | kpi.str.contains("_per_year") | kpi.str.startswith("outcome_")
    return summary[keep].reset_index(drop=True)


def costs_sheet(summary: pd.DataFrame, currency: str | None) -> Sheet:
    """Hours, days, costs, per-year counts and outcome proxies: a column per statistic and unit, the currency
    in the cost columns' headers; one line saying so when the run has none."""
    rows = cost_rows(summary)
    if rows.empty:
        return note_sheet("Costs", "No staff-hour, cost or outcome KPIs in this run's summary.csv.")
    table = with_labels(rows[["kpi"]])
    formats = {}
    for unit in (u for u in COST_UNITS if (rows["unit"] == u).any()):
        for stat in COST_STATS:
            name = header(stat, unit_text(unit, currency))
            table[name] = rows[stat].where(rows["unit"] == unit)
            formats[name] = UNIT_FORMATS[unit]
    table[header("n", "replications")] = rows["n"]
    return Sheet("Costs", table, {**formats, header("n", "replications"): "0"})


def replications_sheet(replications: pd.DataFrame, summary: pd.DataFrame) -> Sheet:
    """``replications.csv``: a column per KPI, its unit (from ``summary.csv``, else from its name) in the header."""
    units = dict(zip(summary["kpi"], summary["unit"], strict=True))
    kpis = [c for c in replications.columns if c != "replication"]
    names = {k: header(k, unit_text(units.get(k) or unit_of(k))) for k in kpis}
    formats = {names[k]: unit_format(units.get(k) or unit_of(k)) for k in kpis}
    return Sheet("Replications", replications.rename(columns=names), {**formats, "replication": "0"})


def run_sheets(manifest: Mapping[str, Any], summary: pd.DataFrame, resources: pd.DataFrame,
               replications: pd.DataFrame) -> list[Sheet]:
    """Every sheet of a run folder's workbook, in order, from its manifest and tables."""
    sc = manifest.get("scenario") or {}
    currency = (sc.get("costs") or {}).get("currency")
    return [about_sheet(run_about(manifest)), table_sheet("Summary", summary, currency),
            by_urgency_sheet(summary, sc.get("urgency") or {}), resources_sheet(resources),
            costs_sheet(summary, currency), replications_sheet(replications, summary)]


def write_run_workbook(folder: str | Path) -> Path:
    """Write ``results.xlsx`` of a run folder from its tables; returns its path.

    Raises
    ------
    FileNotFoundError
        ``manifest.json``, ``summary.csv``, ``resources.parquet`` or ``replications.csv`` is missing.
    """
    folder = Path(folder)
    sheets = run_sheets(store.read_json(folder), store.read_table(folder, "summary"),
                        store.read_table(folder, "resources"), store.read_table(folder, "replications"))
    return save(folder, sheets)
