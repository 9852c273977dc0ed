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
  NICU cots or ICU beds, so queues grow without bound;
- **start-up bias**: NICU cots start empty and newborns stay for days, so
  the occupancy takes weeks to reach its long-run level; when the warm-up is
  shorter than that, NICU figures are biased low (see :func:`fill_time`).

And one check of the scripted cases (``demand.outreach.scripted``): a case
at or after the horizon never starts, and one inside the warm-up is left
out of every KPI (:func:`scripted_outside`).

The consultation is a telephone call and holds nobody, so it needs no pool.
Pathways follow ``policies.pathway`` by urgency and, where a rule names
severities, by the severity bands of ``demand.outreach.severity_mix``.

Units: rates per day, durations minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sim.scenario.distributions import Distribution
from sim.scenario.references import team_key
from sim.scenario.schema import Scenario, StaffRole, Team

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
            out[f"{hid}/{role}"] = _staff_limit(r)
    for team in sc.teams:
        if team.dedicated:
            for item, n in {**team.equipment, "ambulance": team.ambulances}.items():
                out[f"{team.name}/{item}"] = Limit(dict.fromkeys(SHIFTS, n), 0, staff=False)
            for role, r in team.own_staff().items():
                out[f"{team.name}/{role}"] = _staff_limit(r)
    return out


def _staff_limit(r: StaffRole) -> Limit:
    # with a roster of shift windows, day, night and weekend hold the most on duty in each period
    return Limit({"day": r.day or 0, "night": r.night or 0, "weekend": r.weekend or 0}, r.on_call)


def limit_table(sc: Scenario) -> dict[str, tuple[int, int, bool]]:
    """``"HOSPITAL/pool" -> (most on duty, on call, is staff)``: plain data for the analysis layer."""
    return {pool: (max(lim.shifts.values()), lim.on_call, lim.staff) for pool, lim in pool_limits(sc).items()}


GRID = 2000
"""Quantiles of a gestation distribution used for expectations over gestation."""


def _urgencies(sc: Scenario) -> set[str]:
    """Urgencies outreach cases can have at referral (stream and scripted cases)."""
    out = sc.demand.outreach
    used = {u for u, share in out.urgency_mix.items() if share > 0} if out.rate_per_day else set()
    return used | {entry.urgency for entry in out.scripted}


def pathway_shares(sc: Scenario) -> dict[str, float]:
    """Share of the outreach stream's cases that take each pathway, by urgency mix and severity mix."""
    out, rules = sc.demand.outreach, sc.policies.pathway
    u_total = sum(out.urgency_mix.values()) or 1.0
    s_total = sum(out.severity_mix.values()) or 1.0
    shares: dict[str, float] = {}
    for u, share in out.urgency_mix.items():
        rule = rules.get(u)
        if rule is None:
            continue
        split = {rule: 1.0} if isinstance(rule, str) else {}
        if not isinstance(rule, str):
            for band, weight in out.severity_mix.items():
                if band in rule:
                    split[rule[band]] = split.get(rule[band], 0.0) + weight / s_total
        for pathway, part in split.items():
            shares[pathway] = shares.get(pathway, 0.0) + share / u_total * part
    return shares


def pathways(sc: Scenario) -> set[str]:
    """Pathways that outreach cases can take, by urgency and severity (a deterioration keeps the
    pathway; the deterioration urgency's is counted too, as a conservative check)."""
    used = _urgencies(sc)
    if not used:
        return set()
    out, found = sc.demand.outreach, set[str]()
    bands = {b for b, share in out.severity_mix.items() if share > 0} | {
        e.severity for e in out.scripted if e.severity is not None}
    for u in used | {sc.clinical.deterioration_urgency}:
        rule = sc.policies.pathway.get(u)
        if isinstance(rule, str):
            found.add(rule)
        elif rule is not None:
            found |= {p for band, p in rule.items() if band in bands}
    return found


def _crash_possible(sc: Scenario) -> bool:
    """Whether a host may start a caesarean itself: the crash rule is on, some case takes the
    outreach pathway and can be at (or deteriorate to) the crash urgency."""
    crash = sc.policies.crash
    if crash.policy != "host_starts" or "outreach" not in pathways(sc):
        return False
    rates = sc.clinical.deterioration_rate_per_hour
    return crash.urgency in _urgencies(sc) or (
        crash.urgency == sc.clinical.deterioration_urgency and any(rates.get(u, 0) > 0 for u in _urgencies(sc)))


