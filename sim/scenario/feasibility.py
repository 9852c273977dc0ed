"""Before a run: can the scenario serve its cases at all?

A valid scenario can still be infeasible: a team role nobody staffs, no
ambulance, a NICU without cots, demand above what the service can ever
handle.  The model then runs to its horizon with cases waiting (the broker
never deadlocks), which is a legitimate answer to "what if", but a planner
should be told before reading the numbers.  These are warnings, not errors.

Four checks, from the scenario alone:

- **never served**: a request needs more units of a pool than its largest
  shift plus its on-call staff hold (e.g. the team needs 2 anaesthetists, the
  hospital has 0 on duty and 0 on call);
- **not on every shift**: enough staff exist on some shifts only, so cases
  wait for the next shift or for call-ins;
- **overload**: a lower bound of the offered load (arrival rate x mean time
  a unit is held, per unit) is at least 1 for the outreach team, theatres,
  NICU cots or host ICU beds, so queues grow without bound;
- **start-up bias**: NICU cots start empty and newborns stay for days, so
  the occupancy takes weeks to reach its long-run level; when the warm-up is
  shorter than that, NICU figures are biased low (see :func:`fill_time`).

Units: rates per day, durations minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.scenario.distributions import Distribution
from sim.scenario.schema import Scenario

SHIFTS = ("day", "night", "weekend")
FIXED = {"operating_room": "operating_rooms", "icu_bed": "icu_beds", "nicu_cot": "nicu_cots",
         "ambulance": "ambulances"}
"""Pool name -> hospital field of the fixed-capacity pools."""


@dataclass(frozen=True)
class Need:
    """One request the model will make: ``count`` units of ``pool`` at ``hospital``, asked by ``key``."""

    key: str
    hospital: str
    pool: str
    count: int
    what: str


@dataclass(frozen=True)
class Limit:
    """What a pool can ever offer: on-duty units by shift, and on-call staff."""

    shifts: dict[str, int]
    on_call: int
    staff: bool = True

    @property
    def most(self) -> int:
        return max(self.shifts.values()) + self.on_call

    def says(self, pool: str) -> str:
        """What the pool holds, in words: ``NHOG/anaesthetist has 0 on duty at most and 0 on call``."""
        if not self.staff:
            return f"{pool} has {self.most}"
        return f"{pool} has {max(self.shifts.values())} on duty at most and {self.on_call} on call"


def pool_limits(sc: Scenario) -> dict[str, Limit]:
    """``"HOSPITAL/pool"`` -> its :class:`Limit`, for every pool the scenario defines."""
    out: dict[str, Limit] = {}
    for hid, h in sc.hospitals.items():
        for pool, field in FIXED.items():
            out[f"{hid}/{pool}"] = Limit(dict.fromkeys(SHIFTS, getattr(h, field)), 0, staff=False)
        for item, n in h.equipment.items():
            out[f"{hid}/{item}"] = Limit(dict.fromkeys(SHIFTS, n), 0, staff=False)
        for role, r in h.staff.items():
            out[f"{hid}/{role}"] = Limit({"day": r.day, "night": r.night, "weekend": r.weekend}, r.on_call)
    return out


def limit_table(sc: Scenario) -> dict[str, tuple[int, int, bool]]:
    """``"HOSPITAL/pool" -> (most on duty, on call, is staff)``: plain data for the analysis layer."""
    return {pool: (max(lim.shifts.values()), lim.on_call, lim.staff) for pool, lim in pool_limits(sc).items()}


def pathways(sc: Scenario) -> set[str]:
    """Pathways that outreach cases can take (by urgency, including after deterioration)."""
    out = sc.demand.outreach
    used = {u for u, share in out.urgency_mix.items() if share > 0} if out.rate_per_day else set()
    used |= {entry.urgency for entry in out.scripted}
    if not used:
        return set()
    return {sc.policies.pathway[u] for u in used | {sc.clinical.deterioration_urgency} if u in sc.policies.pathway}


def needs(sc: Scenario) -> list[Need]:
    """Every kind of request the model makes for this scenario's demand and pathways."""
    home, team, out = sc.team.home, sc.team, []
    out_demand = sc.demand.outreach
    hosts = [h for h, w in out_demand.hosts.items() if w > 0] if out_demand.rate_per_day else []
    hosts += [e.host for e in out_demand.scripted if e.host not in hosts]
    roles = sc.clinical.consult_roles
    for host in hosts:
        out += [Need("clinical.consult_roles.home", home, roles["home"], 1, "the consultation"),
                Need("clinical.consult_roles.host", host, roles["host"], 1, "the consultation"),
                Need(f"hospitals.{host}.icu_beds", host, "icu_bed", 1, "the mother's stabilisation")]
    nicu = [home] if hosts else []
    if "outreach" in pathways(sc):
        parts = {**team.composition, **team.equipment, "ambulance": team.ambulances}
        out += [Need(f"team.{_team_key(team, p)}.{p}" if p != "ambulance" else "team.ambulances", home, p, n,
                     "the outreach team") for p, n in parts.items() if n > 0]
        out += [Need(f"hospitals.{h}.operating_rooms", h, "operating_room", 1, "surgery at the host") for h in hosts]
    if "transfer" in pathways(sc):
        out += [Need(f"transfer.escort.{r}", home, r, n, "the transfer escort") for r, n in sc.transfer.escort.items()]
        out += [Need(f"transfer.surgical_team.{r}", home, r, n, "surgery after transfer")
                for r, n in {**sc.transfer.surgical_team, "operating_room": 1, "ambulance": 1}.items()]
    demand = sc.demand.home_emergency
    if demand is not None and demand.rate_per_day > 0:
        out += [Need(f"demand.home_emergency.team.{r}", demand.hospital, r, n, "home emergency caesareans")
                for r, n in {**demand.team, "operating_room": 1}.items()]
        if demand.nicu_probability > 0:
            nicu.append(demand.hospital)
    if sc.policies.nicu_full == "divert" and sc.policies.divert_to and nicu:
        nicu.append(sc.policies.divert_to)
    return out + [Need(f"hospitals.{h}.nicu_cots", h, "nicu_cot", 1, "newborns needing a NICU cot")
                  for h in dict.fromkeys(nicu)]


