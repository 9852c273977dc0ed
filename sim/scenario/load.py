"""Reading scenario files: YAML 1.2 (safe), ``extends:`` chains and ``--set`` overrides.

Every problem becomes a :class:`ScenarioError` that lists each fault with its
file, key path and, where known, line.  Nothing here executes code from a file:
:mod:`sim.scenario.yamlsafe` reads YAML 1.2 (refusing tags, alias bombs and
duplicate keys) and hands over only plain mappings, lists and scalars.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim.scenario import yamlsafe
from sim.scenario.distributions import DIST_NAMES
from sim.scenario.references import ReferenceProblems, check_references
from sim.scenario.schema import Scenario
from sim.scenario.text import printable

KeyPath = tuple[str, ...]
MAX_FILE_BYTES = 1_000_000
"""Largest scenario file read (the baseline, comments and all, is about 20 kB)."""
MAX_EXTENDS = 20
"""Longest ``extends:`` chain (a variant of a variant of ... the baseline is 2 or 3 deep)."""


@dataclass(frozen=True)
class Problem:
    """One fault in a scenario: where it is and what is wrong."""

    file: str
    key: str
    message: str
    line: int | None = None

    def __str__(self) -> str:
        """One line, whatever the file name, key or message hold (:func:`~sim.scenario.text.printable`)."""
        where = printable(self.file) + (f":{self.line}" if self.line else "")
        key = f" [{printable(self.key)}]" if self.key else ""
        return f"{where}{key}: {printable(self.message)}"


class ScenarioError(Exception):
    """A scenario could not be read or is invalid; ``problems`` lists every fault."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


@dataclass
class _Raw:
    """A merged document and, for each key path, the file and line it came from."""

    data: dict[str, Any]
    origin: dict[KeyPath, tuple[str, int | None]] = field(default_factory=dict)
    files: list[str] = field(default_factory=list)


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, refusing what is not a readable regular file of sensible size."""
    name = str(path)
    try:
        if not path.exists():
            raise ScenarioError([Problem(name, "", "file not found")])
        if path.is_dir():
            raise ScenarioError([Problem(name, "", "is a folder, not a scenario file")])
        if not path.is_file():
            raise ScenarioError([Problem(name, "", "is not a regular file")])
        with path.open("rb") as handle:
            raw_bytes = handle.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise ScenarioError([Problem(name, "", f"cannot be read: {exc.strerror or exc}")]) from None
    except ValueError as exc:  # e.g. a NUL byte in the path
        raise ScenarioError([Problem(name, "", f"not a usable path: {exc}")]) from None
    if len(raw_bytes) > MAX_FILE_BYTES:
        raise ScenarioError([Problem(name, "", f"file larger than {MAX_FILE_BYTES:,} bytes: a scenario is a few "
                                               "kB; this is not one")])
    return raw_bytes


def _read_one(path: Path) -> tuple[dict[str, Any], dict[KeyPath, tuple[str, int | None]]]:
    name = str(path)
    try:
        doc, lines = yamlsafe.read_document(_read_bytes(path))
    except yamlsafe.YamlFault as exc:
        raise ScenarioError([Problem(name, ".".join(exc.key), exc.message, exc.line)]) from None
    if doc is None:
        raise ScenarioError([Problem(name, "", "file is empty")])
    if not isinstance(doc, dict):
        raise ScenarioError([Problem(name, "", f"top level must be a mapping of keys, not {_kind(doc)}", 1)])
    return doc, {key: (name, line) for key, line in lines.items()}


def _kind(value: Any) -> str:
    """A reader's name for the type of a YAML value."""
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    return "a mapping" if isinstance(value, dict) else "null"


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """Deep-merge mappings; anything else in ``over`` replaces the base value.

    A mapping with a ``dist`` key is a whole distribution and replaces the base
    one, so a variant can swap a triangular for a lognormal without inheriting
    ``low`` and ``high``; a mapping without ``dist`` still tweaks parameters.
    """
    out = copy.deepcopy(base)
    for key, value in over.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict) and "dist" not in value:
            out[key] = _merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _resolve(path: Path, chain: tuple[Path, ...] = ()) -> _Raw:
    """Read ``path`` and, recursively, the files it extends; ``chain`` holds the files above it."""
    real = path.resolve()
    data, origin = _read_one(path)
    parent = data.pop("extends", None)
    if parent is None:
        return _Raw(data, origin, [str(path)])
    line = origin.get(("extends",), ("", None))[1]
    if not isinstance(parent, str) or not parent:
        raise ScenarioError([Problem(str(path), "extends", "must be a file name", line)])
    parent_path = (path.parent / parent)
    if parent_path.is_dir():
        line = origin.get(("extends",), ("", None))[1]
        raise ScenarioError([Problem(str(path), "extends", f"base {parent!r} is a folder, not a file", line)])
    if not parent_path.exists():
        raise ScenarioError([Problem(str(path), "extends", f"base file {parent!r} not found", line)])
    if parent_path.resolve() in (*chain, real):
        cycle = " -> ".join(p.name for p in (*chain, real, parent_path.resolve()))
        raise ScenarioError([Problem(str(path), "extends", f"extends cycle: {cycle}", line)])
    if len(chain) >= MAX_EXTENDS:
        raise ScenarioError([Problem(str(path), "extends", f"more than {MAX_EXTENDS} files deep in extends", line)])
    base = _resolve(parent_path, (*chain, real))
    origin.pop(("extends",), None)
    return _Raw(_merge(base.data, data), {**base.origin, **origin}, [*base.files, str(path)])


