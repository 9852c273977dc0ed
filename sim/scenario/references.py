"""Cross-references inside a scenario: every name must point to something that exists.

A hospital id, a staff role, an equipment item or an urgency category named in
one part of a scenario must be defined in another.  :func:`check_references`
lists every broken reference at once, each with the key path where the name
was written, so the loader can point at its file and line.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sim.scenario.schema import HomeDemand, Scenario


class ReferenceProblems(ValueError):
    """Broken references; ``items`` holds ``(key path, message)`` pairs."""

    def __init__(self, items: list[tuple[str, str]]):
        self.items = items
        super().__init__("; ".join(f"{key}: {message}" for key, message in items))


class _Found:
    """Collects ``(key path, message)`` pairs."""

    def __init__(self, sc: Scenario):
        self.sc = sc
        self.items: list[tuple[str, str]] = []

    def add(self, key: str, message: str) -> None:
        self.items.append((key, message))

    def hospital(self, hid: str | None, key: str) -> None:
        if hid is not None and hid not in self.sc.hospitals:
            self.add(key, f"unknown hospital {hid!r} (known: {', '.join(self.sc.hospitals)})")

    def urgencies(self, names: Iterable[str], key: str) -> None:
        for name in names:
            if name not in self.sc.urgency:
                self.add(f"{key}.{name}", f"unknown urgency {name!r} (known: {', '.join(self.sc.urgency)})")

    def roles(self, roles: Iterable[str], hospital: str, key: str) -> None:
        staff = self.sc.hospitals[hospital].staff
        for role in roles:
            if role not in staff:
                self.add(f"{key}.{role}", f"role {role!r} is not staffed at {hospital} "
                                          f"(staffed: {', '.join(staff) or 'none'})")


def team_key(sc: Scenario, i: int) -> str:
    """The key path of team ``i``: ``team`` in a one-team scenario, else ``teams.<i>``."""
    return "team" if len(sc.teams) == 1 else f"teams.{i}"


def linked_pairs(sc: Scenario) -> set[frozenset[str]]:
    """Every pair of hospitals with a road route."""
    return {frozenset(r.between) for r in sc.travel.routes}


def _teams(found: _Found) -> None:
    sc = found.sc
    names = [t.name for t in sc.teams]
    for i, team in enumerate(sc.teams):
        key = team_key(sc, i)
        if names.count(team.name) > 1:
            found.add(f"{key}.id", f"team id {team.name!r} is used by more than one team (give each an id)")
        if team.dedicated and team.name in sc.hospitals:
            found.add(f"{key}.id", f"a dedicated team needs an id of its own, not the hospital id {team.name!r}")
        _team(found, i, key)


def _team(found: _Found, i: int, key: str) -> None:
    sc = found.sc
    team = sc.teams[i]
    home = team.home
    found.hospital(home, f"{key}.home")
    if home not in sc.hospitals:
        return
    if team.dedicated:
        staff = team.own_staff()
        for role, n in team.composition.items():
            if n and role not in staff:
                found.add(f"{key}.composition.{role}", f"role {role!r} has no roster in {key}.staff")
    else:
        found.roles([role for role, n in team.composition.items() if n], home, f"{key}.composition")
    found.roles(sc.transfer.escort, home, "transfer.escort")
    found.roles(sc.transfer.surgical_team, home, "transfer.surgical_team")
    for role, n in team.neonatal_roles.items():
        if team.composition.get(role, 0) < n:
            found.add(f"{key}.neonatal_roles.{role}", f"{n} needed but the team composition sends "
                                                      f"{team.composition.get(role, 0)}")
    items = sc.hospitals[home].equipment
    for item in team.equipment:
        if not team.dedicated and item not in items:
            found.add(f"{key}.equipment.{item}", f"{home} has no such equipment (has: {', '.join(items) or 'none'})")
    if team.incubator and team.incubator not in team.equipment:
        found.add(f"{key}.incubator", f"{team.incubator!r} is not in {key}.equipment")
    consult = sc.clinical.consult_roles.get("home")
    if consult is not None and consult not in sc.hospitals[home].staff:
        found.add("clinical.consult_roles.home", f"role {consult!r} is not staffed at {home}")
    linked = linked_pairs(sc)
    for j, base in enumerate(team.based_at):
        found.hospital(base.at, f"{key}.based_at.{j}.at")
        if base.at in sc.hospitals and base.at != home and frozenset((base.at, home)) not in linked:
            found.add(f"{key}.based_at.{j}.at", f"no route in travel.routes between {base.at} and {home}")


def _hosts(found: _Found) -> None:
    sc = found.sc
    homes = list(dict.fromkeys(t.home for t in sc.teams))
    linked = linked_pairs(sc)
    for i, route in enumerate(sc.travel.routes):
        for hid in route.between:
            found.hospital(hid, f"travel.routes.{i}.between")
    seen: dict[frozenset[str], int] = {}
    for i, route in enumerate(sc.travel.routes):
        pair = frozenset(route.between)
        if pair in seen:
            found.add(f"travel.routes.{i}.between", f"the pair {' - '.join(route.between)} is given twice "
                                                    f"(also travel.routes.{seen[pair]})")
        seen.setdefault(pair, i)
    hosts = {host: f"demand.outreach.hosts.{host}" for host in sc.demand.outreach.hosts}
    for i, entry in enumerate(sc.demand.outreach.scripted):
        hosts.setdefault(entry.host, f"demand.outreach.scripted.{i}.host")
    for host, key in hosts.items():
        found.hospital(host, key)
        if host not in sc.hospitals:
            continue
        role = sc.clinical.consult_roles.get("host")
        if role is not None and role not in sc.hospitals[host].staff:
            found.add("clinical.consult_roles.host", f"role {role!r} is not staffed at host {host}")
        for home in homes:
            if host != home and home in sc.hospitals and frozenset((host, home)) not in linked:
                found.add(key, f"no route in travel.routes between {host} and {home}")
    teams = {t.name for t in sc.teams}
    for host, order in sc.policies.team_order.items():
        found.hospital(host, f"policies.team_order.{host}")
        for j, name in enumerate(order):
            if name not in teams:
                found.add(f"policies.team_order.{host}.{j}", f"unknown team {name!r} (teams: {', '.join(teams)})")


def _urgencies(found: _Found) -> None:
    sc = found.sc
    clinical, policies = sc.clinical, sc.policies
    found.urgencies(sc.demand.outreach.urgency_mix, "demand.outreach.urgency_mix")
    for i, entry in enumerate(sc.demand.outreach.scripted):
        if entry.urgency not in sc.urgency:
            found.add(f"demand.outreach.scripted.{i}.urgency", f"unknown urgency {entry.urgency!r}")
    tables: dict[str, Mapping[str, object]] = {"policies.pathway": policies.pathway,
                                               "clinical.anaesthesia": clinical.anaesthesia}
    for key, table in tables.items():
        found.urgencies(table, key)
        for name in sc.urgency:
            if name not in table:
                found.add(key, f"urgency {name!r} has no entry")
    optional: dict[str, Mapping[str, object]] = {
        "clinical.stabilisation": clinical.stabilisation,
        "clinical.minimum_resuscitation": clinical.minimum_resuscitation,
        "clinical.deterioration_rate_per_hour": clinical.deterioration_rate_per_hour}
    for key, entries in optional.items():
        found.urgencies(entries, key)
    planned = policies.planned_urgency
    if planned is not None and planned in sc.urgency and planned not in clinical.stabilisation:
        found.add("clinical.stabilisation", f"the booked urgency {planned!r} has no entry")
    severities = sc.demand.outreach.severity_mix
    for urgency, rule in policies.pathway.items():
        if isinstance(rule, Mapping):
            for band in severities:
                if band not in rule:
                    found.add(f"policies.pathway.{urgency}", f"severity {band!r} has no entry")
            for band in rule:
                if band not in severities:
                    found.add(f"policies.pathway.{urgency}.{band}", "not a severity of demand.outreach.severity_mix")
    for band in clinical.deterioration_severity_factor:
        if band not in severities:
            found.add(f"clinical.deterioration_severity_factor.{band}",
                      "not a severity of demand.outreach.severity_mix")
    for i, entry in enumerate(sc.demand.outreach.scripted):
        if entry.severity is not None and entry.severity not in severities:
            found.add(f"demand.outreach.scripted.{i}.severity", f"unknown severity {entry.severity!r}")
    crash = policies.crash
    for i, host in enumerate(crash.hosts):
        found.hospital(host, f"policies.crash.hosts.{i}")
        if host in sc.hospitals:
            found.roles(crash.host_team, host, "policies.crash.host_team")
    if clinical.deterioration_urgency not in sc.urgency:
        found.add("clinical.deterioration_urgency", f"unknown urgency {clinical.deterioration_urgency!r}")
    if policies.planned_urgency is not None and policies.planned_urgency not in sc.urgency:
        found.add("policies.planned_urgency", f"unknown urgency {policies.planned_urgency!r}")


def _home_demand(found: _Found) -> None:
    streams = found.sc.demand.home_streams
    hospitals = [d.hospital for d in streams]
    for i, demand in enumerate(streams):
        key = "demand.home_emergency" if len(streams) == 1 else f"demand.home_emergency.{i}"
        if hospitals.count(demand.hospital) > 1:
            found.add(f"{key}.hospital", f"{demand.hospital} has more than one home-emergency stream")
        _home_stream(found, demand, key)


def _home_stream(found: _Found, demand: HomeDemand, key: str) -> None:
    found.hospital(demand.hospital, f"{key}.hospital")
    found.urgencies(demand.urgency_mix, f"{key}.urgency_mix")
    found.urgencies(demand.decision_to_theatre, f"{key}.decision_to_theatre")
    for name in demand.urgency_mix:
        if name not in demand.decision_to_theatre:
            found.add(f"{key}.decision_to_theatre", f"no entry for urgency {name!r}")
    if demand.hospital in found.sc.hospitals:
        found.roles(demand.team, demand.hospital, f"{key}.team")


def _divert(found: _Found) -> None:
    sc = found.sc
    policies = sc.policies
    found.hospital(policies.divert_to, "policies.divert_to")
    if policies.nicu_full != "divert":
        return
    linked = linked_pairs(sc)
    if policies.divert_to is None:
        found.add("policies.divert_to", "required when nicu_full is 'divert'")
    elif policies.divert_to in sc.hospitals:
        for home in dict.fromkeys(t.home for t in sc.teams):
            if home != policies.divert_to and frozenset((policies.divert_to, home)) not in linked:
                found.add("policies.divert_to", f"no travel route from {home}, a team's home NICU")


def _economics(found: _Found) -> None:
    """Cost rates for every role that can be away; outcome proxies with distinct names and known urgencies."""
    sc = found.sc
    if sc.costs is not None:
        away = {role for t in sc.teams for role, n in t.composition.items() if n} | set(sc.transfer.escort)
        for role in sorted(away - set(sc.costs.staff_hour)):
            found.add(f"costs.staff_hour.{role}", f"no rate for {role!r}, a role sent away from home (give 0 "
                                                  "to count its hours at no cost)")
        staffed = {role for h in sc.hospitals.values() for role in h.staff} | {
            role for t in sc.teams for role in t.own_staff()}
        for role in sc.costs.staff_hour:
            if role not in staffed:
                found.add(f"costs.staff_hour.{role}", f"role {role!r} is staffed nowhere")
    names = [p.name for p in sc.outcomes]
    for i, proxy in enumerate(sc.outcomes):
        if names.count(proxy.name) > 1:
            found.add(f"outcomes.{i}.name", f"{proxy.name!r} names more than one outcome proxy")
        found.urgencies(proxy.urgencies or [], f"outcomes.{i}.urgencies")


def check_references(sc: Scenario) -> Scenario:
    """Return ``sc`` unchanged, or raise :class:`ReferenceProblems` listing every broken name."""
    found = _Found(sc)
    for check in (_teams, _hosts, _urgencies, _home_demand, _divert, _economics):
        check(found)
    if found.items:
        raise ReferenceProblems(found.items)
    return sc