def obstetric_homes(sc: Scenario) -> list[str]:
    """The obstetric hospitals that send teams (and receive transfers), in the teams' order."""
    return list(dict.fromkeys(t.home for t in sc.teams))


def needs(sc: Scenario) -> list[Need]:
    """Every kind of request the model makes for this scenario's demand and pathways."""
    out: list[Need] = []
    out_demand = sc.demand.outreach
    hosts = [h for h, w in out_demand.hosts.items() if w > 0] if out_demand.rate_per_day else []
    hosts += [e.host for e in out_demand.scripted if e.host not in hosts]
    homes = obstetric_homes(sc)
    nicu = list(homes) if hosts else []
    if "outreach" in pathways(sc):
        for i, team in enumerate(sc.teams):
            key = team_key(sc, i)
            parts = {**team.composition, **team.equipment, "ambulance": team.ambulances}
            out += [Need(f"{key}.{_team_key(team, p)}.{p}" if p != "ambulance" else f"{key}.ambulances",
                         team.owner, p, n, f"the outreach team {team.name}") for p, n in parts.items() if n > 0]
        for h in hosts:
            out += [Need(f"hospitals.{h}.operating_rooms", h, "operating_room", 1, "surgery at the host"),
                    Need(f"hospitals.{h}.icu_beds", h, "icu_bed", 1, "the mother's postoperative care at the host")]
        if _crash_possible(sc):
            crash = sc.policies.crash
            out += [Need(f"policies.crash.host_team.{r}", h, r, n, "a caesarean started by the host's own staff")
                    for h in crash.hosts if h in hosts for r, n in crash.host_team.items()]
    if "transfer" in pathways(sc):
        for home in homes:
            out += [Need(f"transfer.escort.{r}", home, r, n, "the transfer escort")
                    for r, n in sc.transfer.escort.items()]
            out.append(Need(f"hospitals.{home}.ambulances", home, "ambulance", 1, "the transfer ambulance"))
            out += [Need(f"transfer.surgical_team.{r}", home, r, n, "surgery after transfer")
                    for r, n in sc.transfer.surgical_team.items()]
            out += [Need(f"hospitals.{home}.operating_rooms", home, "operating_room", 1, "surgery after transfer"),
                    Need(f"hospitals.{home}.icu_beds", home, "icu_bed", 1,
                         "the transferred mother's postoperative care")]
    for i, demand in enumerate(sc.demand.home_streams):
        if demand.rate_per_day <= 0:
            continue
        key = "demand.home_emergency" if len(sc.demand.home_streams) == 1 else f"demand.home_emergency.{i}"
        out += [Need(f"{key}.team.{r}", demand.hospital, r, n, "home emergency caesareans")
                for r, n in {**demand.team, "operating_room": 1}.items()]
        if demand.nicu_probability > 0 or any(b.probability > 0 for b in demand.nicu_probability_by_gestation or ()):
            nicu.append(demand.hospital)
    if sc.policies.nicu_full == "divert" and sc.policies.divert_to and nicu:
        nicu.append(sc.policies.divert_to)
    return out + [Need(f"hospitals.{h}.nicu_cots", h, "nicu_cot", 1, "newborns needing a NICU cot")
                  for h in dict.fromkeys(nicu)]


def _team_key(team: Team, pool: str) -> str:
    return "composition" if pool in team.composition else "equipment"


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
    """Requests that only some shifts can serve (cases wait for the next shift).  A dedicated
    team with its own availability windows is off duty outside them by design: not reported."""
    limits, found = pool_limits(sc), {}
    part_time = {t.name for t in sc.teams if t.dedicated and t.available is not None}
    for need in needs(sc):
        if need.hospital in part_time:
            continue
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


def _quantiles(dist: Distribution, points: int = GRID) -> np.ndarray:
    return np.array([dist.ppf((i + 0.5) / points) for i in range(points)])


def _capped_mean(dist: Distribution, cap: float) -> float:
    """E[min(X, cap)] over equally spaced quantiles."""
    return float(np.minimum(_quantiles(dist), cap).mean())


def before_theatre_min(sc: Scenario) -> float:
    """A lower bound of the mean time from the decision until the mother can go to theatre (min),
    over the outreach urgency mix: the capped stabilisation of a booked mother, the minimum
    resuscitation of an urgent one (no wait for the team or the slot)."""
    c, mix, planned = sc.clinical, sc.demand.outreach.urgency_mix, sc.policies.planned_urgency
    total = sum(mix.values()) or 1.0
    mean = 0.0
    for u, share in mix.items():
        if u == planned and u in c.stabilisation:
            mean += share * max(_capped_mean(c.stabilisation[u], c.stabilisation_cap_min), 0.0)
        elif u in c.minimum_resuscitation:
            mean += share * c.minimum_resuscitation[u].mean()
    return mean / total


