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
from sim.analysis.labels import kpi_label, plural
from sim.analysis.precision import headline_of

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
    """One row per hospital and staff role: headcount by shift (or its shift windows), on call and the call-in time."""
    out = []
    for hid, h in sc.get("hospitals", {}).items():
        for role, s in (h.get("staff") or {}).items():
            windows = s.get("roster") or []
            shifts = "; ".join(f"{w.get('days')} {w.get('start')}-{w.get('end')}: {w.get('on_duty')}" for w in windows)
            out.append({"hospital": hid, "role": pool_words(role), "day": "" if windows else s.get("day", 0),
                        "night": "" if windows else s.get("night", 0),
                        "weekend": "" if windows else s.get("weekend", 0), "shifts": shifts,
                        "on_call": s.get("on_call", 0),
                        "call_in": describe_dist(s.get("call_in")) if s.get("on_call") else ""})
    return out


def _windows(windows: list[dict[str, Any]]) -> str:
    return ", ".join(_window(w) for w in windows)


def team(sc: dict[str, Any]) -> list[str]:
    """Sentences on the outreach team(s), how they are chosen and how they travel."""
    teams = sc.get("teams") or ([sc["team"]] if sc.get("team") else [])
    lines = []
    for t in teams:
        size = sum((t.get("composition") or {}).values())
        name = t.get("id") or t.get("home")
        who = "The outreach team" if len(teams) == 1 else f"Team {name}"
        own = " (dedicated: its own people, equipment and vehicles)" if t.get("dedicated") else ""
        kit = _counts({**(t.get('equipment') or {}), 'ambulance': t.get('ambulances', 0)}) or 'nothing'
        lines += [f"{who} of {size} people leaves from {t.get('home')}{own}: {_counts(t.get('composition') or {})}.",
                  f"It takes {kit}; all of it is assembled at once, or the team waits.",
                  f"Mobilisation: {describe_dist(t.get('mobilisation'))}. Set-up on site: "
                  f"{describe_dist(t.get('setup_on_site'))}. Cleaning and restocking afterwards: "
                  f"{describe_dist(t.get('restock'))}."]
        if t.get("available"):
            lines.append(f"It can be sent {_windows(t['available'])}.")
        for base in t.get("based_at") or []:
            lines.append(f"It is based at {base['at']} {_windows([base])}, and travels from there.")
        if t.get("neonatal_roles"):
            lines.append(f"{_counts(t['neonatal_roles'])} travel with the newborn to the neonatal unit; the rest of "
                         "the team returns.")
    if len(teams) > 1:
        rule = (sc.get("policies") or {}).get("team_dispatch", "nearest_available")
        lines.append({"nearest_available": "Which team goes: the one expected on site soonest, given who is free, "
                                           "call-in delays and the time of day.",
                      "home_first": "Which team goes: the first free one in a fixed order per host.",
                      "balanced": "Which team goes: of the free ones, the one sent least often so far."}[rule])
    for route in (sc.get("travel") or {}).get("routes", []):
        a, b = route["between"]
        lines.append(f"Travel {a} to {b}: off-peak {describe_dist(route.get('off_peak'))}; in the rush hours "
                     f"{describe_dist(route.get('peak'))}.")
    peaks = (sc.get("travel") or {}).get("peaks") or []
    if peaks:
        lines.append("Rush hours: " + ", ".join(f"{a} to {b}" for a, b in peaks) + ".")
    return lines


def _bands(bands: list[dict[str, Any]], text: Any) -> str:
    """Gestational bands as ``under 34 weeks: 100%; 34 to 37 weeks: 43%`` (``text`` formats a band's value)."""
    out, low = [], None
    for band in bands:
        high = num(band["below_weeks"], 1)
        out.append(f"{'under ' + high if low is None else low + ' to ' + high} weeks: {text(band)}")
        low = high
    return "; ".join(out)


