"""(d) The baseline's decision-to-delivery intervals against published audits.

The baseline is run for a year, many times; decision-to-delivery intervals
(DDI) are pooled over replications for percentiles, and per-replication
means and shares give 95% intervals.  NHOG's own emergency caesareans are set
against audits of in-hospital category 1 and 2 caesareans
(``docs/parameters.md``, decision-to-delivery audits).  No audit of outreach
caesareans exists; their intervals are shown against the targets instead.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

from sim.experiment.runner import replication_tables
from sim.validation.common import ci_text, scenario

PCT = (0.0, 100.0)


@dataclass(frozen=True)
class Published:
    """One audit figure: what was measured, its value or range, and where it comes from."""

    urgency: str
    measure: str  # "mean" (min) or "pct30" / "pct75" (% delivered within 30 / 75 min)
    low: float
    high: float
    source: str


PUBLISHED = [
    Published("cat1", "mean", 21.2, 21.2, "systematic review, 34 studies (Obstet Gynecol 2014, PubMed 24499762)"),
    Published("cat1", "mean", 23.9, 23.9, "Wong et al., Singapore Med J 2017"),
    Published("cat1", "pct30", 61, 97, "systematic review 79% (95% CI 61–97)"),
    Published("cat1", "pct30", 66.3, 67, "Tuffnell et al., BMJ 2001 (66.3%); Maducolil et al. 2021, Qatar (67%)"),
    Published("cat1", "mean", 42.0, 42.0, "Temesgen et al., BMC Pregnancy Childbirth 2020, Gondar (42 ± 21.4)"),
    Published("cat1", "pct30", 19.6, 19.6, "Temesgen et al. 2020, Gondar"),
    Published("cat1", "pct30", 15.9, 24.7, "Bahir Dar, BMC Pregnancy Childbirth 2021: 20.3% (15.9–24.7)"),
    Published("cat2", "mean", 42.6, 42.6, "systematic review (Obstet Gynecol 2014)"),
    Published("cat2", "mean", 64.5, 64.5, "Wong et al., Singapore Med J 2017"),
    Published("cat2", "pct30", 24, 48, "systematic review 36% (95% CI 24–48)"),
]


def run(replications: int = 30, seed: int = 20250708) -> pd.DataFrame:
    """The cases table of ``replications`` one-year baseline runs."""
    sc = scenario("baseline.yaml")
    return pd.concat([replication_tables(sc, seed, rep)[0]["cases"] for rep in range(replications)],
                     ignore_index=True)


def _per_rep(cases: pd.DataFrame, measure: str) -> np.ndarray:
    ddi = cases.groupby("replication")["decision_to_delivery_min"]
    if measure == "mean":
        return ddi.mean().to_numpy()
    limit = 30 if measure == "pct30" else 75
    return ddi.apply(lambda s: 100 * float((s.dropna() <= limit).mean())).to_numpy()


def distribution(cases: pd.DataFrame) -> pd.DataFrame:
    """DDI by case type and urgency: cases, percentiles (pooled), mean and shares with 95% CIs."""
    rows = []
    delivered = cases[cases["decision_to_delivery_min"].notna()]
    for (ctype, urgency), grp in delivered.groupby(["case_type", "urgency"], sort=True):
        q = grp["decision_to_delivery_min"].quantile([0.1, 0.5, 0.9])
        rows.append({"cases": ctype, "urgency": urgency, "delivered": len(grp),
                     "p10 (min)": q[0.1], "median (min)": q[0.5], "p90 (min)": q[0.9],
                     "mean (min), 95% CI": ci_text(_per_rep(grp, "mean"))[3],
                     "% within 30 min": ci_text(_per_rep(grp, "pct30"), bounds=PCT)[3],
                     "% within 75 min": ci_text(_per_rep(grp, "pct75"), bounds=PCT)[3],
                     "% within target": f"{100 * grp['within_target'].astype(float).mean():.1f}"})
    return pd.DataFrame(rows)


def comparison(cases: pd.DataFrame) -> pd.DataFrame:
    """Home emergency caesareans against each published figure: inside, below or above."""
    home = cases[(cases["case_type"] == "home") & cases["decision_to_delivery_min"].notna()]
    rows = []
    for pub in PUBLISHED:
        values = _per_rep(home[home["urgency"] == pub.urgency], pub.measure)
        _, low, high, text = ci_text(values, bounds=(0.0, math.inf) if pub.measure == "mean" else PCT)
        side = "overlaps" if high >= pub.low and low <= pub.high else ("below" if high < pub.low else "above")
        shown = f"{pub.low:g}" if pub.low == pub.high else f"{pub.low:g}–{pub.high:g}"
        unit = "min" if pub.measure == "mean" else "%"
        label = {"mean": "mean DDI", "pct30": "% within 30 min", "pct75": "% within 75 min"}[pub.measure]
        rows.append({"urgency": pub.urgency, "measure": label, "published": f"{shown} {unit}", "source": pub.source,
                     "model, 95% CI": f"{text} {unit}", "model vs published": side})
    return pd.DataFrame(rows)


def component_medians(urgency: str) -> float:
    """Sum of the medians of a home DDI's parts (min): decision to theatre, anaesthesia,
    incision to delivery; waits for staff and theatres come on top."""
    sc = scenario("baseline.yaml")
    home = sc.demand.home_streams[0]
    parts = [home.decision_to_theatre[urgency], sc.clinical.anaesthesia[urgency], sc.clinical.incision_to_delivery]
    return sum(dist.ppf(0.5) for dist in parts)
