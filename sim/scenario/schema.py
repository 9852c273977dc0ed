"""The scenario: a frozen, validated description of one network and its demand.

Every model refuses unknown keys.  Durations are minutes; rates are per day;
counts are people, rooms, beds, cots or vehicles.  ``scenarios/README.md`` is
the data dictionary, key by key, with units and sources.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    ConfigDict,
    Field,
    SerializerFunctionWrapHandler,
    Strict,
    ValidationInfo,
    field_validator,
    model_serializer,
    model_validator,
)

from sim.scenario.base import (
    GESTATION_WEEKS,
    Frozen,
    Id,
    Key,
    Minutes,
    OneLine,
    Text,
    Weeks,
    described,
    plausible,
    weight_total,
)
from sim.scenario.distributions import Distribution, draw_range
from sim.scenario.economics import Costs, OutcomeProxy

Count = Annotated[int, Field(ge=0, le=100_000)]
Probability = Annotated[float, Field(ge=0, le=1)]
BandBound = Annotated[float, AfterValidator(plausible(GESTATION_WEEKS[0], 50, "weeks")),
                      Field(json_schema_extra={"minimum": GESTATION_WEEKS[0], "maximum": 50})]
"""A gestational band's upper bound (weeks): a bound above 44 catches every gestation."""
Grams = Annotated[float, AfterValidator(plausible(400, 6000, "g"))]
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")


class Urgency(Frozen):
    """An urgency category and its decision-to-delivery target (audit standard)."""

    target_min: Minutes = Key(about=("decision-to-delivery target (an audit standard)", "minutes"))
    service_level_pct: float = Key(
        90.0, ge=0, le=100,
        about=("share of cases that must be delivered within target_min for the target to be met", "percent"))
    priority: int = Key(ge=0, le=100, about=("queue priority at every pool, 0 to 100; 0 is served first", "rank"))
    label: OneLine = Key("", about=("readable name for reports"))