def demand(sc: dict[str, Any]) -> list[str]:
    """Sentences on the demand streams."""
    d = sc.get("demand", {})
    lines = []
    o = d.get("outreach")
    if o:
        lines.append(f"Outreach cases: about {num(365 * o['rate_per_day'], 1)} a year ({o['rate_per_day']:g} a day), "
                     f"at {_mix(o.get('hosts') or {})}; urgency {_mix(o.get('urgency_mix') or {})}; gestation "
                     f"{describe_dist(o.get('gestation_weeks'), 'weeks')}.")
        severity = o.get("severity_mix") or {}
        if len(severity) > 1:
            lines.append(f"Severity of the mother's illness (how safely she can be moved): {_mix(severity)}.")
        if o.get("scripted"):
            lines.append(f"{len(o['scripted'])} scripted case(s) at given times, besides the stream.")
    homes = d.get("home_emergency") or []
    for h in homes if isinstance(homes, list) else [homes]:
        lines.append(f"The obstetric hospital's own emergency caesareans at {h.get('hospital')}: about "
                     f"{num(h['rate_per_day'], 1)} a day; urgency {_mix(h.get('urgency_mix') or {})}; each needs "
                     f"{_counts(h.get('team') or {})} and an operating room.")
        if h.get("gestation_weeks"):
            lines.append(f"Their gestation: {describe_dist(h['gestation_weeks'], 'weeks')}.")
        if h.get("nicu_probability_by_gestation"):
            lines.append("Share of their babies admitted to the NICU by gestation: " + _bands(
                h["nicu_probability_by_gestation"], lambda b: f"{100 * b['probability']:.0f}%") + ".")
        elif h.get("nicu_probability") is not None:
            lines.append(f"{100 * h['nicu_probability']:.0f}% of their babies need a NICU cot.")
    return lines


def clinical(sc: dict[str, Any]) -> list[str]:
    """Sentences on the consultation, the mother before surgery, deterioration and the transfer pathway."""
    c, t = sc.get("clinical", {}), sc.get("transfer", {})
    answer = c.get("consult_answer")
    lines = [("The host's senior telephones the obstetric hospital's on-call senior, who answers after "
              f"{describe_dist(answer)}" if answer else
              "The host's senior telephones the obstetric hospital's on-call senior, who answers at once")
             + f"; the call takes {describe_dist(c.get('consultation'))} and holds nobody (a senior can take it "
             "from home)."]
    minimum = c.get("minimum_resuscitation") or {}
    if minimum:
        lines.append("An urgent mother is resuscitated at the host from the decision and can go to theatre after a "
                     "minimum of " + "; ".join(f"{pool_words(u)} {describe_dist(d)}" for u, d in minimum.items())
                     + " (resuscitation continues under anaesthesia).")
    for u, d in (c.get("stabilisation") or {}).items():
        lines.append(f"A booked mother ({pool_words(u)}) is stabilised at the host before her slot for "
                     f"{describe_dist(in_units(d, 60), 'h')}, at most {fmt_hours(c.get('stabilisation_cap_min', 0))} "
                     "(the clinical cap).")
    rates = {u: r for u, r in (c.get("deterioration_rate_per_hour") or {}).items() if r}
    if rates:
        factor = c.get("transit_deterioration_factor", 1)
        lines.append("A mother may deteriorate at any time from referral to theatre entry, at "
                     + ", ".join(f"{100 * r:g}% per hour ({pool_words(u)})" for u, r in rates.items())
                     + "".join(f", {num(f, 1)} times that for {pool_words(band)} severity"
                               for band, f in (c.get("deterioration_severity_factor") or {}).items() if f != 1)
                     + (f", {num(factor, 1)} times that in the ambulance" if factor != 1 else "")
                     + f"; she then becomes {pool_words(c.get('deterioration_urgency', ''))}, her queued requests "
                     "move up, and she goes to theatre as soon as team and room are there.")
    else:
        lines.append("Mothers do not deteriorate in this scenario.")
    icu = describe_dist(in_units(c.get("postop_icu"), 1440), "days")
    lines.append("After surgery the mother needs a host ICU bed, asked for at the decision; a shortage keeps her in "
                 f"recovery (it never holds her out of theatre); ICU stay {icu}.")
    stays = c.get("nicu_stay_by_gestation")
    if stays:
        lines.append("NICU stay by gestation: " + _bands(
            stays, lambda b: describe_dist(in_units(b["stay"], 1440), "days")) + ".")
    else:
        lines.append(f"NICU stay: {describe_dist(in_units(c.get('nicu_stay'), 1440), 'days')}.")
    if t:
        escort = _counts(t.get("escort") or {})
        mobilise = t.get("crew_mobilisation")
        handover = t.get("handover")
        lines.append("Transfer pathway: an ambulance" + (f" with {escort}" if escort else "")
                     + (f" mobilises in {describe_dist(mobilise)}" if mobilise else " leaves at once")
                     + f", drives to the host, packages the ready mother in {describe_dist(t.get('packaging'))} and "
                     "brings her to the obstetric hospital; "
                     + (f"handover and theatre preparation take {describe_dist(handover)}; " if handover else "")
                     + f"{_counts(t.get('surgical_team') or {})} operate there.")
    return lines


TIME_FIELDS = ("value", "low", "mode", "high", "mean", "sd", "median", "p90", "shift")


def in_units(d: dict[str, Any] | None, minutes_per_unit: float) -> dict[str, Any] | None:
    """A duration distribution (minutes) with its times in another unit (hours: 60, days: 1440)."""
    if not d:
        return d
    out = {k: (v / minutes_per_unit if k in TIME_FIELDS and isinstance(v, int | float) else v) for k, v in d.items()}
    if isinstance(d.get("values"), list):
        out["values"] = [v / minutes_per_unit for v in d["values"]]
    return out


