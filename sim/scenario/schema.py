"""The scenario: a frozen, validated description of one network and its demand.

Every model refuses unknown keys.  Durations are minutes; rates are per day;
counts are people, rooms, beds, cots or vehicles.  ``scenarios/README.md`` is
the data dictionary, key by key, with units and sources.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationInfo, field_validator, model_validator

from sim.scenario.distributions import Distribution
from sim.scenario.references import check_references

Count = Annotated[int, Field(ge=0, le=100_000)]
Probability = Annotated[float, Field(ge=0, le=1)]
Minutes = Annotated[float, Field(ge=0, le=10_000_000)]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Frozen(BaseModel):
    """Base of every scenario model: unknown keys refused, immutable, strict types.

    Strict: text is never read as a number ("6"), nor a boolean as a count
    (``true`` is not 1), nor a fraction as a whole number; infinities and NaN
    are refused.  Lists stand for the two tuple fields, as YAML has no tuples.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True, allow_inf_nan=False)


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
    obstetric: bool = Field(False, description="has an obstetric service (descriptive: the model does not read it)")
    nicu: bool = Field(False, description="has a neonatal intensive care unit")
    operating_rooms: Count = 0
    icu_beds: Count = 0
    nicu_cots: Count = 0
    ambulances: Count = 0
    equipment: dict[str, Count] = Field(default_factory=dict, description="items, e.g. transport_incubator")
    staff: dict[str, StaffRole] = Field(default_factory=dict, description="role -> headcount")


class Route(Frozen):
    """Road travel between two hospitals, both directions."""

    between: tuple[str, str] = Field(strict=False)
    off_peak: Distribution
    peak: Distribution


class Travel(Frozen):
    peaks: list[Annotated[tuple[str, str], Strict(False)]] = Field(
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

    @field_validator("urgency_mix")
    @classmethod
    def _mix_sums_to_one(cls, mix: dict[str, float]) -> dict[str, float]:
        total = sum(mix.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"urgency_mix must sum to 1 (sums to {total:g})")
        return mix

    @field_validator("hourly_profile", "weekday_profile")
    @classmethod
    def _some_weight(cls, profile: list[float] | None) -> list[float] | None:
        if profile is not None and sum(profile) <= 0:
            raise ValueError("a profile must have a positive weight somewhere")
        return profile


class ScriptedCase(Frozen):
    """One outreach case at a given time (a replay of a real case); durations are still drawn."""

    time_min: Minutes = Field(description="when the referral arrives (minutes from Monday 00:00)")
    host: str = Field(description="hospital id where the mother is")
    urgency: str
    gestation_weeks: float = Field(ge=22, le=44)
    birth_weight_g: float | None = Field(None, ge=400, le=6000, description="fixes the newborn's weight (g)")


class OutreachDemand(Demand):
    hosts: dict[str, Annotated[float, Field(gt=0)]] = Field(min_length=1, description="host id -> relative weight")
    gestation_weeks: Distribution
    scripted: list[ScriptedCase] = Field(default_factory=list, description="cases at given times, besides the stream")


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

    @field_validator("warmup_days")
    @classmethod
    def _warmup_inside_run(cls, warmup: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon_days")
        if horizon is not None and warmup >= horizon:
            raise ValueError(f"warm-up ({warmup:g} d) must be shorter than the horizon ({horizon:g} d)")
        return warmup


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

