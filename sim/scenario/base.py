"""The base of every scenario model (its own module so that sections kept apart, such as
:mod:`sim.scenario.economics`, share it without importing the whole schema), and the kinds of
text and number a scenario holds: ids, one-line text, text blocks, plausible ranges, weights."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from sim.scenario.text import refuse_in_block, refuse_in_one_line

UNITS: dict[str, str] = {
    "minutes": "minutes of model time",
    "days": "days of 1,440 minutes",
    "weeks": "completed weeks of gestation",
    "grams": "grams of birth weight",
    "grams per week": "grams of birth weight per week of gestation",
    "cases per day": "mean arrivals of a Poisson stream per day",
    "per hour": "a hazard: events per hour at risk",
    "people": "staff, by role",
    "rooms": "operating rooms",
    "beds": "adult ICU beds",
    "cots": "NICU cots",
    "vehicles": "ambulances",
    "items": "pieces of equipment",
    "replications": "independent runs of the same scenario",
    "probability": "a share between 0 and 1",
    "percent": "a share between 0 and 100",
    "relative weight": "weights rescaled by their total (or mean): only their ratios matter",
    "factor": "a multiplier, 1 for no change",
    "odds ratio": "odds of the exposed over odds of the unexposed",
    "rank": "an order, 0 first",
    "clock time": "HH:MM on a 24-hour clock, from 00:00 to 24:00",
    "currency": "one unit of costs.currency",
    "currency per hour": "costs.currency per staff-hour",
    "currency per day": "costs.currency per newborn-day",
    "currency per year": "costs.currency per year of service",
    "draw unit": "the unit of the key that holds the distribution: minutes, or weeks for gestation_weeks",
    "none": "not a quantity: text, an id, a choice, true or false, a seed, or a section of keys",
}
"""The units a scenario key may have (``x-unit`` in the JSON Schema, in brackets at the end of its
description), with what each means."""


def described(text: str, unit: str = "none") -> dict[str, str]:
    """The JSON Schema keywords of a scenario key: ``description`` (``text``, then ``[unit]`` unless the key
    has none) and ``x-unit``; ValueError for a unit not in :data:`UNITS`."""
    if unit not in UNITS:
        raise ValueError(f"unknown unit {unit!r} (known: {', '.join(UNITS)})")
    return {"description": text if unit == "none" else f"{text} [{unit}]", "x-unit": unit}


def Key(default: Any = PydanticUndefined, *, about: str | tuple[str, str], **constraints: Any) -> Any:
    """A scenario key's pydantic ``Field``, with its description and unit.

    ``about`` is the description, or ``(description, unit)`` with a unit of :data:`UNITS`; the JSON
    Schema gets :func:`described`'s ``description`` and ``x-unit``.  ``default`` and ``constraints``
    (``ge``, ``default_factory``, ...) are ``Field``'s.  For example
    ``Key(30, ge=1, about=("replications when none are asked for", "replications"))``.
    """
    text, unit = (about, "none") if isinstance(about, str) else about
    keywords = described(text, unit)
    return Field(default, description=keywords["description"], json_schema_extra={"x-unit": unit}, **constraints)


def unit_of(info: FieldInfo) -> str:
    """The unit of a scenario model's field (``Model.model_fields[name]``): its ``x-unit``, or ``"none"``."""
    extra = info.json_schema_extra
    return str(extra.get("x-unit", "none")) if isinstance(extra, dict) else "none"


ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
"""An id: hospitals, staff roles, equipment items (and so pools), teams, urgencies, severity bands.
Ids are parts of ``--set`` key paths, KPI names, file and figure names: a ``.`` would split a key
path, a ``/`` a file name, ``@`` a KPI name."""
_ID = re.compile(ID_PATTERN)


def _id(value: str) -> str:
    if not _ID.match(value):
        raise ValueError(f"id {value[:60]!r} may hold only letters, digits, _ and - (1 to 40 "
                         "of them): ids are used in --set key paths, KPI, file and figure names")
    return value


