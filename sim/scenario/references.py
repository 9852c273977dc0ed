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
    from sim.scenario.schema import Scenario


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


def _team(found: _Found) -> None:
    sc = found.sc
    team, home = sc.team, sc.team.home
    found.hospital(home, "team.home")
    if home not in sc.hospitals:
        return
    found.roles([role for role, n in team.composition.items() if n], home, "team.composition")
    found.roles(sc.transfer.escort, home, "transfer.escort")
    found.roles(sc.transfer.surgical_team, home, "transfer.surgical_team")
    for role, n in team.neonatal_roles.items():
        if team.composition.get(role, 0) < n:
            found.add(f"team.neonatal_roles.{role}", f"{n} needed but the team composition sends "
                                                     f"{team.composition.get(role, 0)}")
    items = sc.hospitals[home].equipment
    for item in team.equipment:
        if item not in items:
            found.add(f"team.equipment.{item}", f"{home} has no such equipment (has: {', '.join(items) or 'none'})")
    if team.incubator and team.incubator not in team.equipment:
        found.add("team.incubator", f"{team.incubator!r} is not in team.equipment")
    consult = sc.clinical.consult_roles.get("home")
    if consult is not None and consult not in sc.hospitals[home].staff:
        found.add("clinical.consult_roles.home", f"role {consult!r} is not staffed at {home}")


def _hosts(found: _Found) -> None:
    sc = found.sc
    home = sc.team.home
    linked = {frozenset(r.between) for r in sc.travel.routes}
    for i, route in enumerate(sc.travel.routes):
        for hid in route.between:
            found.hospital(hid, f"travel.routes.{i}.between")
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
        if host != home and frozenset((host, home)) not in linked:
            found.add(key, f"no route in travel.routes between {host} and {home}")


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
    demand = found.sc.demand.home_emergency
    if demand is None:
        return
    key = "demand.home_emergency"
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
    linked = {frozenset(r.between) for r in sc.travel.routes}
    if policies.divert_to is None:
        found.add("policies.divert_to", "required when nicu_full is 'divert'")
    elif policies.divert_to in sc.hospitals and frozenset((policies.divert_to, sc.team.home)) not in linked:
        found.add("policies.divert_to", "no travel route from the team's home")


def check_references(sc: Scenario) -> Scenario:
    """Return ``sc`` unchanged, or raise :class:`ReferenceProblems` listing every broken name."""
    found = _Found(sc)
    for check in (_team, _hosts, _urgencies, _home_demand, _divert):
        check(found)
    if found.items:
        raise ReferenceProblems(found.items)
    return sc