def _team_key(team: object, pool: str) -> str:
    return "composition" if pool in team.composition else "equipment"  # type: ignore[attr-defined]


def never_served(sc: Scenario) -> list[str]:
    """Requests no pool can ever grant, each as ``key: message``."""
    limits, found = pool_limits(sc), {}
    for need in needs(sc):
        pool = f"{need.hospital}/{need.pool}"
        limit = limits.get(pool, Limit(dict.fromkeys(SHIFTS, 0), 0, staff=False))
        if need.count > limit.most:
            found[need.key] = f"{need.what} can never be served: {limit.says(pool)}; {need.count} needed"
    return [f"{key}: {message}" for key, message in found.items()]


def shift_gaps(sc: Scenario) -> list[str]:
    """Requests that only some shifts can serve (cases wait for the next shift)."""
    limits, found = pool_limits(sc), {}
    for need in needs(sc):
        limit = limits.get(f"{need.hospital}/{need.pool}")
        if limit is None or need.count > limit.most:
            continue
        short = [s for s in SHIFTS if limit.shifts[s] + limit.on_call < need.count]
        if short:
            found[need.key] = (f"{need.what} cannot be served on the {' or '.join(short)} shift: "
                               f"{need.hospital}/{need.pool} has too few on duty and on call for {need.count}")
    return [f"{key}: {message}" for key, message in found.items()]


def _mean_by_urgency(table: dict, mix: dict[str, float]) -> float:
    """Mean of a per-urgency distribution table, weighted by an urgency mix (minutes)."""
    total = sum(share for u, share in mix.items() if u in table) or 1.0
    return sum(share * table[u].mean() for u, share in mix.items() if u in table) / total


def _units(sc: Scenario, pool: str, hospital: str, per_case: int = 1) -> int:
    """How many requests of ``per_case`` units a pool can hold at once (at its best)."""
    limit = pool_limits(sc).get(f"{hospital}/{pool}")
    return limit.most // per_case if limit else 0