class StaffRole(Frozen):
    """Headcount of one role at one hospital, by roster, plus on-call staff.

    The roster is either the shorthand ``day``, ``night`` and ``weekend``
    (day = weekdays 07:00-19:00, weekend = Saturday and Sunday 07:00-19:00,
    night = every night 19:00-07:00) or ``roster``, a list of shift windows by
    day type, each with its headcount.  A window belongs to the day it starts
    on and may cross midnight (``end`` at or before ``start``; ``end`` may be
    ``"24:00"``); nobody is on duty outside every window, and windows may not
    overlap.  Every window start is a shift change: the incoming shift arrives
    complete and staff busy at the change finish their job as overtime.  With
    ``roster``, ``day``, ``night`` and ``weekend`` read as the most on duty
    in those periods (for checks and reports) and are not written back.
    """

    class Window(Frozen):
        """One shift: on ``days`` from ``start`` to ``end`` (HH:MM), ``on_duty`` people."""

        days: Literal["weekdays", "weekend", "all"] = Key(about=("the days on which the shift starts"))
        start: str = Key(about=("start of the shift", "clock time"))
        end: str = Key(about=("end of the shift (24:00 allowed); at or before start: the next day", "clock time"))
        on_duty: Count = Key(about=("people on duty during the shift", "people"))

        @model_validator(mode="after")
        def _clock_times(self) -> StaffRole.Window:
            if not _CLOCK.match(self.start):
                raise ValueError(f"start {self.start!r} is not a clock time HH:MM")
            if not (_CLOCK.match(self.end) or self.end == "24:00"):
                raise ValueError(f"end {self.end!r} is not a clock time HH:MM (or 24:00)")
            return self

        def label(self) -> str:
            return f"{self.days} {self.start}-{self.end}"

    DAYS: ClassVar[dict[str, range]] = {"weekdays": range(5), "weekend": range(5, 7), "all": range(7)}
    DAY_NAMES: ClassVar[tuple[str, ...]] = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                                            "Sunday")
    WEEK_MIN: ClassVar[int] = 7 * 1440

    day: Count | None = Key(None, about=("on duty, weekdays 07:00-19:00 (shorthand; or give roster)", "people"))
    night: Count | None = Key(None, about=("on duty, every night 19:00-07:00 (shorthand; or give roster)",
                                              "people"))
    weekend: Count | None = Key(None, about=("on duty, Saturday and Sunday 07:00-19:00 (shorthand; or give "
                                                "roster)", "people"))
    roster: list[Window] | None = Key(None, min_length=1, about=("shift windows by day type, instead of day, "
                                                                    "night and weekend"))
    handover: bool = Key(True, about=("false: continuous cover with no shift changes (validation queues such as "
                                         "M/M/c); needs the same headcount in every shift"))
    on_call: Count = Key(0, about=("reachable off site, called in when on-duty staff are busy", "people"))
    call_in: Distribution | None = Key(None, about=("delay from call to arrival on site; required when on_call "
                                                       "> 0", "minutes"))

    @model_validator(mode="after")
    def _call_in_given(self) -> StaffRole:
        if self.on_call > 0 and self.call_in is None:
            raise ValueError("on_call > 0 needs a call_in distribution")
        return self

    @model_validator(mode="after")
    def _one_roster(self) -> StaffRole:
        shorthand = (self.day, self.night, self.weekend)
        if self.roster is None:
            if None in shorthand:
                raise ValueError("give the on-duty headcounts day, night and weekend, or a roster of shift windows")
        else:
            if any(n is not None for n in shorthand):
                raise ValueError("give either day, night and weekend or a roster of shift windows, not both")
            if not self.handover:
                raise ValueError("handover: false needs day, night and weekend, not a roster")
            intervals = self.weekly_intervals()  # refuses overlaps
            for name, periods in (("day", [(d * 1440 + 420, d * 1440 + 1140) for d in range(5)]),
                                  ("weekend", [(d * 1440 + 420, d * 1440 + 1140) for d in range(5, 7)]),
                                  ("night", [(d * 1440 + 1140, d * 1440 + 1860) for d in range(7)])):
                most = max((n for s, e, n in intervals for a, b in periods if _overlap(s, e, a, b)), default=0)
                object.__setattr__(self, name, most)  # a summary for checks and reports, never written back
        if not self.handover and len(set(shorthand)) > 1:
            raise ValueError("handover: false needs the same headcount day, night and weekend")
        return self

    @model_serializer(mode="wrap")
    def _written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        data = handler(self)
        if self.roster is not None:
            for name in ("day", "night", "weekend"):
                data.pop(name, None)
        else:  # the shorthand is written as it always was
            data.pop("roster", None)
        if self.handover:
            data.pop("handover", None)
        return data

    def shifts(self) -> dict[str, int]:
        """On duty by shorthand shift: ``day``, ``night``, ``weekend`` (with a roster: the most on duty in each)."""
        return {"day": self.day or 0, "night": self.night or 0, "weekend": self.weekend or 0}

    def windows(self) -> list[StaffRole.Window]:
        """The roster as shift windows (the shorthand written out)."""
        if self.roster is not None:
            return list(self.roster)
        w, n = StaffRole.Window, self.shifts()
        return [w(days="weekdays", start="07:00", end="19:00", on_duty=n["day"]),
                w(days="weekend", start="07:00", end="19:00", on_duty=n["weekend"]),
                w(days="all", start="19:00", end="07:00", on_duty=n["night"])]

    def weekly_intervals(self) -> list[tuple[int, int, int]]:
        """Every shift of a week as ``(start, end, on_duty)`` in minutes from Monday 00:00, sorted.

        ``end`` is after ``start`` and may pass the end of the week (Sunday's
        night ends on Monday).  Raises ValueError, naming both, when two shifts overlap.
        """
        spans = []
        for window in self.windows():
            start, end = _minutes(window.start), _minutes(window.end)
            if end <= start:
                end += 1440
            spans += [(d * 1440 + start, d * 1440 + end, window) for d in self.DAYS[window.days]]
        spans.sort(key=lambda x: x[0])
        for (s1, e1, w1), (s2, e2, w2) in zip(spans, [*spans[1:], spans[0]], strict=True):
            if s2 < s1:
                s2, e2 = s2 + self.WEEK_MIN, e2 + self.WEEK_MIN
            if len(spans) > 1 and e1 > s2:
                raise ValueError(f"roster windows overlap: {w1.label()} starting {self.DAY_NAMES[s1 // 1440]} "
                                 f"and {w2.label()} starting {self.DAY_NAMES[s2 // 1440 % 7]}")
        return [(s, e, w.on_duty) for s, e, w in spans]


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _overlap(s: int, e: int, a: int, b: int) -> bool:
    """Whether [s, e) meets [a, b) in a week that wraps around."""
    week = StaffRole.WEEK_MIN
    return any(s + k < b and a < e + k for k in (-week, 0, week))