def _cdf(dist: Distribution, x: float) -> float:
    """P(X < x) by bisection on the quantile function (distributions are given as data with a ``ppf``)."""
    low, high = 0.0, 1.0
    for _ in range(60):
        mid = (low + high) / 2
        if dist.ppf(mid) < x:
            low = mid
        else:
            high = mid
    return (low + high) / 2


def newborn_flows(sc: Scenario, hospital: str | None = None) -> list[tuple[float, Distribution]]:
    """``(newborns per minute, NICU stay)`` per gestational band: every outreach newborn, and the home
    emergencies' newborns with the admission probability of their gestation (each stream's own
    gestation distribution, its mass in each band found from its quantile function).

    With ``hospital``, only the newborns admitted there: its own home stream's, and a share of the
    outreach newborns (shared evenly between the teams' home hospitals, an approximation when
    there are several).
    """
    c, out = sc.clinical, sc.demand.outreach
    homes = obstetric_homes(sc)
    outreach_share = 1.0 if hospital is None else (1.0 / len(homes) if hospital in homes else 0.0)
    streams = [d for d in sc.demand.home_streams if hospital is None or d.hospital == hospital]
    stay_bands = [(b.below_weeks, b.stay) for b in c.nicu_stay_by_gestation or ()]
    stays = [stay for _, stay in stay_bands] + [c.nicu_stay]
    rates = [0.0] * len(stays)

    def add(per_min: float, gestation: Distribution, chance: list[tuple[float, float]], other: float) -> None:
        """Spread ``per_min`` births over the stay bands, times the admission ``chance`` of each band."""
        cuts = sorted({b for b, _ in stay_bands} | {b for b, _ in chance})
        below = [0.0, *(_cdf(gestation, x) for x in cuts), 1.0]  # P(G < each cut), between 0 and 1
        for j, hi in enumerate([*cuts, math.inf]):
            # no cut lies inside [previous cut, hi): every gestation there has the first band bounded at or above hi
            i = next((k for k, (bound, _) in enumerate(stay_bands) if bound >= hi), len(stay_bands))
            p = next((q for bound, q in chance if bound >= hi), other)
            rates[i] += per_min * (below[j + 1] - below[j]) * p

    if out.rate_per_day and pathways(sc) and outreach_share:
        add(outreach_share * out.rate_per_day / 1440.0, out.gestation_weeks, [], 1.0)
    for home in streams:
        if home.rate_per_day:
            chance = [(b.below_weeks, b.probability) for b in home.nicu_probability_by_gestation or ()]
            add(home.rate_per_day / 1440.0, home.gestation_weeks or out.gestation_weeks, chance,
                home.nicu_probability)
    return [(r, stay) for r, stay in zip(rates, stays, strict=True) if r > 0]


def _team_hold_min(sc: Scenario, team: Team, surgery: float) -> float:
    """A lower bound of the mean time a team is away for one case: mobilisation, set-up, surgery
    and the off-peak journeys from its home, weighted by host."""
    out, home = sc.demand.outreach, team.home
    routes = {frozenset(r.between): r for r in sc.travel.routes}
    weights = {h: w for h, w in out.hosts.items() if frozenset((h, home)) in routes}
    travel = sum(w * routes[frozenset((h, home))].off_peak.mean() for h, w in weights.items()) / (
        sum(weights.values()) or 1.0)
    return team.mobilisation.mean() + team.setup_on_site.mean() + surgery + 2 * travel


def _team_copies(sc: Scenario, team: Team) -> int:
    """How many copies of ``team`` its pools could send at once, at their best."""
    parts = {p: n for p, n in {**team.composition, **team.equipment}.items() if n}
    if team.ambulances:
        parts["ambulance"] = team.ambulances
    return min(_units(sc, p, team.owner, n) for p, n in parts.items())


