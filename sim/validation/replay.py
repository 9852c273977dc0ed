"""(c) A replay of the July 2025 index case.

``scenarios/validation/index-case.yaml`` keeps the baseline network and puts
one scripted planned case at the Central Lung Hospital on Monday 7 July 2025
(model time 0 is 7 July 00:00), 35 weeks, with the reported 2,200 g birth
weight.  Durations are still drawn, so the replay is run many times: the
page shows one replication's timeline in clock time and, over all
replications, how often each reported fact is reproduced.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd

from sim.experiment.runner import replication_tables
from sim.validation.common import scenario

DAY0 = dt.datetime(2025, 7, 7)  # a Monday: model time 0
STEPS = [("case_created", "request from the lung hospital"), ("decision", "decision after the consultation"),
         ("team_requested", "team requested (planned dispatch)"), ("team_assembled", "whole team assembled"),
         ("team_departed", "team leaves NHOG"), ("team_on_site", "team on site at CLH"),
         ("team_ready", "set-up done"), ("theatre_entry", "into theatre"), ("incision", "incision"),
         ("delivery", "delivery"), ("surgery_end", "closure done"),
         ("newborn_departed", "newborn leaves in the incubator"),
         ("nicu_admission", "newborn admitted to the NHOG Neonatal Center"), ("team_returned", "team back at NHOG")]


def clock(minutes: float) -> str:
    """Model minutes as a date and clock time (``Tue 8 Jul 08:00``)."""
    when = DAY0 + dt.timedelta(minutes=float(minutes))
    return when.strftime("%a %-d %b %H:%M")


def replay(replications: int | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(cases, team sizes)``: the scripted case of every replication, and people per team grant."""
    sc = scenario("validation/index-case.yaml")
    n = replications or sc.run.replications
    frames, sizes = [], []
    for rep in range(n):
        tables, _ = replication_tables(sc, sc.run.seed, rep)
        cases = tables["cases"]
        case = cases[cases["case_type"] == "outreach"]
        frames.append(case)
        ev = tables["events"]
        team = ev[(ev["case_id"].isin(case["case_id"])) & (ev["event"] == "acquire")
                  & (ev["time_min"] == float(case["team_assembled_min"].iloc[0]))]
        staff = team[team["resource"].isin(list(sc.hospitals[sc.teams[0].home].staff))]
        if len(staff):
            sizes.append(int(staff["value"].sum()))
    return pd.concat(frames, ignore_index=True), pd.DataFrame({"team_people": sizes})


def timeline(cases: pd.DataFrame) -> pd.DataFrame:
    """Replication 0's milestones in clock time."""
    row = cases.iloc[0]
    return pd.DataFrame([{"step": label, "model time (min)": float(row[f"{m}_min"]),
                          "clock time": clock(row[f"{m}_min"])} for m, label in STEPS])


def _share(mask: pd.Series) -> str:
    return f"{100 * mask.mean():.0f}%"


def facts(cases: pd.DataFrame, sizes: pd.DataFrame) -> pd.DataFrame:
    """Each reported fact, what the replications give, and whether they agree."""
    tuesday = 1440.0
    entry, surgery = cases["theatre_entry_min"], cases["surgery_min"]
    q = surgery.quantile([0.25, 0.5, 0.75])
    rows = [
        ("request the day before surgery (7 July, surgery 8 July)", "surgery on Tue 8 July",
         _share((entry >= tuesday) & (entry < 2 * tuesday))),
        ("team arrived early in the morning of 8 July", "team on site Tue before 08:00",
         _share((cases["team_on_site_min"] >= tuesday) & (cases["team_on_site_min"] < tuesday + 480))),
        ("11 staff in the team", "people granted to the team", f"{sizes['team_people'].min()}–"
         f"{sizes['team_people'].max()} ({len(sizes)} teams)"),
        ("operation of just over 30 minutes", "incision to end of closure, median [IQR]",
         f"{q[0.5]:.0f} [{q[0.25]:.0f}–{q[0.75]:.0f}] min; {_share(surgery.between(30, 40))} in 30–40 min"),
        ("a 2,200 g baby", "birth weight recorded", f"{cases['birth_weight_g'].min():.0f}–"
         f"{cases['birth_weight_g'].max():.0f} g"),
        ("taken by mobile incubator to the NHOG Neonatal Center", "NICU admission at NHOG",
         _share(cases["nicu_hospital"] == "NHOG")),
    ]
    return pd.DataFrame(rows, columns=["reported fact", "model measure", f"over {len(cases)} replications"])
