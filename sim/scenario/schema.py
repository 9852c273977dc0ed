"""The scenario: a frozen, validated description of one network and its demand.

Every model refuses unknown keys.  Durations are minutes; rates are per day;
counts are people, rooms, beds, cots or vehicles.  ``scenarios/README.md`` is
the data dictionary, key by key, with units and sources.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sim.scenario.distributions import Distribution

Count = Annotated[int, Field(ge=0, le=100_000)]
Probability = Annotated[float, Field(ge=0, le=1)]
Minutes = Annotated[float, Field(ge=0, le=10_000_000)]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Urgency(Frozen):
    """An urgency category and its decision-to-delivery target (audit standard)."""

    target_min: Minutes = Field(description="decision-to-delivery target, minutes")
    priority: int = Field(ge=0, le=100, description="0 is served first")
    label: str = ""


class StaffRole(Frozen):
    """Headcount of one role at one hospital, by shift, plus on-call staff."""

    day: Count = Field(description="on duty, weekdays 07:00-19:00")
    night: Count = Field(description="on duty, every night 19:00-07:00")
    weekend: Count = Field(description="on duty, Saturday and Sunday 07:00-19:00")
    on_call: Count = Field(0, description="reachable off site, called in when on-duty staff are busy")
    call_in: Distribution | None = Field(None, description="minutes from call to arrival on site")

    @model_validator(mode="after")
    def _call_in_given(self) -> StaffRole:
        if self.on_call > 0 and self.call_in is None:
            raise ValueError("on_call > 0 needs a call_in distribution")
        return self


class Hospital(Frozen):
    """One hospital: capabilities and capacities."""

    name: str = Field(min_length=1)
    obstetric: bool = Field(False, description="has an obstetric service (can send a team)")
    nicu: bool = Field(False, description="has a neonatal intensive care unit")
    operating_rooms: Count = 0
    icu_beds: Count = 0
    nicu_cots: Count = 0
    ambulances: Count = 0
    equipment: dict[str, Count] = Field(default_factory=dict, description="items, e.g. transport_incubator")
    staff: dict[str, StaffRole] = Field(default_factory=dict, description="role -> headcount")


class Route(Frozen):
    """Road travel between two hospitals, both directions."""

    between: tuple[str, str]
    off_peak: Distribution
    peak: Distribution


class Travel(Frozen):
    peaks: list[tuple[str, str]] = Field(
        default_factory=lambda: [("07:30", "08:30"), ("17:30", "18:30")],
        description="clock windows (HH:MM) when the peak distribution applies",
    )
    routes: list[Route] = Field(min_length=1)

    @field_validator("peaks")
    @classmethod
    def _clock_times(cls, peaks: list[tuple[str, str]]) -> list[tuple[str, str]]:
        for start, end in peaks:
            for value in (start, end):
                if not _CLOCK.match(value):
                    raise ValueError(f"{value!r} is not a clock time HH:MM")
            if start >= end:
                raise ValueError(f"peak {start}-{end} must end after it starts")
        return peaks


class Team(Frozen):
    """The outreach team sent by the obstetric hospital."""

    home: str = Field(description="hospital id that sends the team")
    composition: dict[str, Annotated[int, Field(ge=0, le=1000)]] = Field(
        min_length=1, description="role -> people sent; 0 leaves out a role inherited through extends")
    neonatal_roles: dict[str, Annotated[int, Field(ge=0, le=1000)]] = Field(
        default_factory=dict, description="part of the team that travels with the newborn (0: none of the role)"
    )
    equipment: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Field(default_factory=dict)
    incubator: str | None = Field("transport_incubator", description="equipment item that carries the newborn")
    ambulances: Annotated[int, Field(ge=0, le=100)] = 1
    mobilisation: Distribution
    setup_on_site: Distribution
    restock: Distribution

    @model_validator(mode="after")
    def _sends_someone(self) -> Team:
        if not any(self.composition.values()):
            raise ValueError("team.composition must send at least one person")
        return self


class Demand(Frozen):
    """A Poisson stream of cases with optional time-of-day and day-of-week profiles."""

    rate_per_day: float = Field(ge=0, le=100_000, description="mean cases per day")
    hourly_profile: list[Annotated[float, Field(ge=0)]] | None = Field(None, min_length=24, max_length=24)
    weekday_profile: list[Annotated[float, Field(ge=0)]] | None = Field(None, min_length=7, max_length=7)
    urgency_mix: dict[str, Probability] = Field(min_length=1)

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> Demand:
        total = sum(self.urgency_mix.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"urgency_mix must sum to 1 (sums to {total:g})")
        for name, profile in (("hourly_profile", self.hourly_profile), ("weekday_profile", self.weekday_profile)):
            if profile is not None and sum(profile) <= 0:
                raise ValueError(f"{name} must have a positive weight somewhere")
        return self


class OutreachDemand(Demand):
    hosts: dict[str, Annotated[float, Field(gt=0)]] = Field(min_length=1, description="host id -> relative weight")
    gestation_weeks: Distribution


class HomeDemand(Demand):
    hospital: str
    team: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Field(min_length=1)
    decision_to_theatre: dict[str, Distribution] = Field(description="urgency -> minutes of preparation")
    nicu_probability: Probability = Field(description="share of home-delivered babies needing a NICU cot")


class DemandSet(Frozen):
    outreach: OutreachDemand
    home_emergency: HomeDemand | None = None


class Clinical(Frozen):
    """Durations and probabilities of the clinical steps."""

    consultation: Distribution
    consult_roles: dict[str, str] = Field(description="'home' and 'host' -> role of the senior taking part")
    stabilisation: dict[str, Distribution] = Field(description="urgency -> host ICU stabilisation before surgery")
    deterioration_probability: Probability
    deterioration_urgency: str
    anaesthesia: dict[str, Distribution] = Field(description="urgency -> theatre entry to ready for incision")
    incision_to_delivery: Distribution
    closure: Distribution
    neonatal_stabilisation: Distribution
    postop_icu: Distribution
    nicu_stay: Distribution
    birth_weight_median_35w_g: float = Field(2425, gt=0, le=6000, description="median birth weight at 35+0 weeks (g)")
    birth_weight_g_per_week: float = Field(220, ge=0, le=1000, description="growth of the median per week (g)")
    birth_weight_sd_g: float = Field(380, gt=0, le=2000, description="standard deviation of birth weight (g)")


class TransferPolicy(Frozen):
    """The transfer pathway: the mother travels to the obstetric hospital instead."""

    escort: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Field(
        default_factory=dict, description="home staff who ride with the ambulance to fetch her")
    packaging: Distribution = Field(description="preparing the mother for the journey (min)")
    surgical_team: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Field(
        min_length=1, description="home staff who operate on arrival")


class Policies(Frozen):
    pathway: dict[str, Literal["outreach", "transfer"]] = Field(description="urgency -> pathway")
    nicu_full: Literal["wait", "divert"] = "wait"
    divert_to: str | None = None
    dispatch: Literal["priority", "fifo"] = "priority"
    planned_start: str = Field("08:00", description="clock time of planned surgery (next occurrence)")
    planned_urgency: str | None = Field("planned", description="urgency scheduled for planned_start, or null")
    planned_min_lead_min: Minutes = Field(360, description="planned surgery is at least this long after the decision")
    planned_dispatch_lead_min: Minutes = Field(
        120, description="the team is requested this long before planned surgery")

    @field_validator("planned_start")
    @classmethod
    def _clock(cls, value: str) -> str:
        if not _CLOCK.match(value):
            raise ValueError(f"{value!r} is not a clock time HH:MM")
        return value


class RunSettings(Frozen):
    horizon_days: float = Field(gt=0, le=36_500)
    warmup_days: float = Field(0, ge=0)
    replications: int = Field(30, ge=1, le=1_000_000)
    seed: int = Field(12345, ge=0, le=2**63 - 1)


class Scenario(Frozen):
    """A whole scenario file, after ``extends`` and ``--set`` are applied."""

    name: str = Field(min_length=1, max_length=200)
    description: str = ""
    run: RunSettings
    urgency: dict[str, Urgency] = Field(min_length=1)
    hospitals: dict[str, Hospital] = Field(min_length=1)
    travel: Travel
    team: Team
    demand: DemandSet
    clinical: Clinical
    transfer: TransferPolicy
    policies: Policies
    sources: dict[str, str] = Field(default_factory=dict, description="key -> citation or ASSUMPTION")

    @model_validator(mode="after")
    def _references_exist(self) -> Scenario:
        return check_references(self)


def check_references(sc: Scenario) -> Scenario:
    """Refuse names that point nowhere; list every problem at once."""
    problems: list[str] = []
    hospitals, urgencies = sc.hospitals, sc.urgency

    def need_hospital(hid: str | None, where: str) -> None:
        if hid is not None and hid not in hospitals:
            problems.append(f"{where}: unknown hospital {hid!r} (known: {', '.join(hospitals)})")

    def need_urgency(names: object, where: str) -> None:
        for name in names:  # type: ignore[attr-defined]
            if name not in urgencies:
                problems.append(f"{where}: unknown urgency {name!r} (known: {', '.join(urgencies)})")

    home = sc.team.home
    need_hospital(home, "team.home")
    if home in hospitals:
        staff, items = hospitals[home].staff, hospitals[home].equipment
        for role in [*sc.team.composition, *sc.transfer.escort, *sc.transfer.surgical_team]:
            if role not in staff:
                problems.append(f"team/transfer role {role!r} is not staffed at {home}")
        for role, n in sc.team.neonatal_roles.items():
            if sc.team.composition.get(role, 0) < n:
                problems.append(f"team.neonatal_roles.{role}: more than the team composition holds")
        for item in sc.team.equipment:
            if item not in items:
                problems.append(f"team.equipment.{item}: {home} has no such equipment")
        if sc.team.incubator and sc.team.incubator not in sc.team.equipment:
            problems.append(f"team.incubator: {sc.team.incubator!r} is not in team.equipment")
        if sc.clinical.consult_roles.get("home") not in staff:
            problems.append(f"clinical.consult_roles.home: role not staffed at {home}")
    for host in sc.demand.outreach.hosts:
        need_hospital(host, f"demand.outreach.hosts.{host}")
        if host in hospitals and sc.clinical.consult_roles.get("host") not in hospitals[host].staff:
            problems.append(f"clinical.consult_roles.host: role not staffed at host {host}")
    linked = {frozenset(r.between) for r in sc.travel.routes}
    for r in sc.travel.routes:
        for hid in r.between:
            need_hospital(hid, "travel.routes")
    for host in sc.demand.outreach.hosts:
        if host != home and frozenset((host, home)) not in linked:
            problems.append(f"travel.routes: no route between {host} and {home}")
    need_urgency(sc.demand.outreach.urgency_mix, "demand.outreach.urgency_mix")
    need_urgency(sc.policies.pathway, "policies.pathway")
    need_urgency(sc.clinical.stabilisation, "clinical.stabilisation")
    need_urgency(sc.clinical.anaesthesia, "clinical.anaesthesia")
    need_urgency([sc.clinical.deterioration_urgency], "clinical.deterioration_urgency")
    for name in urgencies:
        for table, where in ((sc.policies.pathway, "policies.pathway"), (sc.clinical.stabilisation,
                             "clinical.stabilisation"), (sc.clinical.anaesthesia, "clinical.anaesthesia")):
            if name not in table:
                problems.append(f"{where}: urgency {name!r} has no entry")
    if sc.policies.planned_urgency is not None:
        need_urgency([sc.policies.planned_urgency], "policies.planned_urgency")
    home_demand = sc.demand.home_emergency
    if home_demand is not None:
        need_hospital(home_demand.hospital, "demand.home_emergency.hospital")
        need_urgency(home_demand.urgency_mix, "demand.home_emergency.urgency_mix")
        need_urgency(home_demand.decision_to_theatre, "demand.home_emergency.decision_to_theatre")
        for u in home_demand.urgency_mix:
            if u not in home_demand.decision_to_theatre:
                problems.append(f"demand.home_emergency.decision_to_theatre: no entry for {u!r}")
        if home_demand.hospital in hospitals:
            for role in home_demand.team:
                if role not in hospitals[home_demand.hospital].staff:
                    problems.append(f"demand.home_emergency.team.{role}: not staffed there")
    if sc.policies.nicu_full == "divert":
        if sc.policies.divert_to is None:
            problems.append("policies.divert_to: required when nicu_full is 'divert'")
        elif frozenset((sc.policies.divert_to, home)) not in linked:
            problems.append("policies.divert_to: no travel route from the team's home")
    need_hospital(sc.policies.divert_to, "policies.divert_to")
    if problems:
        raise ValueError("; ".join(problems))
    return sc
