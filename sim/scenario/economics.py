"""What a scenario's service costs and what its delays may mean for mothers and babies: scenario data.

Two optional sections of a scenario file, both read only by the analysis
layer (the model never sees them, so adding or changing them changes no
event of a run):

- ``costs``: rates in a currency named as data, applied to the hours, trips,
  call-ins and cot-days the event log records (:mod:`sim.analysis.costs`);
  without it, results give the hours alone.
- ``outcomes``: outcome proxies, each a published association between what
  the model knows about a case (its urgency, gestation, an interval such as
  the decision-to-delivery interval) and the risk of an adverse outcome,
  with its source (:mod:`sim.analysis.outcomes`).  They turn delays into
  expected numbers of adverse outcomes per year: indicators for comparing
  scenarios, not predictions for a patient.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from sim.scenario.base import Frozen, Id, Key, Label, OneLine, Text

Money = Annotated[float, Field(ge=0, le=1e15)]

ExposureInterval = Literal["decision_to_delivery_min", "delivery_to_nicu_min", "decision_to_team_on_site_min",
                          "decision_to_mother_arrived_min", "mother_travel_min", "team_assembly_wait_min"]
"""Case intervals (columns of the cases table, minutes) an outcome proxy may take as its exposure."""

_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class Costs(Frozen):
    """Cost rates, in ``currency`` (any code or unit: the tool does no conversion).

    Every rate is per unit named; a rate left out counts 0.  Each applies to a
    quantity of the event log: staff-hours away from the home hospital (an
    outreach team's, or a transfer escort's, people from assembly to return,
    by role), overtime hours (people kept past a shift change), call-ins,
    ambulance missions (one grant of an ambulance: a team's, a transfer
    crew's or the newborn's), and newborn-days in a NICU.
    """

    currency: OneLine = Key(min_length=1, max_length=20,
                              about=("currency code or unit the rates are in, e.g. VND (no conversion is done)"))
    staff_hour: dict[Id, Money] = Key(
        default_factory=dict, about=("role -> cost of one staff-hour away from the home hospital (a team's or a "
                                      "transfer escort's time from assembly to return)", "currency per hour"))
    overtime_hour: Money = Key(0, about=("cost of one staff-hour of overtime (any role)", "currency per hour"))
    call_in: Money = Key(0, about=("cost of one call-in of an on-call person", "currency"))
    ambulance_trip: Money = Key(0, about=("cost of one ambulance mission", "currency"))
    nicu_cot_day: Money = Key(0, about=("cost of one newborn-day in a NICU (surge admissions included)",
                                           "currency per day"))
    fixed_per_year: dict[Label, Money] = Key(
        default_factory=dict, about=("label -> fixed cost per year (a dedicated team, an extra incubator); the "
                                      "label is free text on one line, without '.' (labels are --set keys)",
                                      "currency per year"))


class Exposure(Frozen):
    """The exposure of an outcome proxy: a case interval above a threshold raises the odds by a ratio."""

    interval: ExposureInterval = Key(about=("the case interval (a column of the cases table, in minutes) that "
                                               "defines exposure"))
    above_min: float = Key(ge=0, le=1e7, about=("exposed when the interval is above this", "minutes"))
    odds_ratio: float = Key(gt=0, le=1000, about=("odds of the outcome, exposed against not exposed",
                                                     "odds ratio"))
    odds_ratio_ci: tuple[float, float] = Key(strict=False, about=("95% confidence interval of odds_ratio, "
                                                                     "[low, high]", "odds ratio"))

    @model_validator(mode="after")
    def _ci_holds_estimate(self) -> Exposure:
        low, high = self.odds_ratio_ci
        if not 0 < low <= self.odds_ratio <= high <= 1000:
            raise ValueError(f"odds_ratio_ci [{low}, {high}] must be positive and hold odds_ratio {self.odds_ratio}")
        return self


class OutcomeProxy(Frozen):
    """One outcome proxy: which babies it concerns, their risk, and what raises it.

    The babies counted are those delivered in a case of ``case_types``,
    whose final urgency is in ``urgencies`` (all when omitted) and whose
    gestation is in ``[gestation_weeks[0], gestation_weeks[1])`` weeks (all
    when omitted).  Each has risk ``risk``; with an ``exposure``, a baby whose
    case interval is above the threshold has the risk whose odds are
    ``odds_ratio`` times those of ``risk``.
    """

    name: str = Key(about=("short id: lower-case letters, digits and _, starting with a letter; used in KPI "
                                 "names"))
    label: OneLine = Key(min_length=1, max_length=200, about=("what the outcome is, in words"))
    source: OneLine = Key(min_length=1, about=("the citation the figures come from"))
    limits: Text = Key("", about=("what the proxy cannot tell (population, design, adjustment)"))
    case_types: list[Literal["outreach", "home"]] = Key(
        ["outreach", "home"], min_length=1, about=("babies of outreach cases, of the obstetric hospitals' own "
                                                    "emergencies (home), or both"))
    urgencies: list[str] | None = Key(None, min_length=1, about=("final urgencies counted (all if omitted)"))
    gestation_weeks: tuple[float, float] | None = Key(
        None, strict=False, about=("[from, below) weeks of gestation counted (all if omitted)", "weeks"))
    risk: float = Key(gt=0, lt=1, about=("risk among the babies counted that are not exposed", "probability"))
    exposure: Exposure | None = Key(None, about=("what raises the risk: a case interval above a threshold "
                                                    "(none: the risk alone)"))

    @field_validator("name")
    @classmethod
    def _short_id(cls, name: str) -> str:
        if not _NAME.match(name):
            raise ValueError("must be lower-case letters, digits and _, starting with a letter, at most 40 long")
        return name

    @field_validator("gestation_weeks")
    @classmethod
    def _weeks_in_order(cls, weeks: tuple[float, float] | None) -> tuple[float, float] | None:
        if weeks is not None and not 20 <= weeks[0] < weeks[1] <= 50:
            raise ValueError(f"[{weeks[0]}, {weeks[1]}]: expected from < below, both within 20-50 weeks")
        return weeks