Id = Annotated[str, AfterValidator(_id), Field(json_schema_extra={"pattern": ID_PATTERN})]
OneLine = Annotated[str, AfterValidator(refuse_in_one_line)]
"""Text shown on one line (names, labels, sources, currency): no line break, control or format character."""
Text = Annotated[str, AfterValidator(refuse_in_block)]
"""A text block (a description): line breaks allowed, no other control or format character."""


def _label(value: str) -> str:
    refuse_in_one_line(value)
    if "." in value or not value.strip():
        raise ValueError(f"label {value[:60]!r} must be non-empty and hold no '.': labels are parts of --set key paths")
    return value


Label = Annotated[str, AfterValidator(_label)]
"""A free-text label that is also a key of a ``--set`` path (``costs.fixed_per_year``): one line, no ``.``."""


def plausible(low: float, high: float, unit: str) -> Callable[[float], float]:
    """A check that a value lies in ``[low, high]`` ``unit``, the plausible range it names when it does not."""
    def check(value: float) -> float:
        if not low <= value <= high:
            raise ValueError(f"{value:g} {unit} is outside the plausible range {low:g}-{high:g} {unit}")
        return value
    return check


GESTATION_WEEKS = (22.0, 44.0)
"""Gestational ages a case may have (weeks): from viability to post-term."""
Weeks = Annotated[float, AfterValidator(plausible(*GESTATION_WEEKS, "weeks")),
                  Field(json_schema_extra={"minimum": GESTATION_WEEKS[0], "maximum": GESTATION_WEEKS[1]})]
YEAR_MIN = 525_600.0
"""One year in minutes: the longest clinical duration or time limit a scenario may give."""
Minutes = Annotated[float, Field(ge=0), AfterValidator(plausible(0, YEAR_MIN, "min")),
                    Field(json_schema_extra={"maximum": YEAR_MIN})]
"""A duration or time limit in minutes: 0 to one year."""


def weight_total(weights: Sequence[float], what: str, positive: bool = True) -> float:
    """The sum of ``weights``; ValueError naming ``what`` unless it, and every weight divided by the
    mean weight (what the model draws with), is a finite number (and, with ``positive``, above 0)."""
    total = sum(weights)
    if not math.isfinite(total):
        raise ValueError(f"{what}: the weights sum to {total} (too large to add up); use relative weights "
                         "such as 1, 2, 0.5")
    if positive and total <= 0:
        raise ValueError(f"{what} needs a positive weight somewhere")
    if total > 0 and not all(math.isfinite(w * len(weights) / total) for w in weights):  # as the model divides
        raise ValueError(f"{what}: the weights are too large (a weight times {len(weights)} is not a finite "
                         "number); use relative weights such as 1, 2, 0.5")
    return total


class Frozen(BaseModel):
    """Base of every scenario model: unknown keys refused, immutable, strict types.

    Strict: text is never read as a number ("6"), nor a boolean as a count
    (``true`` is not 1), nor a fraction as a whole number; infinities and NaN
    are refused.  Lists stand for the two tuple fields, as YAML has no tuples.
    No text anywhere, mapping keys included, holds a control or format
    character (:mod:`sim.scenario.text`); only the fields in ``TEXT_BLOCKS``
    (a description) may hold line breaks.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True, strict=True, allow_inf_nan=False)
    TEXT_BLOCKS: ClassVar[frozenset[str]] = frozenset({"description", "limits"})

    @model_validator(mode="after")
    def _plain_text(self) -> Any:
        """Every text a model holds directly (mapping keys included) is one line, or a text block for the
        fields in ``TEXT_BLOCKS``: a backstop behind :data:`OneLine`, :data:`Id` and the YAML reader, for
        the fields that only name something defined elsewhere.  One call per model, not per field."""
        for name, value in self.__dict__.items():
            check = refuse_in_block if name in self.TEXT_BLOCKS else refuse_in_one_line
            for text in _texts(value):
                try:
                    check(text)
                except ValueError as exc:
                    raise ValueError(f"{name}: {exc}") from None
        return self


def _texts(value: Any) -> list[str]:
    """The text a field's value holds directly: itself, mapping keys and values, list items (nested
    models check their own fields)."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [t for k, v in value.items() for t in (*_texts(k), *_texts(v))]
    if isinstance(value, list | tuple):
        return [t for v in value for t in _texts(v)]
    return []
