"""How long planned mothers wait for theatre: the figures CHANGELOG.md quotes for the planned-slot rules.

Usage (from the repository root, or a checkout of an earlier commit for the "before")::

    python scripts/planned_slot_figures.py

Prints two lines:

1. the baseline with planned outreach cases only (0.3 a day, three replications
   of 365 days, the scenario's seed): the share of planned mothers who
   deteriorated, and, of those who did not, the share taken to theatre more
   than 48 h and 50 h after the decision, the longest wait and the median
   and 90th percentile;
2. the transfer-policy variant with every case planned and transferred (0.7 a
   day, two replications of 365 days): the share handed over after the slot
   and how long the mothers lay at the obstetric hospital before theatre.
"""

from __future__ import annotations

import pandas as pd

from sim.experiment.runner import replication_tables
from sim.scenario.load import load_scenario

PLANNED_ONLY = "demand.outreach.urgency_mix={cat1: 0, cat2: 0, planned: 1}"


def cases(path: str, overrides: list[str], replications: int) -> pd.DataFrame:
    scenario = load_scenario(path, ["run.horizon_days=365", *overrides])
    return pd.concat([replication_tables(scenario, scenario.run.seed, r)[0]["cases"] for r in range(replications)])


def main() -> None:
    c = cases("scenarios/baseline.yaml", ["demand.outreach.rate_per_day=0.3", PLANNED_ONLY], 3)
    done = c[(c["case_type"] == "outreach") & c["theatre_entry_min"].notna()]
    calm = done[done["deteriorated_min"].isna()]
    wait = calm["theatre_entry_min"] - calm["decision_min"]
    print(f"baseline, planned only: {len(done)} cases, deteriorated {done['deteriorated_min'].notna().mean():.1%}; "
          f"not deteriorated: over 48 h {(wait > 2880).mean():.1%}, over 50 h {(wait > 3000).mean():.1%}, "
          f"longest {wait.max() / 60:.0f} h, median {wait.median() / 60:.1f} h, p90 {wait.quantile(0.9) / 60:.1f} h")
    c = cases("scenarios/transfer-policy.yaml", [
        "demand.outreach.rate_per_day=0.7", PLANNED_ONLY,
        "policies.pathway={cat1: transfer, cat2: transfer, planned: transfer}"], 2)
    t = c[(c["case_type"] == "outreach") & c["theatre_entry_min"].notna() & c["deteriorated_min"].isna()]
    lay = t["theatre_entry_min"] - t["handover_done_min"]
    late = (t["handover_done_min"] > t["booked_slot_min"] + 1e-6).mean()
    print(f"planned transfers: {len(t)} cases, handed over after the slot {late:.0%}; at the obstetric hospital "
          f"before theatre: median {lay.median():.0f} min, over 12 h {(lay > 720).sum()}, "
          f"longest {lay.max() / 60:.1f} h")


if __name__ == "__main__":
    main()
