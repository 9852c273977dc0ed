"""The fastest possible decision-to-delivery interval, from the scenario alone.

Every duration is a distribution with a lower bound (``ppf(0)``: the fixed
value, a triangular's ``low``, 0 for a lognormal or exponential); the fastest
possible case takes the lower bound of every step on its critical path, finds
every pool free and travels at the best hour.  When that exceeds a target,
no amount of staff or luck meets it: the report says "cannot be met" rather
than "missed".

Critical paths from the decision (minutes):

- **outreach** (team to patient): the later of the team (mobilisation +
  travel from the team's home to the nearest host + set-up on site; at a
  host that may start under the crash rule, the crash delay if shorter) and
  the mother (minimum resuscitation), then anaesthesia and incision to
  delivery.  A booked (planned) urgency waits at least the booking lead or
  her stabilisation instead.
- **transfer** (patient to team): the later of the crew (mobilisation +
  travel) and the mother's minimum resuscitation, then packaging, the journey
  back, handover, anaesthesia and incision to delivery.
- **home** emergencies: preparation (decision to theatre), anaesthesia and
  incision to delivery.

These are for a case *decided* at the urgency; a mother who deteriorates
into it with the team already on site can be faster (only her minimum
resuscitation and surgery remain).
"""

from __future__ import annotations

from sim.scenario.distributions import Distribution
from sim.scenario.schema import Scenario, Team


def _low(dist: Distribution | None) -> float:
    """The smallest value a distribution can take (0 for none)."""
    return 0.0 if dist is None else max(0.0, float(dist.ppf(0.0)))


def _travel_low(sc: Scenario, a: str, b: str) -> float:
    """The shortest road journey between two hospitals at any hour (through the team's home without a
    route): the off-peak journey's lower bound, as no rush-hour journey is faster than the quickest
    off-peak one (a lognormal peak distribution's bound of 0 is not a real journey)."""
    if a == b:
        return 0.0
    for route in sc.travel.routes:
        if set(route.between) == {a, b}:
            return _low(route.off_peak)
    home = sc.team.home
    return _travel_low(sc, a, home) + _travel_low(sc, home, b) if home not in (a, b) else float("inf")


def _surgery_low(sc: Scenario, urgency: str) -> float:
    clinical = sc.clinical
    return _low(clinical.anaesthesia.get(urgency)) + _low(clinical.incision_to_delivery)


def _outreach_low(sc: Scenario, urgency: str) -> float:
    clinical, crash = sc.clinical, sc.policies.crash
    if urgency == sc.policies.planned_urgency:
        stabilised = min(_low(clinical.stabilisation.get(urgency)), clinical.stabilisation_cap_min)
        return max(sc.policies.planned_min_lead_min, stabilised) + _surgery_low(sc, urgency)
    mother = _low(clinical.minimum_resuscitation.get(urgency))
    best = float("inf")
    for host in sc.demand.outreach.hosts:
        arrive = min(_team_low(sc, team, host) for team in sc.teams)
        if crash.policy == "host_starts" and host in crash.hosts and urgency == crash.urgency:
            arrive = min(arrive, _low(crash.delay))
        best = min(best, max(arrive, mother))
    return best + _surgery_low(sc, urgency)


def _team_low(sc: Scenario, team: Team, host: str) -> float:
    """The fastest a team can be ready at ``host``: from its home, or set-up alone when it is based there."""
    if any(base.at == host for base in team.based_at):
        return _low(team.setup_on_site)
    return _low(team.mobilisation) + _travel_low(sc, team.home, host) + _low(team.setup_on_site)


def _transfer_low(sc: Scenario, urgency: str) -> float:
    clinical, transfer = sc.clinical, sc.transfer
    mother = _low(clinical.minimum_resuscitation.get(urgency))
    best = float("inf")
    for host in sc.demand.outreach.hosts:
        for home in {t.home for t in sc.teams}:  # any obstetric hospital may receive her
            trip = _travel_low(sc, home, host)
            best = min(best, max(_low(transfer.crew_mobilisation) + trip, mother) + _low(transfer.packaging) + trip)
    return best + _low(transfer.handover) + _surgery_low(sc, urgency)


def fastest_ddi_min(sc: Scenario) -> dict[str, dict[str, float]]:
    """The fastest possible DDI (minutes) of a case decided at each urgency, by pathway.

    Returns ``{"outreach": {u: min}, "transfer": {u: min}, "home": {u: min}}``;
    ``home`` holds the urgencies of the home streams (none without one; the
    fastest of the obstetric hospitals where there are several).
    """
    home: dict[str, float] = {}
    for stream in sc.demand.home_streams:
        for u, d in stream.decision_to_theatre.items():
            home[u] = min(home.get(u, float("inf")), _low(d) + _surgery_low(sc, u))
    return {
        "outreach": {u: _outreach_low(sc, u) for u in sc.urgency},
        "transfer": {u: _transfer_low(sc, u) for u in sc.urgency},
        "home": home,
    }


def fastest_for_kpi(kpi: str, fastest: dict[str, dict[str, float]]) -> float:
    """The fastest possible value of a per-urgency DDI or within-target KPI (NaN for any other KPI).

    ``decision_to_delivery_min_<u>`` and ``ddi_within_target_pct_<u>`` take
    the faster pathway; ``..._<u>_<pathway>`` that pathway's; ``home_...``
    the home stream's.
    """
    for prefix, kind in (("home_decision_to_delivery_min_", "home"), ("home_ddi_within_target_pct_", "home"),
                         ("decision_to_delivery_min_", "outreach"), ("ddi_within_target_pct_", "outreach")):
        if not kpi.startswith(prefix):
            continue
        rest = kpi[len(prefix):]
        if kind == "home":
            return fastest["home"].get(rest, float("nan"))
        urgency, _, pathway = rest.partition("_")
        if pathway in ("outreach", "transfer"):
            return fastest[pathway].get(urgency, float("nan"))
        if not pathway and urgency in fastest["outreach"]:
            return min(fastest["outreach"][urgency], fastest["transfer"][urgency])
        return float("nan")
    return float("nan")