class Hospital(Frozen):
    """One hospital: capabilities and capacities."""

    name: OneLine = Key(min_length=1, max_length=200, about=("full name of the hospital"))
    obstetric: bool = Key(False, about=("has an obstetric service (descriptive: the model does not read it)"))
    nicu: bool = Key(False, about=("has a neonatal intensive care unit (cots are nicu_cots)"))
    operating_rooms: Count = Key(0, about=("operating rooms free for these emergencies", "rooms"))
    icu_beds: Count = Key(0, about=("adult ICU beds for the mothers' postoperative stay", "beds"))
    nicu_cots: Count = Key(0, about=("NICU cots open to these streams", "cots"))
    ambulances: Count = Key(0, about=("ambulances (the team's, the transfer's)", "vehicles"))
    equipment: dict[Id, Count] = Key(default_factory=dict, about=("item -> count, e.g. transport_incubator: 1",
                                                                     "items"))
    staff: dict[Id, StaffRole] = Key(default_factory=dict, about=("role -> headcount by shift and on call"))


class Route(Frozen):
    """Road travel between two hospitals, both directions."""

    between: tuple[str, str] = Key(strict=False, about=("the two hospital ids (the route serves both "
                                                           "directions)"))
    off_peak: Distribution = Key(about=("journey time outside peak windows", "minutes"))
    peak: Distribution = Key(about=("journey time inside peak windows", "minutes"))


class Travel(Frozen):
    """Road journeys between hospitals: peak windows and routes."""

    peaks: list[Annotated[tuple[str, str], Strict(False)]] = Key(
        default_factory=lambda: [("07:30", "08:30"), ("17:30", "18:30")],
        about=("windows [start, end] when the peak distribution applies", "clock time"),
    )
    routes: list[Route] = Key(min_length=1, about=("the routes (at least one); a variant replaces the list whole"))

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


class TeamWindow(Frozen):
    """A clock window of a team, on ``days`` from ``start`` to ``end`` (HH:MM); an end at
    or before the start is the next day (a night window 19:00-07:00)."""

    days: Literal["weekdays", "weekend", "all"] = Key("all", about=("the days on which the window starts"))
    start: str = Key(about=("start of the window", "clock time"))
    end: str = Key(about=("end of the window (24:00 allowed); at or before start: the next day", "clock time"))

    def as_shift(self, on_duty: int = 1) -> StaffRole.Window:
        return StaffRole.Window(days=self.days, start=self.start, end=self.end, on_duty=on_duty)


class TeamBase(TeamWindow):
    """Pre-positioning: the team waits at host ``at`` during this window and travels from there."""

    at: str = Key(about=("hospital id where the team is based during the window"))


def window_intervals(windows: Sequence[TeamWindow], on_duty: int = 1) -> list[tuple[int, int, int]]:
    """``windows`` as weekly ``(start, end, on_duty)`` minutes from Monday 00:00 (see
    ``StaffRole.weekly_intervals``); raises ValueError when two of them overlap."""
    if not windows:
        return []
    return StaffRole.model_validate({"roster": [w.as_shift(on_duty) for w in windows]}).weekly_intervals()