def _union_member(part: Any, node: Any) -> bool:
    """Whether a location part names a member of a plain union (``literal['a','b']``,
    ``dict[str,...]``, ``str``), not a key of the document."""
    if not isinstance(part, str) or (isinstance(node, dict) and part in node):
        return False
    return "[" in part or part in ("str", "int", "float", "bool")


def _loc_to_path(loc: tuple[Any, ...], data: Any = None) -> KeyPath:
    """Pydantic error locations include union tags like 'lognormal' or ``literal['outreach','transfer']``;
    keep real keys.

    A part is a tag when the document holds, at the path so far, a mapping whose
    ``dist`` is that part, or when it names a member of a plain union (see
    :func:`_union_member`).
    """
    path: list[str] = []
    node = data
    if loc[:2] == ("teams", 0) and isinstance(data, dict) and data.get("team") is not None:
        loc = ("team", *loc[2:])  # the one-team shorthand: name the key as the file writes it
    if (loc[:3] == ("demand", "home_emergency", 0) and isinstance(data, dict)
            and isinstance((data.get("demand") or {}).get("home_emergency"), dict)):
        loc = loc[:2] + loc[3:]  # one home stream written as a mapping
    for part in loc:
        if isinstance(node, dict) and node.get("dist") == part and part not in node:
            continue
        if _union_member(part, node):
            continue
        path.append(str(part))
        node = node.get(part) if isinstance(node, dict) else (
            node[part] if isinstance(node, list) and isinstance(part, int) and part < len(node) else None)
    return tuple(path)


def _faults(exc: ValidationError | ReferenceProblems, data: dict[str, Any]) -> list[tuple[KeyPath, str]]:
    """Each pydantic error, or each broken cross-reference, as (key path in the document, plain message)."""
    if isinstance(exc, ReferenceProblems):
        return [(tuple(key.split(".")), message) for key, message in exc.items]
    faults: list[tuple[KeyPath, str]] = []
    for err in exc.errors():
        path = _loc_to_path(err["loc"], data)
        if len(path) < len(err["loc"]) and any(found == path for found, _ in faults):
            continue  # another member of the same union failed too: one fault per key is enough
        faults.append((path, _message(err)))
    return faults


