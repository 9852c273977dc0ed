"""Readable names for KPIs, used in verdicts, tables and charts.

``kpi_label("utilisation_NHOG_anaesthetist")`` gives "utilisation of
anaesthetists at NHOG"; an unknown KPI keeps its own name.
"""

from __future__ import annotations

import re

LABELS = {
    "decision_to_delivery_min": "mean decision-to-delivery interval (outreach, all urgencies mixed)",
    "decision_to_team_on_site_min": "mean time from the decision that sent the team to the team on site "
                                    "(outreach pathway, all urgencies mixed)",
    "decision_to_mother_arrived_min": "mean time from the decision that sent the crew to the mother's arrival "
                                      "(all urgencies mixed)",
    "delivery_to_nicu_min": "mean delivery-to-NICU time (all urgencies mixed)",
    "team_assembly_wait_min": "mean wait to assemble the team (all urgencies mixed)",
    "home_decision_to_delivery_min": "mean decision-to-delivery interval (home emergencies, all urgencies mixed)",
    "ddi_within_target_pct": "share of outreach deliveries within their target (all urgencies mixed)",
    "home_ddi_within_target_pct": "share of home emergencies delivered within target (all urgencies mixed)",
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
    "staff_hours_away_per_year": "staff-hours away from the home hospital a year (outreach teams, transfer escorts)",
    "staff_hours_away_per_outreach_case": "staff-hours away per outreach case",
    "overtime_hours_per_year": "overtime staff-hours a year",
    "call_in_hours_per_year": "hours of called-in staff on site a year",
    "call_ins_per_year": "call-ins a year",
    "ambulance_trips_per_year": "ambulance missions a year",
    "ambulance_hours_per_year": "ambulance hours in use a year",
    "nicu_cot_days_per_year": "newborn-days in NICU a year",
    "cost_per_year": "cost a year, whole network (all items)",
    "cost_outreach_per_year": "cost a year of the outreach service (its cases' staff away, missions, NICU days, "
                              "call-ins, and fixed costs)",
    "cost_per_outreach_case": "cost per outreach case (staff away, ambulance, NICU days, call-ins)",
    "cost_staff_away_per_year": "cost of staff-hours away a year",
    "cost_overtime_per_year": "cost of overtime a year",
    "cost_call_ins_per_year": "cost of call-ins a year",
    "cost_ambulance_trips_per_year": "cost of ambulance missions a year",
    "cost_nicu_per_year": "cost of NICU days a year",
    "cost_fixed_per_year": "fixed costs a year",
}

SHORT = {
    "decision_to_delivery_min": "DDI",
    "ddi_within_target_pct": "DDI within target",
    "ddi_over_target_pct": "DDI over target",
    "decision_to_team_on_site_min": "decision to team on site",
    "decision_to_mother_arrived_min": "decision to mother arrived",
    "delivery_to_nicu_min": "delivery to NICU",
    "team_assembly_wait_min": "team assembly wait",
}
"""Short names of the interval and share KPIs, for column headers that add the statistic and the unit."""

_AWAY = r"(?:_(day|night|weekend))?_team_(away|home)_([A-Za-z0-9]+)$"
_PATTERN_TEXTS = {
    r"^decision_to_delivery_min_(\w+)_(outreach|transfer)$":
        "mean DDI from the last decision (outreach, {0}, {1} pathway)",
    r"^ddi_within_target_pct_(\w+)_(outreach|transfer)$":
        "share of outreach deliveries within target ({0}, {1} pathway)",
    r"^home_decision_to_delivery_min_(\w+?)" + _AWAY:
        "mean DDI of home emergencies ({0}, {1}) with a team from {3} {2}",
    r"^home_ddi_within_target_pct_(\w+?)" + _AWAY:
        "share of home emergencies within target ({0}, {1}) with a team from {3} {2}",
    r"^decision_to_delivery_min_(\w+)$":
        "mean DDI from the last decision (outreach, {0})",
    r"^home_decision_to_delivery_min_(\w+)$":
        "mean decision-to-delivery interval (home, {0})",
    r"^ddi_within_target_pct_(\w+)$":
        "share of outreach deliveries within target ({0})",
    r"^ddi_over_target_pct_(\w+)$":
        "share of outreach deliveries over target, P(DDI > target) ({0})",
    r"^home_ddi_within_target_pct_(\w+)$":
        "share of home emergencies within target ({0})",
    r"^home_ddi_over_target_pct_(\w+)$":
        "share of home emergencies over target, P(DDI > target) ({0})",
    r"^decision_to_team_on_site_min_(\w+)$":
        "mean time from the decision that sent the team to the team on site (outreach pathway, {0})",
    r"^decision_to_mother_arrived_min_(\w+)$":
        "mean time from the decision that sent the crew to the transferred mother's arrival ({0})",
    r"^delivery_to_nicu_min_(\w+)$":
        "mean delivery-to-NICU time ({0})",
    r"^team_assembly_wait_min_(\w+)$":
        "mean wait to assemble the team ({0})",
    r"^deteriorations_(\w+)$":
        "mothers who deteriorated into {0}",
    r"^home_cases_team_away_(\w+)$":
        "home emergencies decided while a team from {0} was away",
    r"^staff_left_while_team_away_([A-Za-z0-9]+)_(\w+)$":
        "fewest staff left at {0} while its team was away: {1}",
    r"^staff_hours_away_per_year_(\w+)$":
        "staff-hours away a year: {0}",
    r"^equipment_hours_per_year_(\w+)$":
        "hours in use a year (cleaning and restocking included): {0}",
    r"^outcome_(\w+)_excess_per_year_(low|high)$":
        "expected {0} a year due to delay, at the odds ratio's {1} end (proxy)",
    r"^outcome_(\w+)_excess_per_year$":
        "expected {0} a year due to delay (proxy)",
    r"^outcome_(\w+)_per_year$":
        "expected {0} a year (proxy)",
    r"^outcome_(\w+)_exposed_pct$":
        "share of babies exposed for the proxy {0}",
}
"""Regular expression -> label, tried in order (a pathway or team-away split before the plain urgency)."""
_PATTERNS = [(re.compile(pattern), text) for pattern, text in _PATTERN_TEXTS.items()]
_WORDS = {"away": "away", "home": "at home", None: "any shift"}


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
            return text.format(*(_WORDS.get(g, g).replace("_", " ") if g in _WORDS else g.replace("_", " ")
                                 for g in match.groups()))
    match = re.match(r"^utilisation_([A-Za-z0-9]+)_(\w+)$", kpi)
    if match:
        return f"utilisation of {plural(match.group(2))} at {match.group(1)}"
    return kpi.replace("_", " ")


def short_label(kpi: str) -> str:
    """A short name for a column header: ``"decision_to_delivery_min"`` -> ``"DDI"``; an unknown KPI keeps its
    name without the unit word (``_min``, ``_pct``), underscores as spaces."""
    return SHORT.get(kpi) or re.sub(r"_(min|pct)(?=_|$)", "", kpi).replace("_", " ")