class Team(Frozen):
    """An outreach team: who goes, with what, from where, and when it can be sent.

    A team draws its people, equipment and ambulances from its home hospital's
    pools, or, when ``dedicated``, from pools of its own (named by the team's
    ``id``): the home hospital's own emergencies then lose nothing when it is
    away.  A dedicated team's people are on duty during ``available`` (always
    when it is not given) unless ``staff`` gives their rosters.  ``based_at``
    pre-positions the team at a host for some hours: it travels from there.
    """

    id: Id | None = Key(None, about=("team id (default: its home's id); a dedicated team's is not a hospital "
                                        "id"))
    home: str = Key(about=("hospital id that sends the team and receives the newborn"))
    composition: dict[Id, Annotated[int, Field(ge=0, le=1000)]] = Key(
        min_length=1, about=("role -> people sent; 0 leaves out a role inherited through extends", "people"))
    neonatal_roles: dict[str, Annotated[int, Field(ge=0, le=1000)]] = Key(
        default_factory=dict, about=("role -> people of the team who ride back with the newborn and stay with it "
                                      "until it is admitted (0: none of the role)", "people"))
    equipment: dict[Id, Annotated[int, Field(ge=1, le=1000)]] = Key(
        default_factory=dict, about=("item -> count the team takes (each must exist at home)", "items"))
    incubator: str | None = Key("transport_incubator", about=("equipment item that carries the newborn, or null "
                                                                 "for none"))
    ambulances: Annotated[int, Field(ge=0, le=100)] = Key(1, about=("ambulances the team takes", "vehicles"))
    mobilisation: Distribution = Key(about=("from the team assembled to the vehicle leaving", "minutes"))
    setup_on_site: Distribution = Key(about=("from arrival at the host to ready to operate", "minutes"))
    restock: Distribution = Key(about=("cleaning and restocking of the kit and incubator before they can go "
                                          "again (each item's time drawn on its own)", "minutes"))
    dedicated: bool = Key(False, about=("the team has its own people, equipment and ambulances"))
    staff: dict[Id, StaffRole] | None = Key(
        None, about=("a dedicated team's rosters by role (default: the composition, on duty when available)"))
    available: list[TeamWindow] | None = Key(
        None, min_length=1, about=("clock windows when the team can be sent (default: always)"))
    based_at: list[TeamBase] = Key(default_factory=list, about=("pre-positioning windows at hosts"))

    @model_validator(mode="after")
    def _sends_someone(self) -> Team:
        if not any(self.composition.values()):
            raise ValueError("team.composition must send at least one person")
        if self.staff is not None and not self.dedicated:
            raise ValueError("staff is for a dedicated team (dedicated: true)")
        for windows in (self.available or [], self.based_at):
            window_intervals(windows)  # refuses overlaps
        return self

    @property
    def name(self) -> str:
        """The team's id: ``id``, or its home's id."""
        return self.id or self.home

    @property
    def owner(self) -> str:
        """Whose pools the team draws from: its own id (dedicated) or its home hospital."""
        return self.name if self.dedicated else self.home

    def own_staff(self) -> dict[str, StaffRole]:
        """A dedicated team's staff pools by role: ``staff``, or the composition on duty when available."""
        if self.staff is not None:
            return dict(self.staff)
        if self.available is None:
            return {role: StaffRole.model_validate({"day": n, "night": n, "weekend": n, "handover": False})
                    for role, n in self.composition.items() if n}
        return {role: StaffRole.model_validate({"roster": [w.as_shift(n) for w in self.available]})
                for role, n in self.composition.items() if n}


class GestationProbability(Frozen):
    """A probability for babies born before ``below_weeks`` (and at or after the previous band)."""

    below_weeks: BandBound = Key(about=("upper bound of the band (a bound above 44 catches every gestation)",
                                           "weeks"))
    probability: Probability = Key(about=("probability for babies of the band", "probability"))


class GestationStay(Frozen):
    """A NICU length of stay (min) for babies born before ``below_weeks``."""

    below_weeks: BandBound = Key(about=("upper bound of the band (a bound above 44 catches every gestation)",
                                           "weeks"))
    stay: Distribution = Key(about=("NICU length of stay of babies of the band", "minutes"))


class Demand(Frozen):
    """A Poisson stream of cases with optional time-of-day and day-of-week profiles."""

    rate_per_day: float = Key(ge=0, le=100_000, about=("mean cases per day", "cases per day"))
    hourly_profile: list[Annotated[float, Field(ge=0)]] | None = Key(
        None, min_length=24, max_length=24, about=("24 weights, 00:00-01:00 first; null for flat",
                                                    "relative weight"))
    weekday_profile: list[Annotated[float, Field(ge=0)]] | None = Key(
        None, min_length=7, max_length=7, about=("7 weights, Monday first; null for flat", "relative weight"))
    urgency_mix: dict[str, Probability] = Key(
        min_length=1, about=("urgency -> share of cases (the shares sum to 1)", "probability"))

    @field_validator("urgency_mix")
    @classmethod
    def _mix_sums_to_one(cls, mix: dict[str, float]) -> dict[str, float]:
        total = sum(mix.values())
        if abs(total - 1) > 1e-6:
            raise ValueError(f"urgency_mix must sum to 1 (sums to {total:g})")
        return mix

    @field_validator("hourly_profile", "weekday_profile")
    @classmethod
    def _some_weight(cls, profile: list[float] | None, info: ValidationInfo) -> list[float] | None:
        if profile is not None:
            weight_total(profile, str(info.field_name))
        return profile

    @model_validator(mode="after")
    def _peak_rate_finite(self) -> Demand:
        """The busiest hour's rate (``rate_per_day`` times the largest hourly and weekday weights over
        their means, as the arrival process draws it) must be a finite number."""
        peak = self.rate_per_day
        for profile in (self.hourly_profile, self.weekday_profile):
            if profile:
                peak *= max(profile) * len(profile) / sum(profile)
        if not math.isfinite(peak):
            raise ValueError(f"rate_per_day {self.rate_per_day:g} at the profiles' busiest hour is not a finite "
                             "number of cases")
        return self