def fmt_hours(minutes: float) -> str:
    """``2880`` -> ``48 h``; ``90`` -> ``1.5 h``."""
    return f"{num(float(minutes) / 60, 1)} h"


def _pathway_rule(rule: Any) -> str:
    if isinstance(rule, dict):
        return " / ".join(f"{v} if {pool_words(k)} severity" for k, v in rule.items())
    return str(rule)


def _window(w: dict[str, Any]) -> str:
    kind = str(w.get("days", "weekdays"))
    days = {"weekdays": "weekdays", "weekend": "weekend days", "all": "every day"}.get(kind, kind)
    return f"{days} {w.get('start')}-{w.get('end')}"


def policies(sc: dict[str, Any]) -> list[str]:
    """Sentences on the policies in force."""
    p, urg = sc.get("policies", {}), sc.get("urgency", {})
    pathway = (p.get("pathway") or {}).items()
    by_severity = any(isinstance(v, dict) for _, v in pathway)
    lines = [("Pathway by urgency and severity: " if by_severity else "Pathway by urgency: ")
             + "; ".join(f"{pool_words(u)} {_pathway_rule(v)}" for u, v in pathway) + "."]
    lines.append("Urgency targets (decision to delivery): " + ", ".join(
        f"{v.get('label', u)} {num(v['target_min'])} min" for u, v in urg.items()) + ".")
    lines.append(f"Requests are served in {'priority' if p.get('dispatch') == 'priority' else 'arrival'} order, "
                 "all or nothing; a request that cannot be served does not block one that can.")
    limit = fmt_duration_words(p.get("nicu_wait_limit_min", 0))
    rule = p.get("nicu_full", "wait")
    if rule == "wait":
        after = "for as long as it takes"
    elif rule == "surge":
        after = f"up to {limit}, then it is admitted over the unit's count (surge)"
    else:
        after = (f"up to {limit}, then it is taken on to {p.get('divert_to')}, waits there for a cot up to "
                 f"{limit} again, then is admitted over that unit's count (surge)"
                 if p.get("divert_to") else f"up to {limit}, then, with no hospital named to divert to, it is "
                 "admitted over the unit's count (surge)")
    lines.append(f"When the neonatal unit is full the newborn waits in the transport incubator with its staff {after}.")
    if p.get("planned_urgency"):
        planned = pool_words(p["planned_urgency"]).capitalize()
        windows = ", ".join(_window(w) for w in p.get("planned_windows") or [])
        lines.append(f"{planned} cases are booked into the first planned-operating slot ({windows}) at least "
                     f"{fmt_duration_words(p.get('planned_min_lead_min', 0))} after the decision and after her "
                     "expected readiness (her stabilisation, and a transfer's journey), but never later than the "
                     "clinical cap after the decision (outside the windows if none opens before it); "
                     "the team (or ambulance) is requested "
                     f"{fmt_duration_words(p.get('planned_dispatch_lead_min', 0))} before the slot, or at once if "
                     "she deteriorates.")
    crash = p.get("crash") or {}
    if crash.get("policy") == "host_starts":
        lines.append(f"Crash rule at {', '.join(crash.get('hosts') or [])}: when the outreach team is not ready for "
                     f"a {pool_words(crash.get('urgency', ''))} mother in time (the host waits "
                     f"{describe_dist(crash.get('delay'))} from the decision), the host's own staff "
                     f"({_counts(crash.get('host_team') or {})}) start the caesarean in a host theatre; the team "
                     "still comes for the newborn.")
    else:
        lines.append("Crash rule: none; the host waits for the outreach team, whatever the urgency.")
    return lines


def fmt_duration_words(minutes: float) -> str:
    """``120`` -> ``2 h``; ``45`` -> ``45 min``; ``90`` -> ``1.5 h``."""
    minutes = float(minutes or 0)
    return f"{num(minutes)} min" if minutes < 60 else fmt_hours(minutes)


def verdict(mean: float, low: float, high: float, target: float) -> str:
    """``met`` (the whole 95% CI at or under the target), ``missed`` (all of it above) or ``uncertain``.

    For a mean against a bound that is not a per-case target (e.g. a precision); per-urgency DDI targets
    use :func:`target_verdict`.  Without a CI (one replication) or with one of zero width (every
    replication alike) nothing is known of the mean's uncertainty: ``uncertain``, never a verdict from
    the mean alone.
    """
    if math.isnan(mean) or math.isnan(target):
        return ""
    if math.isnan(low) or math.isnan(high) or low == high:
        return "uncertain"
    if high <= target:
        return "met"
    return "missed" if low > target else "uncertain"