EXPECTED = {"int_type": "a whole number", "int_from_float": "a whole number", "int_parsing": "a whole number",
            "float_type": "a number", "float_parsing": "a number", "bool_type": "true or false",
            "bool_parsing": "true or false", "string_type": "text", "dict_type": "a mapping of keys",
            "model_type": "a mapping of keys", "model_attributes_type": "a mapping of keys", "list_type": "a list",
            "tuple_type": "a list"}
"""Pydantic error types that mean 'wrong kind of value', and what was expected instead."""


def _message(err: Any) -> str:
    """A plain message for one pydantic error."""
    kind, given = err["type"], err.get("input")
    if kind in EXPECTED:
        shown = "" if given is None else f" {str(given).lower() if isinstance(given, bool) else repr(given)}"
        return f"expected {EXPECTED[kind]}, got {_kind(given)}{shown}"[:200]
    if kind == "missing":
        return "required key is missing"
    if kind == "extra_forbidden":
        return "unknown key (not in the schema)"
    if kind == "union_tag_invalid" and isinstance(given, dict):
        return f"unknown distribution {given.get('dist')!r} (known: {', '.join(DIST_NAMES)})"
    if kind == "finite_number":
        return f"expected a finite number, got {given!r}"
    return err["msg"].removeprefix("Value error, ").removeprefix("Assertion failed, ")


def checked_scenario(data: dict[str, Any]) -> Scenario:
    """``data`` as a Scenario: its shape and values validated (pydantic's ValidationError), then every
    name it gives checked against what it defines (:class:`~sim.scenario.references.ReferenceProblems`)."""
    return check_references(Scenario.model_validate(data))


def _problems_from(exc: ValidationError | ReferenceProblems, raw: _Raw) -> list[Problem]:
    problems = []
    for path, msg in _faults(exc, raw.data):
        file, line = raw.files[-1], None
        for cut in range(len(path), 0, -1):
            if path[:cut] in raw.origin:
                file, line = raw.origin[path[:cut]]
                break
        problems.append(Problem(file, ".".join(path), msg, line))
    return problems


def _count_values(node: Any) -> int:
    """How many values a plain document holds (mappings and lists count as one each, plus their items)."""
    if isinstance(node, dict):
        return 1 + sum(_count_values(v) for v in node.values())
    if isinstance(node, list):
        return 1 + sum(_count_values(v) for v in node)
    return 1


def _validate(raw: _Raw) -> Scenario:
    """The merged document as a Scenario; one ScenarioError lists every fault.  A document of more than
    :data:`yamlsafe.MAX_NODES` values (a long ``extends`` chain of large files) is refused before pydantic
    reads it."""
    if _count_values(raw.data) > yamlsafe.MAX_NODES:
        raise ScenarioError([Problem(raw.files[-1], "", f"document too large: more than {yamlsafe.MAX_NODES:,} "
                                                        "values once its extends chain is merged")])
    try:
        return checked_scenario(raw.data)
    except (ValidationError, ReferenceProblems) as exc:
        raise ScenarioError(_problems_from(exc, raw)) from None
    except (ValueError, TypeError, OverflowError) as exc:  # arithmetic on absurd numbers
        raise ScenarioError([Problem(raw.files[-1], "", str(exc))]) from None


def parse_override(text: str) -> tuple[KeyPath, Any]:
    """Split ``key.path=value``; the value is read as a YAML scalar or flow collection."""
    if "=" not in text:
        raise ScenarioError([Problem("--set", text, "expected KEY=VALUE")])
    key, value_text = text.split("=", 1)
    path = tuple(p for p in key.strip().split("."))
    if not all(path):
        raise ScenarioError([Problem("--set", key, "empty part in key path")])
    try:
        value = yamlsafe.read_value(value_text)
    except yamlsafe.YamlFault as exc:
        raise ScenarioError([Problem("--set", key, f"value is not valid: {exc.message}")]) from None
    return path, value


def _check_kind(path: KeyPath, old: Any, new: Any) -> None:
    """Refuse an override whose type differs from the current value's (numbers mix freely;
    null on either side is left to the schema)."""
    if old is None or new is None or _kind(old) == _kind(new):
        return
    raise ScenarioError([Problem("--set", ".".join(path),
                                 f"expected {_kind(old)} like the current value {old!r}, got {_kind(new)} {new!r}")])