def gestation_draws(dist: Distribution) -> Distribution:
    """``dist`` unchanged if all its draws (0.000 000 1 to 99.999 999 9 percentiles) are plausible
    gestational ages (:data:`GESTATION_WEEKS`), else ValueError naming the range."""
    low, high = draw_range(dist)
    if not GESTATION_WEEKS[0] <= low <= high <= GESTATION_WEEKS[1]:
        raise ValueError(f"gestation draws from {low:.3g} to {high:.3g} weeks; the plausible range is "
                         f"{GESTATION_WEEKS[0]:g}-{GESTATION_WEEKS[1]:g} weeks")
    return dist


class ScriptedCase(Frozen):
    """One outreach case at a given time (a replay of a real case); durations are still drawn."""

    time_min: float = Key(ge=0, le=36_500 * 1440, about=("when the referral arrives, from Monday 00:00 of the "
                                                            "first week", "minutes"))
    host: str = Key(about=("hospital id where the mother is"))
    urgency: str = Key(about=("urgency at the decision (a key of urgency)"))
    severity: str | None = Key(None, about=("severity band (a key of severity_mix); drawn when omitted"))
    gestation_weeks: Weeks = Key(about=("gestational age, 22-44", "weeks"))
    birth_weight_g: Grams | None = Key(None, about=("fixes the newborn's weight, 400-6000; drawn when omitted",
                                                       "grams"))


class OutreachDemand(Demand):
    """Outreach cases: critically ill pregnant women at host hospitals."""

    hosts: dict[str, Annotated[float, Field(gt=0)]] = Key(
        min_length=1, about=("host id -> weight of the host among referrals", "relative weight"))
    gestation_weeks: Distribution = Key(about=("gestational age at referral (draws within 22-44)", "weeks"))
    severity_mix: dict[Id, Probability] = Key(
        default_factory=lambda: {"high": 1.0}, min_length=1,
        about=("severity band -> share of cases (the mother's illness, not the caesarean's urgency), rescaled "
                "to their total", "probability"))
    scripted: list[ScriptedCase] = Key(default_factory=list, about=("cases at given times, besides the stream"))

    @field_validator("hosts", "severity_mix")
    @classmethod
    def _weights_add_up(cls, weights: dict[str, float], info: ValidationInfo) -> dict[str, float]:
        weight_total(list(weights.values()), str(info.field_name))
        return weights

    @field_validator("gestation_weeks")
    @classmethod
    def _plausible_gestation(cls, dist: Distribution) -> Distribution:
        return gestation_draws(dist)


class HomeDemand(Demand):
    """An obstetric hospital's own emergency caesareans, competing for its staff, rooms and cots."""

    hospital: str = Key(about=("hospital id where they happen"))
    team: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Key(
        min_length=1, about=("role -> staff each caesarean needs, with an operating room", "people"))
    decision_to_theatre: dict[str, Distribution] = Key(
        about=("urgency -> preparation from decision to theatre entry", "minutes"))
    nicu_probability: Probability = Key(about=("share of these newborns needing a NICU cot where no band of "
                                                  "nicu_probability_by_gestation applies", "probability"))
    gestation_weeks: Distribution | None = Key(
        None, about=("gestational age of these cases; the outreach distribution when null", "weeks"))
    nicu_probability_by_gestation: list[GestationProbability] | None = Key(
        None, about=("NICU admission probability by gestational band (the first band whose bound is above the "
                      "gestation); null: nicu_probability for all"))

    @field_validator("gestation_weeks")
    @classmethod
    def _plausible_gestation(cls, dist: Distribution | None) -> Distribution | None:
        return None if dist is None else gestation_draws(dist)


def _one_or_more_streams(schema: dict[str, Any]) -> None:
    """The JSON Schema of ``home_emergency`` as files write it: one stream as a mapping, a list, or null."""
    field = schema["properties"]["home_emergency"]
    listed = {key: field.pop(key) for key in ("type", "items") if key in field}
    field["anyOf"] = [listed["items"], listed, {"type": "null"}]


