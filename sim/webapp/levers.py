"""A scenario's key levers as form fields, generated from the pydantic schema.

:func:`levers` walks the resolved scenario dict beside the schema's model
classes (:class:`sim.scenario.schema.Scenario` and down) and returns one
:class:`Lever` per number, true/false or closed choice whose key path matches
one of :data:`GROUPS`' patterns.  Everything a field shows comes from the
schema: its kind (``int``, ``float``, ``bool``, ``choice``), its bounds
(``ge``/``gt``/``le``/``lt``), its choices (a ``Literal``), its description
(``FieldInfo.description``) and unit (``json_schema_extra["unit"]``; else the
key's suffix, ``_min`` minutes, ``_days`` days ...).  Its source is the most
specific ``sources:`` key covering it (:mod:`sim.scenario.scaling`).

Edits are ``--set`` texts (:func:`override`), so they are checked by the
scenario loader exactly as ``ihsim run --set`` checks them.
"""

from __future__ import annotations

import json
import types
import typing
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from typing import Annotated, Any, Literal, Union

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from sim.scenario.diff import label as change_label
from sim.scenario.scaling import is_assumption, matches
from sim.scenario.schema import Scenario

KeyPath = tuple[str, ...]
STAFF = "hospitals.*.staff.*"
GROUPS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Staff by role and shift, on call and call-in",
     tuple(f"{STAFF}.{k}" for k in ("day", "night", "weekend", "on_call", "call_in.*", "roster.*.on_duty"))),
    ("Rooms, beds, cots, ambulances and equipment",
     ("hospitals.*.operating_rooms", "hospitals.*.icu_beds", "hospitals.*.nicu_cots", "hospitals.*.ambulances",
      "hospitals.*.equipment.*")),
    ("Outreach team", tuple(f"{team}.{k}" for team in ("team", "teams.*") for k in (
        "composition.*", "equipment.*", "ambulances", "dedicated", "mobilisation.*"))),
    ("Demand", ("demand.outreach.rate_per_day", "demand.home_emergency.rate_per_day",
                "demand.home_emergency.*.rate_per_day")),
    ("Policies", tuple(f"policies.{k}" for k in (
        "pathway.*", "pathway.*.*", "nicu_full", "nicu_wait_limit_min", "dispatch", "team_dispatch",
        "nicu_choice", "transfer_to", "crash.policy"))),
    ("Run length", ("run.horizon_days", "run.warmup_days")),
)
"""The levers a planner is offered, by group: key patterns of the resolved scenario (``*`` is any key
or list item).  A distribution's ``dist`` and ``shift`` are never levers."""
UNIT_SUFFIXES = (("_min", "min"), ("_days", "days"), ("_per_day", "per day"), ("_pct", "%"), ("_g", "g"),
                 ("_weeks", "weeks"))
"""A unit read from a key's name where the schema gives none."""
UNIT_KEYS = ("unit", "x-unit", "units")


@dataclass(frozen=True)
class Lever:
    """One form field: a key of the resolved scenario and what the schema says of it.

    ``low``/``high`` are the schema's bounds (None: unbounded), exclusive when
    ``low_open``/``high_open``; ``choices`` are a closed choice's values;
    ``source`` is the ``sources:`` text covering the key ("" when none does).
    """

    path: KeyPath
    kind: Literal["int", "float", "bool", "choice"]
    value: Any
    group: str
    description: str = ""
    unit: str = ""
    choices: tuple[str, ...] = ()
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    source: str = ""

    @property
    def key(self) -> str:
        """The key as ``--set`` writes it: ``hospitals.NHOG.nicu_cots``."""
        return ".".join(self.path)

    @property
    def label(self) -> str:
        """A plain name: the diff's (:func:`sim.scenario.diff.label`), else the key's words."""
        return plain_label(self.path)

    @property
    def mark(self) -> str:
        """"ASSUMPTION ...", "Source: ..." or "No source given"."""
        if not self.source:
            return "No source given"
        text = self.source.strip()
        return "ASSUMPTION" + text[len("assumption"):] if is_assumption(text) else f"Source: {text}"

    @property
    def bounds(self) -> str:
        """The schema's range in words: ``0 to 100000``, ``above 0, at most 36500``, ``at least 0``, ``""``."""
        if self.low is not None and self.high is not None and not (self.low_open or self.high_open):
            return f"{self.low:g} to {self.high:g}"
        low = None if self.low is None else f"{'above' if self.low_open else 'at least'} {self.low:g}"
        high = None if self.high is None else f"{'below' if self.high_open else 'at most'} {self.high:g}"
        return ", ".join(x for x in (low, high) if x)

    def help(self) -> str:
        """The field's help: description, unit, range and source, one a line."""
        lines = [self.description or self.path[-1].replace("_", " "), f"Key: {self.key}"]
        if self.unit and self.unit != "none":
            lines.append(f"Unit: {self.unit}")
        if self.bounds:
            lines.append(f"Allowed: {self.bounds}")
        return "\n\n".join([*lines, self.mark])