def target_verdict(share: float, low: float, high: float, service_level: float, fastest: float,
                   target: float) -> tuple[str, str]:
    """``(verdict, words)`` for a DDI target: does the share of cases within target reach the service level?

    ``share`` is the per-case share within target (%), ``low``/``high`` its
    interval (NaN with one replication: the share alone decides);
    ``service_level`` the share asked (%); ``fastest`` the fastest possible
    DDI (min) of a case decided at this urgency.  Verdicts: ``cannot be met``
    when even the fastest possible case is over the target; ``met`` when the
    whole interval reaches the service level, ``missed`` when all of it is
    below, else ``uncertain`` (also without an interval: one replication);
    empty without cases.
    """
    if math.isfinite(fastest) and math.isfinite(target) and fastest > target:
        return "cannot be met", (f"cannot be met: the fastest possible case decided at this urgency takes "
                                 f"{_minutes(fastest)}, over the {_minutes(target)} target")
    if math.isnan(share) or math.isnan(target):
        return "", ""
    words = f"{num(share, 1)}% of cases within {_minutes(target)}, {num(service_level)}% asked"
    if math.isnan(low) or math.isnan(high):
        return "uncertain", f"uncertain: {words}; too few replications for an interval"
    if low >= service_level:
        name = "met"
    elif high < service_level:
        name = "missed"
    else:
        name = "uncertain"
    return name, f"{name}: {words}"


def _minutes(minutes: float) -> str:
    """``75`` -> ``75 min``; ``1440`` -> ``24 h``: minutes below two hours, hours above."""
    return f"{num(round(minutes, 1), 1)} min" if minutes < 120 else fmt_hours(minutes)


def kpi_target(kpi: str, targets: dict[str, float]) -> float:
    """The target (minutes) of a per-urgency DDI or within-target KPI, split or not
    (``decision_to_delivery_min_cat1_transfer``, ``home_ddi_within_target_pct_cat2_night_team_away_NHOG``), else NaN."""
    u = kpi_urgency(kpi, list(targets))
    return float(targets[u]) if u else math.nan


TARGET_PREFIXES = ("home_decision_to_delivery_min_", "home_ddi_within_target_pct_", "decision_to_delivery_min_",
                   "ddi_within_target_pct_")
URGENCY_PREFIXES = (*TARGET_PREFIXES, "decision_to_team_on_site_min_", "decision_to_mother_arrived_min_")


def kpi_urgency(kpi: str, urgencies: list[str], prefixes: tuple[str, ...] = TARGET_PREFIXES) -> str:
    """The urgency a per-urgency KPI is about (the longest urgency name after one of ``prefixes``), or ``""``."""
    for prefix in prefixes:
        if kpi.startswith(prefix):
            rest = kpi[len(prefix):]
            found = [u for u in urgencies if rest == u or rest.startswith(u + "_")]
            return max(found, key=len) if found else ""
    return ""


def precision_note(summary: pd.DataFrame, replications: int, precision: float) -> dict[str, Any]:
    """Are the replications enough?  Per headline KPI, the precision reached and the replications needed."""
    rows = summary[summary["kpi"].isin(headline_of(summary))]
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
                          "team on site (outreach) or to the mother's arrival (transfer), delivery to NICU "
                          "admission, the home hospital's own DDI, utilisation and queues of every pool, on-call "
                          "call-outs, deteriorations, host-started caesareans, NICU surges and diversions, ICU bed "
                          "waits, and what every wait waited for."),
        ("Experimentation aims", f"Point estimates with 95% confidence intervals over {m.get('replications')} "
                                 "independent replications; scenarios are compared with paired differences under "
                                 "common random numbers (ihsim compare)."),
    ]


def _logic(sc: dict[str, Any]) -> list[tuple[str, str]]:
    roles = sorted({pool_words(r) for h in sc.get("hospitals", {}).values() for r in (h.get("staff") or {})})
    return [
        ("Base model", "Referral and a telephone consultation with the on-call senior, then a decision by urgency "
                       "and severity: outreach (team to patient: assemble the whole team and equipment, mobilise, "
                       "travel, set up) in parallel with the mother's resuscitation (urgent) or stabilisation for a "
                       "booked slot (planned) at the host, surgery in a host operating room (or, under a crash rule, "
                       "by the host's own staff), neonatal stabilisation and incubator transport to a NICU cot (a "
                       "full unit: wait, then surge or divert by rule), the team's return and restocking, the "
                       "mother's postoperative ICU stay; or transfer (patient to team): an ambulance crew with an "
                       "escort fetches her, handover and surgery at the obstetric hospital. A deterioration hazard "
                       "runs from referral to theatre entry."),
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
