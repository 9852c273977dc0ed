"""Readable names for KPIs, used in verdicts, tables and charts.

``kpi_label("utilisation_NHOG_anaesthetist")`` gives "utilisation of
anaesthetists at NHOG"; an unknown KPI keeps its own name.
"""

from __future__ import annotations

import re

LABELS = {
    "decision_to_delivery_min": "mean decision-to-delivery interval (outreach)",
    "decision_to_team_on_site_min": "mean decision-to-team-on-site time (outreach pathway)",
    "decision_to_mother_arrived_min": "mean decision-to-arrival time of transferred mothers",
    "delivery_to_nicu_min": "mean delivery-to-NICU time",
    "team_assembly_wait_min": "mean wait to assemble the team",
    "home_decision_to_delivery_min": "mean decision-to-delivery interval (home emergencies)",
    "ddi_within_target_pct": "share of outreach deliveries within target",
    "home_ddi_within_target_pct": "share of home emergencies delivered within target",
    "outreach_cases": "outreach cases",
    "outreach_delivered": "outreach deliveries",
    "outreach_in_progress_at_horizon": "outreach cases still open at the horizon",
    "home_cases": "home emergencies",
    "transfers": "outreach cases taking the transfer pathway",
    "deteriorations": "deteriorations",
    "deteriorations_in_transit": "deteriorations in the ambulance",
    "host_starts": "caesareans started by the host's own staff (crash rule)",
    "icu_bed_waits": "mothers waiting for a host ICU bed after surgery",
    "nicu_diversions": "NICU diversions",
    "nicu_surges": "NICU admissions over the count (surge)",
    "call_ins": "call-ins of on-call staff",
}

_PATTERNS = [
    (re.compile(r"^decision_to_delivery_min_(\w+)$"), "mean decision-to-delivery interval (outreach, {0})"),
    (re.compile(r"^home_decision_to_delivery_min_(\w+)$"), "mean decision-to-delivery interval (home, {0})"),
    (re.compile(r"^ddi_within_target_pct_(\w+)$"), "share of outreach deliveries within target ({0})"),
]


def plural(name: str) -> str:
    """``"transport_incubator"`` -> ``"transport incubators"``."""
    words = name.replace("_", " ")
    return words if words.endswith("s") else words + "s"


def kpi_label(kpi: str) -> str:
    """A plain-English name for a KPI column."""
    if kpi in LABELS:
        return LABELS[kpi]
    for pattern, text in _PATTERNS:
        match = pattern.match(kpi)
        if match:
            return text.format(*match.groups())
    match = re.match(r"^utilisation_([A-Za-z0-9]+)_(\w+)$", kpi)
    if match:
        return f"utilisation of {plural(match.group(2))} at {match.group(1)}"
    return kpi.replace("_", " ")
