"""Markdown tables comparing several results folders (mean and 95% CI).

Usage::

    python scripts/variants_table.py RESULTS_DIR [RESULTS_DIR ...] > table.md

Each folder is a finished ``ihsim run`` results folder; the first is the
reference (normally the baseline).  Printed tables:

1. key KPIs, mean [95% CI] from each ``summary.csv``;
2. more detail (per-urgency DDI, team assembly wait, incubator use);
3. paired differences from the reference, replication by replication
   (valid under common random numbers when both runs used the same seed and
   the change leaves the arrival streams alone);
4. NHOG's own emergency DDI for emergencies decided while an outreach team
   that took NHOG's staff (or a transfer escort) is away, from ``cases.parquet``;
5. paired differences in hours, cost a year (the scenarios' currency) and the
   outcome proxies' expected numbers a year due to delay.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim import store
from sim.analysis.stats import mean_ci

HEADLINE = [
    ("decision_to_delivery_min", "DDI, min"),
    ("decision_to_team_on_site_min", "decision to team on site, min"),
    ("delivery_to_nicu_min", "delivery to NICU, min"),
    ("home_decision_to_delivery_min@NHOG", "NHOG own DDI, min"),
    ("ddi_within_target_pct", "DDI within target, %"),
    ("utilisation_NHOG_obstetric_surgeon", "NHOG obstetric surgeon utilisation, %"),
]
DETAIL = [
    ("decision_to_delivery_min_cat1", "DDI cat1, min"),
    ("decision_to_delivery_min_cat2", "DDI cat2, min"),
    ("decision_to_delivery_min_planned", "DDI planned, min"),
    ("team_assembly_wait_min", "team assembly wait, min"),
    ("utilisation_NHOG_transport_incubator", "incubator utilisation, %"),
    ("utilisation_NHOG_nicu_cot", "NICU cot utilisation, %"),
    ("outreach_in_progress_at_horizon", "outreach cases open at horizon"),
    ("outreach_cases", "outreach cases / year"),
]
PAIRED = [
    ("decision_to_delivery_min", "DDI, min"),
    ("decision_to_team_on_site_min", "decision to team on site, min"),
    ("team_assembly_wait_min", "team assembly wait, min"),
    ("home_decision_to_delivery_min@NHOG", "NHOG own DDI, min"),
]

COSTS = [
    ("staff_hours_away_per_year", "staff-hours away / year"),
    ("overtime_hours_per_year", "overtime hours / year"),
    ("nicu_cot_days_per_year", "NICU days / year"),
    ("cost_outreach_per_year", "outreach cost / year"),
    ("cost_per_year", "network cost / year"),
    ("cost_per_outreach_case", "cost / outreach case"),
    ("outcome_apgar5_below7_excess_per_year", "Apgar < 7 due to delay / year"),
    ("outcome_apgar5_below7_exposed_pct", "babies with DDI > 75 min (cat 1-2), % points"),
]


def fmt(mean: float, low: float, high: float, scale: float = 1.0) -> str:
    """``mean [low, high]`` rounded to the size of the mean, or a dash."""
    if not math.isfinite(mean):
        return "-"
    values = [v * scale for v in (mean, low, high)]
    digits = 0 if abs(values[0]) >= 100 else 1 if abs(values[0]) >= 1 else 2
    mean_s, low_s, high_s = (f"{v:,.{digits}f}" if math.isfinite(v) else "?" for v in values)
    return f"{mean_s} [{low_s}, {high_s}]"


def markdown(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(r) + " |" for r in rows)])


def name_of(folder: Path) -> str:
    """The row label: the folder's name (runs of one scenario with --set differ only there)."""
    return folder.name


def summary_table(folders: list[Path], kpis: list[tuple[str, str]]) -> str:
    """A row per folder, a column per KPI, from ``summary.csv``."""
    rows = []
    for folder in folders:
        summary = store.read_table(folder, "summary").set_index("kpi")
        cells = []
        for kpi, label in kpis:
            scale = 100.0 if label.endswith("utilisation, %") else 1.0
            r = summary.loc[kpi] if kpi in summary.index else None
            cells.append("-" if r is None else fmt(r["mean"], r["ci_low"], r["ci_high"], scale))
        rows.append([name_of(folder), *cells])
    return markdown(["scenario", *(label for _, label in kpis)], rows)


def paired_table(folders: list[Path], kpis: list[tuple[str, str]]) -> str:
    """Variant minus reference, per replication, mean [95% CI]."""
    ref = store.read_table(folders[0], "replications").set_index("replication")
    rows = []
    for folder in folders[1:]:
        var = store.read_table(folder, "replications").set_index("replication")
        cells = []
        for kpi, _ in kpis:
            diff = (var[kpi] - ref[kpi]).to_numpy() if kpi in var and kpi in ref else np.array([])
            mean, _sd, low, high, _n = mean_ci(diff)
            cells.append(fmt(mean, low, high))
        rows.append([name_of(folder), *cells])
    return markdown(["variant - " + name_of(folders[0]), *(label for _, label in kpis)], rows)


def away_mask(home: pd.DataFrame, outreach: pd.DataFrame) -> np.ndarray:
    """Home cases decided between an outreach team's assembly and its return home."""
    decided = home["decision_min"].to_numpy()
    away = np.zeros(len(home), dtype=bool)
    back = outreach["team_returned_min"].fillna(outreach["mother_arrived_min"]).fillna(np.inf)
    for start, end in zip(outreach["team_assembled_min"], back, strict=True):
        if math.isfinite(start):
            away |= (decided >= start) & (decided < end)
    return away


def away_row(folder: Path) -> list[str]:
    cases = store.read_table(folder, "cases", ["replication", "case_type", "hospital", "decision_min",
                                                "decision_to_delivery_min", "team_assembled_min",
                                                "team_returned_min", "mother_arrived_min", "team_home"])
    nhog = cases["team_home"].isna() | (cases["team_home"] == "NHOG")  # a team that took NHOG's staff, or a transfer
    means, count = [], 0
    home_cases = cases[(cases["case_type"] == "home") & (cases["hospital"] == "NHOG")]
    for rep, home in home_cases.groupby("replication"):
        outreach = cases[(cases["case_type"] == "outreach") & (cases["replication"] == rep) & nhog]
        sel = home[away_mask(home, outreach)]
        count += len(sel)
        means.append(sel["decision_to_delivery_min"].mean() if len(sel) else math.nan)
    mean, _sd, low, high, n = mean_ci(np.array(means))
    return [name_of(folder), fmt(mean, low, high), str(count), str(n)]


def away_table(folders: list[Path]) -> str:
    header = ["scenario", "NHOG own DDI while a team is away, min", "such emergencies", "replications with one"]
    return markdown(header, [away_row(f) for f in folders])


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv]
    if not folders or not all(store.is_results_folder(f) for f in folders):
        sys.stderr.write(__doc__ or "")
        return 2
    parts = [summary_table(folders, HEADLINE), summary_table(folders, DETAIL),
             paired_table(folders, PAIRED), away_table(folders), paired_table(folders, COSTS)]
    sys.stdout.write("\n\n".join(parts) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