class DemandSet(Frozen):
    """The demand streams: outreach cases, and the obstetric hospitals' own emergencies
    (``home_emergency``: one stream as a mapping, or a list of one per hospital)."""

    model_config = ConfigDict(**Frozen.model_config, json_schema_extra=_one_or_more_streams)

    outreach: OutreachDemand = Key(about=("outreach cases at the host hospitals"))
    home_emergency: list[HomeDemand] = Key(
        default_factory=list,
        about=("the obstetric hospitals' own emergency caesareans: one stream (a mapping), a list of one per "
                "hospital, or null for none"))

    @field_validator("home_emergency", mode="before")
    @classmethod
    def _one_stream(cls, value: Any) -> Any:
        """A mapping is shorthand for a list of one stream; null for none."""
        if value is None:
            return []
        return [value] if isinstance(value, dict) else value

    @model_serializer(mode="wrap")
    def _written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """Written as the files write it: a mapping for one stream, null for none, a list for several."""
        data = handler(self)
        streams = data.get("home_emergency")
        if isinstance(streams, list) and len(streams) <= 1:
            data["home_emergency"] = streams[0] if streams else None
        return data

    @property
    def home_streams(self) -> list[HomeDemand]:
        """Every home-emergency stream (none, one, or one per obstetric hospital)."""
        return list(self.home_emergency)


class Clinical(Frozen):
    """Durations and probabilities of the clinical steps."""

    consultation: Distribution = Key(about=("the telephone consultation between the host's senior and the "
                                               "obstetric hospital's, ending in the decision", "minutes"))
    consult_answer: Distribution | None = Key(
        None, about=("from the referral until the on-call senior answers the call (null: at once)", "minutes"))
    consult_roles: dict[str, str] = Key(
        default_factory=dict, about=("'home' and 'host' -> role of the seniors on the call (nobody is held)"))
    stabilisation: dict[str, Distribution] = Key(
        about=("urgency -> preoperative stabilisation of a booked (planned) mother at the host, from the decision",
                "minutes"))
    stabilisation_cap_min: Minutes = Key(
        2880, about=("clinical cap: a booked mother is ready for theatre once stabilisation has run this long",
                      "minutes"))
    minimum_resuscitation: dict[str, Distribution] = Key(
        default_factory=dict, about=("urgency -> least resuscitation, from the decision, before an urgent mother "
                                      "can go to theatre; resuscitation continues in theatre", "minutes"))
    deterioration_rate_per_hour: dict[str, Annotated[float, Field(ge=0, le=100)]] = Key(
        default_factory=dict,
        about=("urgency -> hazard of deteriorating, from referral to theatre entry", "per hour"))
    deterioration_severity_factor: dict[str, Annotated[float, Field(ge=0, le=100)]] = Key(
        default_factory=dict, about=("severity band -> multiplier of the hazard (1 where not given)", "factor"))
    transit_deterioration_factor: float = Key(
        1.0, ge=0, le=100, about=("the hazard is multiplied by this while the mother travels by ambulance",
                                   "factor"))
    deterioration_urgency: str = Key(about=("the urgency a deteriorating mother rises to"))
    anaesthesia: dict[str, Distribution] = Key(
        about=("urgency -> theatre entry to ready for incision (one entry per urgency)", "minutes"))
    incision_to_delivery: Distribution = Key(about=("skin incision to the baby's delivery", "minutes"))
    closure: Distribution = Key(about=("delivery to the end of closure, when the room is released", "minutes"))
    neonatal_stabilisation: Distribution = Key(about=("newborn resuscitation and stabilisation", "minutes"))
    postop_icu: Distribution = Key(about=("the mother's postoperative ICU stay", "minutes"))
    nicu_stay: Distribution = Key(about=("NICU length of stay where no gestational band applies", "minutes"))
    nicu_stay_by_gestation: list[GestationStay] | None = Key(
        None, about=("NICU stay by gestational band (the first band whose bound is above the gestation); null: "
                      "nicu_stay for all"))
    birth_weight_median_35w_g: Annotated[float, AfterValidator(plausible(1500, 3500, "g"))] = Key(
        2425, about=("median birth weight at 35+0 weeks, 1500-3500", "grams"))
    birth_weight_g_per_week: Annotated[float, AfterValidator(plausible(0, 500, "g/week"))] = Key(
        220, about=("growth of the median per week of gestation, 0-500", "grams per week"))
    birth_weight_sd_g: Annotated[float, AfterValidator(plausible(50, 1000, "g"))] = Key(
        380, about=("standard deviation of birth weight around the median, 50-1000", "grams"))


class TransferPolicy(Frozen):
    """The transfer pathway: the mother travels to the obstetric hospital instead."""

    escort: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Key(
        default_factory=dict, about=("role -> home staff who ride with the ambulance to fetch her", "people"))
    packaging: Distribution = Key(about=("preparing the ready mother for the journey at the host", "minutes"))
    crew_mobilisation: Distribution | None = Key(
        None, about=("ambulance crew and escort: from the request being met to departure; null: they leave at once",
                      "minutes"))
    handover: Distribution | None = Key(
        None, about=("handover and theatre preparation at the obstetric hospital on arrival; null: none",
                      "minutes"))
    surgical_team: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Key(
        min_length=1, about=("role -> home staff who operate on her arrival", "people"))


