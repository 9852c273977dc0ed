"""The report's words: the scenario in plain English, targets, precision and STRESS-DES.

Every function takes the manifest (or its resolved scenario, a plain dict)
and the run's tables and returns plain data (strings, lists, dicts) for the
template.  Nothing here formats HTML: the template does, with autoescaping,
so text from a scenario file can never become markup.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd

from sim.analysis.attribution import pool_words
from sim.analysis.kpis import HEADLINE
from sim.analysis.labels import kpi_label, plural

STRESS_REFERENCE = ("Monks T, Currie CSM, Onggo BS, Robinson S, Kunc M, Taylor SJE. Strengthening the reporting "
                    "of empirical simulation studies: introducing the STRESS guidelines. Journal of Simulation "
                    "2019;13(1):55-67. doi:10.1080/17477778.2018.1442155")


def num(x: float, digits: int = 0) -> str:
    """A number without a trailing ``.0`` for whole values."""
    x = float(x)
    return f"{x:,.0f}" if x == int(x) and digits == 0 else f"{x:,.{max(digits, 1)}f}".rstrip("0").rstrip(".")


def describe_dist(d: dict[str, Any] | None, unit: str = "min") -> str:
    """A distribution as data -> ``triangular 15 / 30 / 60 min (low / mode / high)``."""
    if not d:
        return "none"
    kind = d.get("dist")
    if kind == "fixed":
        text = f"fixed {num(d['value'])} {unit}"
    elif kind == "triangular":
        text = f"triangular {num(d['low'])} / {num(d['mode'])} / {num(d['high'])} {unit} (low / mode / high)"
    elif kind == "uniform":
        text = f"uniform {num(d['low'])} to {num(d['high'])} {unit}"
    elif kind == "exponential":
        text = f"exponential, mean {num(d['mean'], 1)} {unit}"
    elif kind == "empirical":
        text = f"empirical ({len(d.get('values') or [])} observed values)"
    elif d.get("median") is not None:
        text = f"{kind}, median {num(d['median'], 1)}, 90th percentile {num(d['p90'], 1)} {unit}"
    elif d.get("mean") is not None:
        text = f"{kind}, mean {num(d['mean'], 1)}, sd {num(d['sd'], 1)} {unit}"
    else:
        text = str(kind)
    if d.get("shift"):
        text += f", shifted by {num(d['shift'], 1)} {unit}"
    return text


def _mix(shares: dict[str, float]) -> str:
    return ", ".join(f"{pool_words(k)} {100 * v:.0f}%" for k, v in shares.items())


def _counts(items: dict[str, int]) -> str:
    """``{"obstetric_surgeon": 2, "technician": 1}`` -> ``2 obstetric surgeons, 1 technician``."""
    return ", ".join(f"{n} {plural(k) if n != 1 else pool_words(k)}" for k, n in items.items() if n)


def hospitals(sc: dict[str, Any]) -> list[dict[str, Any]]:
    """One entry per hospital: id, name, role and facilities."""
    out = []
    for hid, h in sc.get("hospitals", {}).items():
        role = "obstetric hospital" if h.get("obstetric") else "host hospital (no obstetric service)"
        if h.get("nicu"):
            role += " with a neonatal intensive care unit"
        facilities = _counts({"operating_room": h.get("operating_rooms", 0), "ICU_bed": h.get("icu_beds", 0),
                              "NICU_cot": h.get("nicu_cots", 0), "ambulance": h.get("ambulances", 0),
                              **(h.get("equipment") or {})})
        out.append({"id": hid, "name": h.get("name", hid), "role": role, "facilities": facilities or "none"})
    return out


def rosters(sc: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per hospital and staff role: headcount by shift, on call and the call-in time."""
    return [{"hospital": hid, "role": pool_words(role), "day": s.get("day", 0), "night": s.get("night", 0),
             "weekend": s.get("weekend", 0), "on_call": s.get("on_call", 0),
             "call_in": describe_dist(s.get("call_in")) if s.get("on_call") else ""}
            for hid, h in sc.get("hospitals", {}).items() for role, s in (h.get("staff") or {}).items()]