def _words(parts: typing.Sequence[str]) -> str:
    return " ".join(part.replace("_", " ") for part in parts)


def plain_label(path: KeyPath) -> str:
    """A key's plain name: :func:`sim.scenario.diff.label`'s where it has one, else its words with the
    hospital, role or team it belongs to (``call in high of obstetric surgeons at NHOG``)."""
    norm = ("teams", "0", *path[1:]) if path[:1] == ("team",) else path
    name = change_label(norm)
    if name != ".".join(norm):
        return name
    if len(norm) >= 5 and norm[0] == "hospitals" and norm[2] == "staff":
        return f"{_words(norm[4:])} of {_words(norm[3:4])}s at {norm[1]}"
    if len(norm) >= 3 and norm[0] == "teams":
        team = "the outreach team" if norm[1] == "0" else f"outreach team {int(norm[1]) + 1}"
        return f"{_words(norm[2:])} of {team}"
    return _words(norm[1:] if len(norm) > 1 else norm)


@dataclass(frozen=True)
class _Info:
    """What the schema says of the value being walked: constraints, description, unit."""

    description: str = ""
    unit: str = ""
    bounds: dict[str, float] = field(default_factory=dict)


def _with_field(info: _Info, meta: FieldInfo) -> _Info:
    """``info`` updated by a ``FieldInfo`` (a model field's, or one inside ``Annotated``)."""
    extra = meta.json_schema_extra if isinstance(meta.json_schema_extra, Mapping) else {}
    unit = next((str(extra[k]) for k in UNIT_KEYS if k in extra), info.unit)
    return _with_constraints(replace(info, description=meta.description or info.description, unit=unit),
                             meta.metadata)


def _with_constraints(info: _Info, metadata: list[Any] | tuple[Any, ...]) -> _Info:
    bounds = dict(info.bounds)
    for item in metadata:
        if isinstance(item, FieldInfo):
            info = _with_field(replace(info, bounds=bounds), item)
            bounds = dict(info.bounds)
        for name in ("ge", "gt", "le", "lt"):
            if isinstance(item, getattr(annotated_types, name.capitalize())):
                bounds[name] = float(getattr(item, name))
    return replace(info, bounds=bounds)


def _unwrap(tp: Any, info: _Info) -> tuple[Any, _Info]:
    """Strip ``Annotated`` (collecting its constraints) and ``X | None``; a union of several kinds stays."""
    while True:
        origin = typing.get_origin(tp)
        if origin is Annotated:
            base, *metadata = typing.get_args(tp)
            tp, info = base, _with_constraints(info, metadata)
        elif origin in (Union, types.UnionType):
            members = [a for a in typing.get_args(tp) if a is not type(None)]
            if len(members) != 1:
                return tp, info
            tp = members[0]
        else:
            return tp, info


def _member(tp: Any, value: Any) -> Any:
    """The member of a union of several kinds that ``value`` is: a distribution's model by its ``dist``,
    a mapping type for a mapping, a closed choice for text."""
    for member in typing.get_args(tp):
        base, _ = _unwrap(member, _Info())
        if isinstance(value, dict) and isinstance(base, type) and issubclass(base, BaseModel):
            tag = base.model_fields.get("dist")
            if tag is None or value.get("dist") in typing.get_args(tag.annotation):
                return member
        elif typing.get_origin(base) is (dict if isinstance(value, dict) else Literal if isinstance(value, str)
                                         else None):
            return member
    return None