def offered_loads(sc: Scenario) -> list[tuple[str, str, float]]:
    """``(key, what, load)``: lower bounds of arrivals x mean holding time per unit.

    Lower bounds: only the holding times every case certainly incurs are
    counted (no waits, no travel at peak hours, no planned schedule).
    """
    out, c, team, home = sc.demand.outreach, sc.clinical, sc.team, sc.team.home
    per_min, mix = out.rate_per_day / 1440.0, out.urgency_mix
    surgery = _mean_by_urgency(c.anaesthesia, mix) + c.incision_to_delivery.mean() + c.closure.mean()
    loads = []
    if per_min and "outreach" in pathways(sc):
        routes = {frozenset(r.between): r for r in sc.travel.routes}
        weights = {h: w for h, w in out.hosts.items() if frozenset((h, home)) in routes}
        travel = sum(w * routes[frozenset((h, home))].off_peak.mean() for h, w in weights.items()) / (
            sum(weights.values()) or 1.0)
        hold = team.mobilisation.mean() + team.setup_on_site.mean() + surgery + 2 * travel
        teams = min([_units(sc, p, home, n) for p, n in {**team.composition, **team.equipment}.items() if n]
                    + ([_units(sc, "ambulance", home, team.ambulances)] if team.ambulances else []))
        loads.append(("demand.outreach.rate_per_day", "the outreach team", per_min * hold / teams if teams else 0.0))
    demand = sc.demand.home_emergency
    newborns = per_min if per_min and pathways(sc) else 0.0
    if demand is not None and demand.rate_per_day:
        theatres = _units(sc, "operating_room", demand.hospital)
        hold = _mean_by_urgency(c.anaesthesia, demand.urgency_mix) + c.incision_to_delivery.mean() + c.closure.mean()
        if theatres:
            loads.append((f"hospitals.{demand.hospital}.operating_rooms", "home theatres",
                          demand.rate_per_day / 1440.0 * hold / theatres))
        newborns += demand.rate_per_day / 1440.0 * demand.nicu_probability
    cots = _units(sc, "nicu_cot", home)
    if newborns and cots:
        loads.append((f"hospitals.{home}.nicu_cots", "NICU cots", newborns * c.nicu_stay.mean() / cots))
    stay = _mean_by_urgency(c.stabilisation, mix) + c.postop_icu.mean()
    total = sum(out.hosts.values())
    for host, weight in out.hosts.items():
        beds = _units(sc, "icu_bed", host)
        if per_min and beds:
            loads.append((f"hospitals.{host}.icu_beds", f"ICU beds at {host}", per_min * weight / total * stay / beds))
    return loads


def overload(loads: list[tuple[str, str, float]]) -> list[str]:
    """Resources whose offered load (a lower bound) is 1 or more: queues grow without bound."""
    return [f"{key}: demand above capacity for {what}: offered load at least {load:.2f} per unit "
            "(1 or more: waits grow for as long as the run lasts)"
            for key, what, load in loads if load >= 1]


FILLED = 0.95
"""Share of the long-run occupancy that counts as warmed up."""
MATERIAL_LOAD = 0.1
"""Offered load per cot below which a start-up bias is too small to mention."""


def fill_time(stay: Distribution, fraction: float = FILLED, points: int = 20_000) -> float:
    """Minutes from an empty start until the expected occupancy reaches ``fraction`` of its long-run level.

    For an infinite-server queue that starts empty, with Poisson arrivals at
    rate lambda and stays S, E[N(t)] = lambda E[min(S, t)] while the long-run
    level is lambda E[S] (Eick, Massey and Whitt 1993, "The physics of the
    Mt/G/inf queue", Operations Research 41(4):731-742), so the share reached
    at t is E[min(S, t)] / E[S] whatever the rate.  The expectations are
    taken over ``points`` equally spaced quantiles of S.
    """
    s = np.sort([stay.ppf((i + 0.5) / points) for i in range(points)])
    n = len(s)
    below = np.concatenate([[0.0], np.cumsum(s)[:-1]])  # sum of the stays shorter than s[k]
    reached = (below + (n - np.arange(n)) * s) / n  # E[min(S, s[k])]
    target = fraction * s.mean()
    k = int(np.searchsorted(reached, target))
    if k == 0:
        return float(target)  # every stay is longer than t: E[min(S, t)] = t
    # between s[k-1] and s[k], E[min(S, t)] grows at the share of stays longer than t, (n - k) / n
    return float(s[k - 1] + (target - reached[k - 1]) * n / (n - k))


def startup_bias(sc: Scenario, loads: list[tuple[str, str, float]]) -> list[str]:
    """NICU cots that are busy enough to matter and still filling up when the warm-up ends."""
    key = f"hospitals.{sc.team.home}.nicu_cots"
    if {k: load for k, _, load in loads}.get(key, 0.0) < MATERIAL_LOAD:
        return []
    days = fill_time(sc.clinical.nicu_stay) / 1440.0
    if sc.run.warmup_days >= days:
        return []
    advice = (f"add --set run.warmup_days={math.ceil(days)} for them" if days < sc.run.horizon_days
              else f"they need a horizon longer than {math.ceil(days)} days and that warm-up")
    return [f"run.warmup_days: NICU cots at {sc.team.home} start empty, and their expected occupancy reaches "
            f"{100 * FILLED:g}% of its long-run level only after about {days:.0f} days (mean stay "
            f"{sc.clinical.nicu_stay.mean() / 1440:.1f} days); with a warm-up of {sc.run.warmup_days:g} days "
            f"the NICU figures (cot use, waits for a cot) are biased low: {advice}"]


def scenario_warnings(sc: Scenario) -> list[str]:
    """Every pre-run warning of a scenario, each as ``key: message``."""
    loads = offered_loads(sc)
    return [*never_served(sc), *shift_gaps(sc), *overload(loads), *startup_bias(sc, loads)]