def offered_loads(sc: Scenario) -> list[tuple[str, str, float]]:
    """``(key, what, load)``: lower bounds of arrivals x mean holding time per unit.

    Lower bounds: only the holding times every case certainly incurs are
    counted (no waits, no travel at peak hours, no deterioration).  A host ICU
    bed is held from the decision (when it is asked for) to the end of the
    postoperative stay; a transferred mother's bed at the obstetric hospital
    from the end of surgery.
    """
    out, c = sc.demand.outreach, sc.clinical
    per_min, mix = out.rate_per_day / 1440.0, out.urgency_mix
    shares = pathway_shares(sc) if per_min else {}
    surgery = _mean_by_urgency(c.anaesthesia, mix) + c.incision_to_delivery.mean() + c.closure.mean()
    homes = obstetric_homes(sc)
    loads = []
    if per_min and "outreach" in pathways(sc):
        # teams in parallel: their service rates (copies / mean hold) add up
        capacity = sum(_team_copies(sc, team) / _team_hold_min(sc, team, surgery) for team in sc.teams)
        rate = per_min * shares.get("outreach", 0.0)
        what = "the outreach team" if len(sc.teams) == 1 else "the outreach teams"
        loads.append(("demand.outreach.rate_per_day", what, rate / capacity if capacity else 0.0))
    transfer_rate = per_min * shares.get("transfer", 0.0) / len(homes)  # shared evenly: an approximation
    for home in homes:
        theatre_use = transfer_rate * surgery  # transferred mothers operated on at home
        for demand in sc.demand.home_streams:
            if demand.hospital == home and demand.rate_per_day:
                hold = (_mean_by_urgency(c.anaesthesia, demand.urgency_mix) + c.incision_to_delivery.mean()
                        + c.closure.mean())
                theatre_use += demand.rate_per_day / 1440.0 * hold
        theatres = _units(sc, "operating_room", home)
        if theatre_use and theatres:
            loads.append((f"hospitals.{home}.operating_rooms", f"home theatres at {home}", theatre_use / theatres))
        cots = _units(sc, "nicu_cot", home)
        cot_use = sum(rate * stay.mean() for rate, stay in newborn_flows(sc, home))
        if cot_use and cots:
            loads.append((f"hospitals.{home}.nicu_cots", f"NICU cots at {home}", cot_use / cots))
    outreach_rate = per_min * shares.get("outreach", 0.0)
    host_stay = before_theatre_min(sc) + surgery + c.postop_icu.mean()
    total = sum(out.hosts.values())
    for host, weight in out.hosts.items():
        beds = _units(sc, "icu_bed", host)
        if outreach_rate and beds:
            loads.append((f"hospitals.{host}.icu_beds", f"ICU beds at {host}",
                          outreach_rate * weight / total * host_stay / beds))
    for home in homes:
        beds = _units(sc, "icu_bed", home)
        if transfer_rate and beds:
            loads.append((f"hospitals.{home}.icu_beds", f"ICU beds at {home}",
                          transfer_rate * c.postop_icu.mean() / beds))
    return loads


def overload(loads: list[tuple[str, str, float]], nicu_rule: str = "wait", nicu_limit_min: float = 0.0) -> list[str]:
    """Resources whose offered load (a lower bound) is 1 or more: queues grow without bound, except
    for NICU cots under a surge or divert rule, where no newborn waits longer than the limit."""
    out = []
    for key, what, load in loads:
        if load < 1:
            continue
        if key.endswith(".nicu_cots") and nicu_rule != "wait":
            then = ("admitted over the count" if nicu_rule == "surge"
                    else "diverted (and, at a full divert unit, admitted over its count after the same wait)")
            out.append(f"{key}: demand above capacity for {what}: offered load at least {load:.2f} per unit "
                       f"(1 or more: the unit is full for good, and newborns wait up to {nicu_limit_min:g} min, "
                       f"then are {then})")
        else:
            out.append(f"{key}: demand above capacity for {what}: offered load at least {load:.2f} per unit "
                       "(1 or more: waits grow for as long as the run lasts)")
    return out


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
    return fill_time_of_mixture([(1.0, stay)], fraction, points)