PathwayName = Literal["outreach", "transfer"]


class ClockWindow(Frozen):
    """A clock window on some days: ``days`` is weekdays, weekend or all; ``end`` is after ``start``."""

    days: Literal["weekdays", "weekend", "all"] = Key("weekdays", about=("the days the window opens"))
    start: str = Key(about=("start of the window", "clock time"))
    end: str = Key(about=("end of the window, after start on the same day", "clock time"))

    @model_validator(mode="after")
    def _clock_times(self) -> ClockWindow:
        for value in (self.start, self.end):
            if not _CLOCK.match(value):
                raise ValueError(f"{value!r} is not a clock time HH:MM")
        if self.start >= self.end:
            raise ValueError(f"window {self.start}-{self.end} must end after it starts (same day)")
        return self


class CrashPolicy(Frozen):
    """What a host does when a category-1 mother cannot wait for the outreach team.

    ``wait_for_team``: nothing, the team operates.  ``host_starts``: at the
    hosts listed, the host's own staff (``host_team``) start the caesarean in
    a host theatre ``delay`` minutes after the category-1 decision when the
    team is not ready by then; the team still comes for the newborn.
    """

    policy: Literal["wait_for_team", "host_starts"] = Key(
        "wait_for_team", about=("wait_for_team: the team always operates; host_starts: the host's own staff start "
                                 "when the team is not ready after delay"))
    urgency: str = Key("cat1", about=("the urgency at which the host may start"))
    hosts: list[str] = Key(default_factory=list, about=("host ids able to start; required with host_starts"))
    delay: Distribution | None = Key(None, about=("from the decision (or the deterioration) to the host team's "
                                                     "start; required with host_starts", "minutes"))
    host_team: dict[str, Annotated[int, Field(ge=1, le=1000)]] = Key(
        default_factory=dict, about=("host role -> people who operate; required with host_starts", "people"))

    @model_validator(mode="after")
    def _complete(self) -> CrashPolicy:
        if self.policy == "host_starts" and (not self.hosts or self.delay is None or not self.host_team):
            raise ValueError("host_starts needs hosts, delay and host_team")
        return self


class Policies(Frozen):
    """Named rules: pathways, what a full NICU does, queue order, which team goes, planned operating."""

    pathway: dict[str, PathwayName | dict[str, PathwayName]] = Key(
        about=("urgency -> pathway (outreach: team to patient; transfer: patient to team), or urgency -> "
                "{severity band -> pathway}"))
    nicu_full: Literal["wait", "surge", "divert"] = Key(
        "wait", about=("a newborn who finds no cot waits in the incubator with its staff; after "
                        "nicu_wait_limit_min: wait on (wait), admitted over the count (surge), sent to divert_to, "
                        "where it waits for a cot up to the same limit, then is admitted over that unit's count "
                        "(divert)"))
    nicu_wait_limit_min: Minutes = Key(120, about=("longest wait for a cot before the nicu_full rule acts (at "
                                                      "each unit, under divert)", "minutes"))
    divert_to: str | None = Key(None, about=("hospital id to divert to; required with nicu_full: divert"))
    dispatch: Literal["priority", "fifo"] = Key(
        "priority", about=("queue order at every pool: urgency priority then arrival, or arrival only"))
    team_dispatch: Literal["nearest_available", "home_first", "balanced"] = Key(
        "nearest_available", about=("which team goes, when there are several: the one expected on site soonest, "
                                     "the first free one in team_order, or the least used free one"))
    team_order: dict[str, list[str]] = Key(
        default_factory=dict, about=("host id -> team ids in the order home_first tries them (default: the order "
                                      "of teams)"))
    nicu_choice: Literal["team_home", "nearest_with_cot"] = Key(
        "team_home", about=("where the newborn goes: the team's home NICU, or the nearest NICU with a free cot "
                             "(the team's home when none has one)"))
    transfer_to: Literal["nearest", "free_theatre"] = Key(
        "nearest", about=("which obstetric hospital a transfer goes to: the nearest, or the nearest with a free "
                           "operating room (the nearest when none has one)"))
    crash: CrashPolicy = Key(default_factory=lambda: CrashPolicy.model_validate({}),
                               about=("what a host does when a category-1 mother cannot wait for the team"))
    planned_windows: list[ClockWindow] = Key(
        default_factory=lambda: [ClockWindow(days="weekdays", start="08:00", end="16:00")], min_length=1,
        about=("planned-operating windows: a booked slot lies inside one unless none opens before the clinical cap"))
    planned_urgency: str | None = Key("planned", about=("urgency booked into planned_windows, or null to book "
                                                           "nothing"))
    planned_min_lead_min: Minutes = Key(120, about=("a booked slot is at least this long after the decision",
                                                       "minutes"))
    planned_dispatch_lead_min: Minutes = Key(
        120, about=("the team (or transfer crew) is requested this long before the booked slot", "minutes"))