def child_key(node: Any, part: str) -> str | int | None:
    """How ``part`` of a dotted key path indexes ``node``: a mapping key, a list
    position (``0``, ``1``, ...), or None when ``node`` has no such child."""
    if isinstance(node, dict):
        return part if part in node else None
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return int(part)
    return None


def missing_child(path: KeyPath, i: int, node: Any) -> str:
    """Why ``path[i]`` is not found under ``path[:i]``, for an error message."""
    done = ".".join(path[:i]) or "(top level)"
    if isinstance(node, list):
        return f"no item {path[i]!r} under {done}, a list of {len(node)} (items are numbered from 0)"
    return f"no key {path[i]!r} under {done}"


def apply_overrides(data: dict[str, Any], overrides: list[str]) -> dict[str, Any]:
    """Set each ``key.path=value``; every key must already exist in ``data``.

    A part of the path that is a number picks an item of a list, so
    ``travel.routes.0.off_peak`` is the first route's off-peak journey time.
    """
    out = copy.deepcopy(data)
    for text in overrides:
        path, value = parse_override(text)
        node: Any = out
        for i, part in enumerate(path):
            key = child_key(node, part)
            if key is None:
                raise ScenarioError([Problem("--set", ".".join(path), missing_child(path, i, node))])
            if i == len(path) - 1:
                _check_kind(path, node[key], value)
                node[key] = value
            else:
                node = node[key]
    return out


def load_scenario(path: str | Path, overrides: list[str] | None = None) -> Scenario:
    """Read, merge, override (:func:`with_overrides`) and validate a scenario file."""
    scenario = _validate(_resolve(Path(path)))
    return with_overrides(scenario, overrides) if overrides else scenario


def with_overrides(scenario: Scenario, overrides: list[str]) -> Scenario:
    """A new scenario: ``scenario`` with each ``key.path=value`` of ``overrides`` set (:func:`apply_overrides`),
    validated again as a whole; ScenarioError naming ``--set`` and the key of each fault."""
    updated = apply_overrides(scenario.model_dump(mode="json", by_alias=True), overrides)
    try:
        return checked_scenario(updated)
    except (ValidationError, ReferenceProblems) as exc:
        problems = [Problem("--set", ".".join(path), msg) for path, msg in _faults(exc, updated)]
        raise ScenarioError(problems) from None


def overrides_tag(overrides: list[str]) -> str:
    """``+N-override(s)-<hash>``: a short, stable tag for a list of ``--set`` overrides.

    The hash is the first 6 hex digits of the sha256 of the overrides as given
    (stripped, in order, one a line), so the same ``--set`` list always gives
    the same tag and a different one almost surely another.
    """
    texts = [o.strip() for o in overrides]
    digest = hashlib.sha256("\n".join(texts).encode()).hexdigest()[:6]
    return f"+{len(texts)}-override{'s' if len(texts) > 1 else ''}-{digest}"


def titled(name: str, overrides: list[str] | None) -> str:
    """The title a run of scenario ``name`` goes by: ``<name>+N-overrides-<hash>`` when ``--set`` changed
    it (:func:`overrides_tag`), so that its report title and default results folder are never those of the
    unmodified file.  Just ``name`` when there are no overrides or when one of them sets ``name`` itself.

    The scenario keeps its name: its sha256 (and so the exact regression mode) depends on the inputs only.
    """
    if not overrides or any(parse_override(o)[0] == ("name",) for o in overrides):
        return name
    return name + overrides_tag(overrides)


def scenario_dict(scenario: Scenario) -> dict[str, Any]:
    """The resolved scenario as plain JSON-ready data (aliases, defaults included)."""
    return scenario.model_dump(mode="json", by_alias=True)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the canonical JSON of the resolved scenario."""
    text = json.dumps(scenario_dict(scenario), sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