def fill_time_of_mixture(flows: list[tuple[float, Distribution]], fraction: float = FILLED,
                         points: int = 20_000) -> float:
    """:func:`fill_time` for stays drawn from a mixture: ``(weight, stay)`` pairs (e.g. newborns per
    minute of each gestational band, :func:`newborn_flows`), ``points`` quantiles in all."""
    total = sum(w for w, _ in flows)
    each = max(points // max(len(flows), 1), 1)
    s = np.concatenate([[stay.ppf((i + 0.5) / each) for i in range(each)] for _, stay in flows])
    w = np.concatenate([np.full(each, weight / total / each) for weight, _ in flows])
    order = np.argsort(s, kind="stable")
    s, w = s[order], w[order]
    longer = np.cumsum(w[::-1])[::-1]  # share of stays at least as long as s[k]
    below = np.concatenate([[0.0], np.cumsum(w * s)[:-1]])  # weighted sum of the stays shorter than s[k]
    reached = below + longer * s  # E[min(S, s[k])]
    target = fraction * float((w * s).sum())
    k = int(np.searchsorted(reached, target))
    if k == 0:
        return float(target)  # every stay is longer than t: E[min(S, t)] = t
    # between s[k-1] and s[k], E[min(S, t)] grows at the share of stays longer than t
    return float(s[k - 1] + (target - reached[k - 1]) / longer[k])


def nicu_fill_time(sc: Scenario, hospital: str | None = None) -> float:
    """:func:`fill_time` of a NICU (every newborn when ``hospital`` is None): the stays of its
    newborns by gestational band."""
    flows = newborn_flows(sc, hospital)
    return fill_time_of_mixture(flows) if flows else 0.0


def startup_bias(sc: Scenario, loads: list[tuple[str, str, float]]) -> list[str]:
    """NICU cots that are busy enough to matter and still filling up when the warm-up ends."""
    out = []
    for home in obstetric_homes(sc):
        key = f"hospitals.{home}.nicu_cots"
        if {k: load for k, _, load in loads}.get(key, 0.0) < MATERIAL_LOAD:
            continue
        days = nicu_fill_time(sc, home) / 1440.0
        if sc.run.warmup_days >= days:
            continue
        flows = newborn_flows(sc, home)
        mean_stay = sum(r * stay.mean() for r, stay in flows) / sum(r for r, _ in flows)
        advice = (f"add --set run.warmup_days={math.ceil(days)} for them" if days < sc.run.horizon_days
                  else f"they need a horizon longer than {math.ceil(days)} days and that warm-up")
        out.append(f"run.warmup_days: NICU cots at {home} start empty, and their expected occupancy reaches "
                   f"{100 * FILLED:g}% of its long-run level only after about {days:.0f} days (mean stay "
                   f"{mean_stay / 1440:.1f} days); with a warm-up of {sc.run.warmup_days:g} days "
                   f"the NICU figures (cot use, waits for a cot) are biased low: {advice}")
    return out


def streams(sc: Scenario) -> tuple[bool, bool]:
    """``(outreach, home)``: whether outreach cases and home emergencies can be created after the warm-up
    and before the horizon (a stream with a positive rate, or a scripted case inside the run)."""
    out = sc.demand.outreach
    start, end = sc.run.warmup_days * 1440.0, sc.run.horizon_days * 1440.0
    outreach = bool(pathways(sc)) and (out.rate_per_day > 0 or any(start <= e.time_min < end for e in out.scripted))
    return outreach, any(home.rate_per_day > 0 for home in sc.demand.home_streams)


def scripted_outside(sc: Scenario) -> list[str]:
    """Scripted cases that no KPI will count, each as ``key: message``.

    A case whose ``time_min`` is at or after the horizon never starts (the run
    stops at the horizon); one before the end of the warm-up starts but is
    left out of every KPI, as all cases created in the warm-up are.
    """
    horizon, warmup = sc.run.horizon_days * 1440.0, sc.run.warmup_days * 1440.0
    out = []
    for i, case in enumerate(sc.demand.outreach.scripted):
        where = f"demand.outreach.scripted.{i}.time_min: the scripted case at {case.time_min:g} min ({case.host})"
        if case.time_min >= horizon:
            out.append(f"{where} is at or after the horizon ({horizon:g} min, run.horizon_days="
                       f"{sc.run.horizon_days:g}): it never starts and is in no table")
        elif case.time_min < warmup:
            out.append(f"{where} is inside the warm-up (before {warmup:g} min, run.warmup_days="
                       f"{sc.run.warmup_days:g}): it runs but no KPI counts it")
    return out


def scenario_warnings(sc: Scenario) -> list[str]:
    """Every pre-run warning of a scenario, each as ``key: message``."""
    loads = offered_loads(sc)
    p = sc.policies
    rule = p.nicu_full if p.nicu_full != "divert" or p.divert_to else "surge"  # nowhere to divert: admitted over
    return [*never_served(sc), *shift_gaps(sc), *overload(loads, rule, p.nicu_wait_limit_min),
            *startup_bias(sc, loads), *scripted_outside(sc)]