class RunSettings(Frozen):
    """How long and how often to simulate."""

    horizon_days: float = Key(gt=0, le=36_500, about=("simulated length of one replication", "days"))
    warmup_days: float = Key(0, ge=0, about=("start-up period left out of KPIs, shorter than the horizon", "days"))
    replications: int = Key(30, ge=1, le=1_000_000, about=("replications when none are asked for",
                                                              "replications"))
    seed: int = Key(12345, ge=0, le=2**63 - 1, about=("base seed of the random streams when none is asked for"))

    @field_validator("warmup_days")
    @classmethod
    def _warmup_inside_run(cls, warmup: float, info: ValidationInfo) -> float:
        horizon = info.data.get("horizon_days")
        if horizon is not None and warmup >= horizon:
            raise ValueError(f"warm-up ({warmup:g} d) must be shorter than the horizon ({horizon:g} d)")
        return warmup


def _file_forms(schema: dict[str, Any]) -> None:
    """The JSON Schema of scenario files: ``team`` (one team) is accepted as well as ``teams``."""
    one = dict(schema["properties"]["teams"]["items"])  # the reference to the Team definition
    schema["properties"]["team"] = {"anyOf": [one, {"type": "null"}],
                                    **described("one outreach team: shorthand for a list of one in 'teams'; "
                                              "null drops one inherited through extends")}
    schema["required"] = [key for key in schema.get("required", []) if key != "teams"]


class Scenario(Frozen):
    """A whole scenario file, after ``extends`` and ``--set`` are applied."""

    model_config = ConfigDict(**Frozen.model_config, json_schema_extra=_file_forms)

    name: OneLine = Key(min_length=1, max_length=200, about=("scenario name; names the default results folder"))
    description: Text = Key("", max_length=20_000, about=("free text for people and the report; may hold line "
                                                             "breaks"))
    run: RunSettings = Key(about=("how long and how often to simulate"))
    urgency: dict[Id, Urgency] = Key(min_length=1, about=("urgency name -> its target and priority"))
    hospitals: dict[Id, Hospital] = Key(min_length=1, about=("hospital id -> its capabilities and capacities"))
    travel: Travel = Key(about=("road travel between hospitals"))
    teams: list[Team] = Key(min_length=1, max_length=50, about=("outreach teams ('team:' for one)"))
    demand: DemandSet = Key(about=("the case streams"))
    clinical: Clinical = Key(about=("durations, hazards and probabilities of the clinical steps"))
    transfer: TransferPolicy = Key(about=("the transfer-the-mother pathway's resources and steps"))
    policies: Policies = Key(about=("named rules"))
    costs: Costs | None = Key(None, about=("cost rates (optional; without them results give hours only)"))
    outcomes: list[OutcomeProxy] = Key(default_factory=list, max_length=50,
                                         about=("outcome proxies: cited risk mappings (optional)"))
    sources: dict[OneLine, OneLine] = Key(default_factory=dict, about=("key path -> citation, or text starting "
                                                                          "with Assumption"))

    @model_validator(mode="before")
    @classmethod
    def _one_team(cls, data: Any) -> Any:
        """``team: {...}`` is shorthand for a list of one; ``team: null`` drops an inherited one."""
        if isinstance(data, dict) and "team" in data:
            data = dict(data)
            team = data.pop("team")
            if team is not None:
                if data.get("teams") is not None:
                    raise ValueError("give either team (one team) or teams (a list), not both; "
                                     "a variant of a one-team file writes 'team: null' before its teams")
                data["teams"] = [team]
        return data

    @property
    def team(self) -> Team:
        """The first team (the only one in a one-team scenario)."""
        return self.teams[0]

    @model_serializer(mode="wrap")
    def _written(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """A one-team scenario is written with ``team:`` (as such files are), several with ``teams:``."""
        data = handler(self)
        if len(self.teams) == 1 and "teams" in data:
            out = {}
            for key, value in data.items():  # keep the key order of the fields
                out["team" if key == "teams" else key] = value[0] if key == "teams" else value
            return out
        return data


