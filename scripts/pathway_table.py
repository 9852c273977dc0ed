"""Outreach versus transfer, by urgency and severity, from two results folders.

Usage::

    python scripts/pathway_table.py OUTREACH_DIR TRANSFER_DIR > table.md

Both folders are ``ihsim run`` results of scenarios that differ only in
``policies.pathway`` (every case outreach in the first, every case transfer
in the second: ``scenarios/baseline.yaml`` and
``scenarios/transfer-policy.yaml``), run with the same seed and replications.
The cases are then the same patients in both (common random numbers: same
arrival times, urgency at referral, severity and draws), so each outreach
case is matched to its transfer twin by replication, creation time and
type, and the per-case difference of an interval is a paired difference.

For each (urgency at referral, severity) cell the table gives the number of
matched cases, the mean decision-to-delivery interval (from the first
decision, so that a deterioration does not restart the clock) on each
pathway, the mean paired difference (transfer minus outreach) with a 95%
interval clustered by replication (a t interval over the replications' mean
differences), the share delivered within the urgency's target on each
pathway, and the share who deteriorated before theatre.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from sim import store
from sim.analysis.stats import mean_ci

COLUMNS = ["replication", "case_type", "case_created_min", "urgency_initial", "severity", "status",
           "first_decision_min", "delivery_min", "deteriorated_min"]


def outreach_cases(folder: Path) -> pd.DataFrame:
    cases = store.read_table(folder, "cases", COLUMNS)
    cases = cases[(cases["case_type"] == "outreach") & cases["delivery_min"].notna()].copy()
    cases["ddi_min"] = cases["delivery_min"] - cases["first_decision_min"]
    cases["deteriorated"] = cases["deteriorated_min"].notna()
    return cases.set_index(["replication", "case_created_min"])


def targets(folder: Path) -> dict[str, float]:
    urgency = store.read_json(folder)["scenario"]["urgency"]
    return {name: float(spec["target_min"]) for name, spec in urgency.items()}


def fmt(x: float, digits: int = 0) -> str:
    return "-" if not math.isfinite(x) else f"{x:,.{digits}f}"


def cell_row(urgency: str, severity: str, pair: pd.DataFrame, target: float) -> list[str]:
    by_rep = (pair["ddi_min_t"] - pair["ddi_min_o"]).groupby(level="replication").mean()
    mean, _sd, low, high, _n = mean_ci(by_rep.to_numpy())
    winner = "-" if not math.isfinite(low) else ("outreach" if low > 0 else "transfer" if high < 0 else "neither")
    return [urgency, severity, str(len(pair)), fmt(pair["ddi_min_o"].mean()), fmt(pair["ddi_min_t"].mean()),
            f"{fmt(mean)} [{fmt(low)}, {fmt(high)}]", winner,
            fmt(100 * (pair["ddi_min_o"] <= target).mean()), fmt(100 * (pair["ddi_min_t"] <= target).mean()),
            fmt(100 * pair["deteriorated_o"].mean()), fmt(100 * pair["deteriorated_t"].mean())]


def table(outreach_dir: Path, transfer_dir: Path) -> str:
    pair = outreach_cases(outreach_dir).merge(outreach_cases(transfer_dir), left_index=True, right_index=True,
                                              suffixes=("_o", "_t"))
    pair = pair[pair["urgency_initial_o"] == pair["urgency_initial_t"]]
    goal = targets(outreach_dir)
    header = ["urgency", "severity", "cases", "DDI outreach, min", "DDI transfer, min",
              "transfer - outreach, min [95% CI]", "shorter DDI", "within target outreach, %",
              "within target transfer, %", "deteriorated outreach, %", "deteriorated transfer, %"]
    rows = []
    for (urgency, severity), cell in pair.groupby(["urgency_initial_o", "severity_o"], sort=True):
        rows.append(cell_row(str(urgency), str(severity), cell, goal.get(str(urgency), math.nan)))
    lines = ["| " + " | ".join(header) + " |", "|---" * len(header) + "|"]
    return "\n".join([*lines, *("| " + " | ".join(r) + " |" for r in rows)]) + "\n"


def main(argv: list[str]) -> int:
    folders = [Path(a) for a in argv]
    if len(folders) != 2 or not all(store.is_results_folder(f) for f in folders):
        sys.stderr.write(__doc__ or "")
        return 2
    sys.stdout.write(table(*folders))
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main(sys.argv[1:]))
