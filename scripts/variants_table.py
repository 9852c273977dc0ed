"""Markdown tables of key KPIs (mean and 95% CI) for several results folders.

Usage::

    python scripts/variants_table.py RESULTS_DIR [RESULTS_DIR ...] > table.md

Each folder is a finished ``ihsim run`` results folder; its ``summary.csv``
gives the mean and t-based 95% confidence interval over replications.  The
first folder is the reference (normally the baseline).
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pandas as pd

from sim import store

HEADLINE = [
    ("decision_to_delivery_min", "DDI, min"),
    ("decision_to_team_on_site_min", "decision to team on site, min"),
    ("delivery_to_nicu_min", "delivery to NICU, min"),
    ("home_decision_to_delivery_min", "NHOG own DDI, min"),
    ("ddi_within_target_pct", "DDI within target, %"),
    ("utilisation_NHOG_obstetric_surgeon", "NHOG obstetric surgeon utilisation, %"),
]
DETAIL = [
    ("decision_to_delivery_min_cat1", "DDI cat1, min"),
    ("decision_to_delivery_min_cat2", "DDI cat2, min"),
    ("decision_to_delivery_min_planned", "DDI planned, min"),
    ("team_assembly_wait_min", "team assembly wait, min"),
    ("home_decision_to_delivery_min_cat1", "NHOG own DDI cat1, min"),
    ("utilisation_NHOG_transport_incubator", "incubator utilisation, %"),
    ("outreach_cases", "outreach cases / year"),
]


def cell(row: pd.Series | None, scale: float = 1.0) -> str:
    """``mean [low, high]`` with sensible rounding, or a dash."""
    if row is None or not math.isfinite(row["mean"]):
        return "-"
    values = [row[k] * scale for k in ("mean", "ci_low", "ci_high")]
    digits = 0 if abs(values[0]) >= 100 else 1 if abs(values[0]) >= 1 else 2
    mean, low, high = (f"{v:,.{digits}f}" if math.isfinite(v) else "?" for v in values)
    return f"{mean} [{low}, {high}]"


def table(folders: list[Path], kpis: list[tuple[str, str]]) -> str:
    """One markdown table: a row per folder, a column per KPI."""
    lines = ["| scenario | " + " | ".join(label for _, label in kpis) + " |",
             "|---" * (len(kpis) + 1) + "|"]
    for folder in folders:
        summary = store.read_table(folder, "summary").set_index("kpi")
        name = store.read_json(folder)["scenario_name"]
        cells = []
        for kpi, label in kpis:
            row = summary.loc[kpi] if kpi in summary.index else None
            cells.append(cell(row, 100.0 if label.endswith("utilisation, %") else 1.0))
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv]
    if not folders or not all(store.is_results_folder(f) for f in folders):
        sys.stderr.write(__doc__ or "")
        return 2
    sys.stdout.write(table(folders, HEADLINE) + "\n\n" + table(folders, DETAIL) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