def team(sc: dict[str, Any]) -> list[str]:
    """Sentences on the outreach team and how it travels."""
    t = sc.get("team", {})
    size = sum((t.get("composition") or {}).values())
    lines = [f"The outreach team of {size} people leaves from {t.get('home')}: {_counts(t.get('composition') or {})}.",
             f"It takes {_counts({**(t.get('equipment') or {}), 'ambulance': t.get('ambulances', 0)}) or 'nothing'}; "
             "all of it is assembled at once, or the team waits.",
             f"Mobilisation: {describe_dist(t.get('mobilisation'))}. Set-up on site: "
             f"{describe_dist(t.get('setup_on_site'))}. Cleaning and restocking afterwards: "
             f"{describe_dist(t.get('restock'))}."]
    if t.get("neonatal_roles"):
        lines.append(f"{_counts(t['neonatal_roles'])} travel with the newborn to the neonatal unit; the rest of "
                     "the team returns.")
    for route in (sc.get("travel") or {}).get("routes", []):
        a, b = route["between"]
        lines.append(f"Travel {a} to {b}: off-peak {describe_dist(route.get('off_peak'))}; in the rush hours "
                     f"{describe_dist(route.get('peak'))}.")
    peaks = (sc.get("travel") or {}).get("peaks") or []
    if peaks:
        lines.append("Rush hours: " + ", ".join(f"{a} to {b}" for a, b in peaks) + ".")
    return lines


def demand(sc: dict[str, Any]) -> list[str]:
    """Sentences on the demand streams."""
    d = sc.get("demand", {})
    lines = []
    o = d.get("outreach")
    if o:
        lines.append(f"Outreach cases: about {num(365 * o['rate_per_day'], 1)} a year ({o['rate_per_day']:g} a day), "
                     f"at {_mix(o.get('hosts') or {})}; urgency {_mix(o.get('urgency_mix') or {})}; gestation "
                     f"{describe_dist(o.get('gestation_weeks'), 'weeks')}.")
    h = d.get("home_emergency")
    if h:
        lines.append(f"The obstetric hospital's own emergency caesareans at {h.get('hospital')}: about "
                     f"{num(h['rate_per_day'], 1)} a day; urgency {_mix(h.get('urgency_mix') or {})}; each needs "
                     f"{_counts(h.get('team') or {})} and an operating room.")
    return lines


def policies(sc: dict[str, Any]) -> list[str]:
    """Sentences on the policies in force."""
    p, urg = sc.get("policies", {}), sc.get("urgency", {})
    pathway = (p.get("pathway") or {}).items()
    lines = ["Pathway by urgency: " + ", ".join(f"{pool_words(u)} {v}" for u, v in pathway) + "."]
    lines.append("Urgency targets (decision to delivery): " + ", ".join(
        f"{v.get('label', u)} {num(v['target_min'])} min" for u, v in urg.items()) + ".")
    lines.append(f"Requests are served in {'priority' if p.get('dispatch') == 'priority' else 'arrival'} order, "
                 "all or nothing; a request that cannot be served does not block one that can.")
    full = "waits for a cot" if p.get("nicu_full") == "wait" else f"is diverted to {p.get('divert_to')}"
    lines.append(f"When the neonatal unit is full the newborn {full}.")
    if p.get("planned_urgency"):
        planned = pool_words(p["planned_urgency"]).capitalize()
        lines.append(f"{planned} cases are booked for {p.get('planned_start')} at "
                     f"least {num(p.get('planned_min_lead_min', 0) / 60, 1)} h after the decision; their team is "
                     f"requested {num(p.get('planned_dispatch_lead_min', 0) / 60, 1)} h before that time, and not "
                     "before the mother is stable, or at once if she deteriorates.")
    return lines


def verdict(mean: float, low: float, high: float, target: float) -> str:
    """``met`` (the whole 95% CI at or under the target), ``missed`` (all of it above) or ``uncertain``.

    Without a CI (one replication) the mean alone decides.
    """
    if math.isnan(mean) or math.isnan(target):
        return ""
    if math.isnan(low) or math.isnan(high):
        return "met" if mean <= target else "missed"
    if high <= target:
        return "met"
    return "missed" if low > target else "uncertain"


def kpi_target(kpi: str, targets: dict[str, float]) -> float:
    """The target of a per-urgency DDI KPI (minutes), else NaN."""
    for prefix in ("decision_to_delivery_min_", "home_decision_to_delivery_min_"):
        if kpi.startswith(prefix) and kpi[len(prefix):] in targets:
            return float(targets[kpi[len(prefix):]])
    return math.nan


def precision_note(summary: pd.DataFrame, replications: int, precision: float) -> dict[str, Any]:
    """Are the replications enough?  Per headline KPI, the precision reached and the replications needed."""
    rows = summary[summary["kpi"].isin(HEADLINE)]
    short = rows[~rows["precision_met"].astype(bool)]
    return {
        "replications": replications, "precision_pct": 100 * precision, "headline": len(rows),
        "met": int(rows["precision_met"].astype(bool).sum()),
        "short": [{"kpi": r.kpi, "label": kpi_label(r.kpi), "rel_pct": 100 * r.rel_half_width,
                   "needed": r.replications_needed}
                  for r in short.itertuples(index=False)],
    }