def _walk(tp: Any, value: Any, path: KeyPath, info: _Info) -> Iterator[tuple[KeyPath, Any, Any, _Info]]:
    """``(path, type, value, info)`` of every scalar under ``value`` (typed ``tp``)."""
    tp, info = _unwrap(tp, info)
    if value is None:
        return
    origin = typing.get_origin(tp)
    if origin in (Union, types.UnionType):
        member = _member(tp, value)
        if member is not None:
            yield from _walk(member, value, path, info)
    elif isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(value, dict):
        yield from _model(tp, value, path, replace(info, bounds={}))
    elif origin is dict and isinstance(value, dict):
        for key, item in value.items():
            yield from _walk(typing.get_args(tp)[1], item, (*path, str(key)), info)
    elif origin is list and isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(typing.get_args(tp)[0], item, (*path, str(i)), info)
    elif origin is list and isinstance(value, dict):  # one item written as a mapping (home_emergency)
        yield from _walk(typing.get_args(tp)[0], value, path, info)
    elif origin is Literal or tp in (bool, int, float):
        yield path, tp, value, info


def _model(model: type[BaseModel], value: dict[str, Any], path: KeyPath,
           parent: _Info | None = None) -> Iterator[tuple[KeyPath, Any, Any, _Info]]:
    """The scalars of a model's fields.  A field with no description of its own takes its parent's; the
    parameters of a distribution are in minutes unless its key says weeks (:mod:`sim.scenario.distributions`)."""
    inherit = _Info()
    if "dist" in model.model_fields and parent is not None:
        default = "weeks" if path and path[-1].endswith("_weeks") else "min"
        inherit = _Info(description=parent.description, unit=parent.unit or default)
    for name, meta in model.model_fields.items():
        key = meta.alias or name
        if model is Scenario and key == "teams" and "team" in value:  # one team is written as ``team:``
            yield from _walk(typing.get_args(meta.annotation)[0], value["team"], (*path, "team"),
                             _with_field(inherit, meta))
        elif key in value:
            info = _with_field(inherit, meta)
            if "dist" in model.model_fields and parent is not None:  # a parameter: the holding key's words
                info = replace(info, description=inherit.description, unit=inherit.unit)
            yield from _walk(meta.annotation, value[key], (*path, key), info)


def _fits(path: KeyPath, pattern: str) -> bool:
    parts = pattern.split(".")
    return len(parts) == len(path) and all(p in ("*", k) for p, k in zip(parts, path, strict=True))


def group_of(path: KeyPath) -> str:
    """The group of :data:`GROUPS` a key belongs to, or ``""`` when it is no lever."""
    if path[-1] in ("dist", "shift"):
        return ""
    return next((name for name, patterns in GROUPS if any(_fits(path, p) for p in patterns)), "")


def source_of(data: dict[str, Any], path: KeyPath) -> str:
    """The ``sources:`` text of the most specific key covering ``path`` ("" when none does)."""
    best, text = -1, ""
    for key, note in (data.get("sources") or {}).items():
        for found in matches(data, key):
            if path[:len(found)] == found and len(found) > best:
                best, text = len(found), str(note)
    return text


def _lever(path: KeyPath, tp: Any, value: Any, info: _Info, group: str, data: dict[str, Any]) -> Lever:
    unit = info.unit or next((u for suffix, u in UNIT_SUFFIXES if path[-1].endswith(suffix)), "")
    b = info.bounds
    choices = tuple(str(c) for c in typing.get_args(tp)) if typing.get_origin(tp) is Literal else ()
    kind: Literal["int", "float", "bool", "choice"] = (
        "choice" if choices else "bool" if tp is bool else "int" if tp is int else "float")
    return Lever(path, kind, value, group, info.description, unit, choices,
                 low=b.get("ge", b.get("gt")), high=b.get("le", b.get("lt")),
                 low_open="gt" in b and "ge" not in b, high_open="lt" in b and "le" not in b,
                 source=source_of(data, path))


def levers(data: dict[str, Any]) -> list[Lever]:
    """Every key lever of a resolved scenario dict (:func:`sim.scenario.scenario_dict`), in document order."""
    found = []
    for path, tp, value, info in _model(Scenario, data, ()):
        group = group_of(path)
        if group:
            found.append(_lever(path, tp, value, info, group, data))
    return found


def override(lever: Lever, value: Any) -> str:
    """The ``--set`` text that gives ``lever`` the value ``value`` (JSON is YAML's flow form)."""
    if lever.kind == "int" and isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{lever.key}={json.dumps(value)}"


def changed(found: list[Lever], values: Mapping[str, Any]) -> dict[str, Any]:
    """The levers whose value in ``values`` (key -> value) differs from the scenario's: key -> new value."""
    return {lv.key: values[lv.key] for lv in found if lv.key in values and values[lv.key] != lv.value}