def _objectives(m: dict[str, Any], sc: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Purpose", "Estimate how long emergency obstetric care takes when a specialist team travels to a critically "
                    "ill mother in a hospital without obstetrics, and what that costs the team's own hospital; "
                    f"scenario '{sc.get('name')}': {sc.get('description') or 'no description'}"),
        ("Model outputs", "Decision-to-delivery interval (DDI) by urgency and the share within target, decision to "
                          "team on site, delivery to NICU admission, the home hospital's own DDI, utilisation and "
                          "queues of every pool, on-call call-outs, deteriorations, and what every wait waited for."),
        ("Experimentation aims", f"Point estimates with 95% confidence intervals over {m.get('replications')} "
                                 "independent replications; scenarios are compared with paired differences under "
                                 "common random numbers (ihsim compare)."),
    ]


def _logic(sc: dict[str, Any]) -> list[tuple[str, str]]:
    roles = sorted({pool_words(r) for h in sc.get("hospitals", {}).values() for r in (h.get("staff") or {})})
    return [
        ("Base model", "Referral and consultation, then a decision: outreach (team to patient: assemble the whole "
                       "team and equipment, mobilise, travel, set up) in parallel with the mother's stabilisation in "
                       "an ICU bed, surgery in a host operating room, neonatal stabilisation and incubator transport "
                       "to a NICU cot, the team's return and restocking, the mother's postoperative ICU stay; or "
                       "transfer (patient to team) by ambulance with an escort."),
        ("Components", f"Entities: outreach cases and home emergency caesareans. Resources: {', '.join(roles)}, "
                       "operating rooms, ICU beds, NICU cots, equipment and ambulances, by hospital; staff follow "
                       "day, night and weekend rosters with on-call call-in."),
        ("Queues", "One all-or-nothing broker: a request holds nothing until every unit is free, served in priority "
                   "order with backfilling, so assembling a team cannot deadlock."),
        ("Entry and exit", "Poisson arrivals (optionally profiled by hour and weekday); a case leaves the model when "
                           "every branch (mother, newborn, team) has finished."),
    ]


def _data(m: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Data sources", "See the table of sources below (the scenario's 'sources')."),
        ("Input parameters", f"The resolved scenario (sha256 {str(m.get('scenario_sha256', ''))[:12]}) is stored in "
                             "manifest.json and summarised under 'The scenario'."),
        ("Assumptions", "Values without a source are assumptions, marked as such in the scenario file."),
    ]


def _experimentation(m: dict[str, Any], run: dict[str, Any], note: dict[str, Any]) -> list[tuple[str, str]]:
    return [
        ("Initialisation", f"The model starts empty on Monday 00:00; warm-up {num(run.get('warmup_days', 0), 1)} "
                           "days (cases created in it are left out of the KPIs)."),
        ("Run length", f"{num(run.get('horizon_days', 0), 1)} simulated days per replication."),
        ("Estimation approach", f"{m.get('replications')} replications; t-based 95% confidence intervals of the mean; "
                                f"asked precision +/-{note['precision_pct']:g}% of the mean, met by {note['met']} "
                                f"of {note['headline']} headline KPIs."),
    ]


def _implementation(m: dict[str, Any]) -> list[tuple[str, str]]:
    v = m.get("versions", {})
    return [
        ("Software", f"ihsim {m.get('ihsim_version')} on Python {v.get('python')}, SimPy {v.get('simpy')}, NumPy "
                     f"{v.get('numpy')}, pandas {v.get('pandas')}."),
        ("Random sampling", f"Base seed {m.get('seed')}. Each source of randomness has its own stream, "
                            "SeedSequence(seed, spawn_key=(replication, hash of the stream name)); a case draws its "
                            "own attributes when created, so scenarios run with the same seed see the same patients "
                            "(common random numbers)."),
        ("Model execution", f"Event-driven (SimPy); engine {m.get('engine')} with {m.get('workers')} worker(s); "
                            "results are identical for any number of workers."),
        ("System", f"Wall time {num(m.get('wall_seconds') or 0, 1)} s; started {m.get('started')}."),
    ]


def stress_des(m: dict[str, Any], note: dict[str, Any]) -> list[dict[str, Any]]:
    """The STRESS-DES checklist (Monks et al. 2019) filled from the run: ``[{section, items: [(item, text)]}]``."""
    sc = m["scenario"]
    code = [("Code", f"ihsim {m.get('ihsim_version')}, git commit {m.get('git_commit') or 'unknown'}; command "
                     f"{' '.join(map(str, m.get('command') or []))}")]
    return [{"section": "1 Objectives", "items": _objectives(m, sc)},
            {"section": "2 Logic", "items": _logic(sc)},
            {"section": "3 Data", "items": _data(m)},
            {"section": "4 Experimentation", "items": _experimentation(m, sc.get("run", {}), note)},
            {"section": "5 Implementation", "items": _implementation(m)},
            {"section": "6 Code access", "items": code}]
