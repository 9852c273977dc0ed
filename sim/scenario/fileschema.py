"""The JSON Schema of scenario *files* (draft 2020-12), generated from the scenario models.

The pydantic models describe a resolved scenario.  A file differs in two ways,
and this module turns the models' schema into one that editors and independent
validators (``jsonschema``, ``check-jsonschema``) accept for every file:

- a file with ``extends:`` holds only its changes: mappings merge into the
  base's, so every key is optional there, at every depth, while every key
  given is still typed (a list or a distribution with ``dist`` replaces the
  base's whole, so it must be complete; a distribution written without
  ``dist`` changes only the parameters it names, see
  :func:`sim.scenario.load._merge`);
- a file without ``extends`` is a whole scenario: the models' required keys
  hold, with ``team:`` (one team) or ``teams:``.

Every property keeps its model's description and unit (``x-unit``; the
vocabulary is :data:`sim.scenario.base.UNITS`, also shipped as ``x-units``).
``scenarios/ihsim-scenario.schema.json`` is this schema, written by
``ihsim schema --out scenarios/ihsim-scenario.schema.json``; a test checks
that the shipped file equals :func:`schema_text`.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

from sim.scenario.base import UNITS, described
from sim.scenario.distributions import DIST_NAMES
from sim.scenario.schema import Scenario

DRAFT = "https://json-schema.org/draft/2020-12/schema"
SHIPPED = "scenarios/ihsim-scenario.schema.json"
"""Where the repository ships the schema (relative to its root)."""
PARTIAL = "-partial"
"""Suffix of a definition's name in its form for a file with ``extends`` (every key optional)."""
DISTRIBUTION = "Distribution"
KINDS = ("Fixed", "Exponential", "LogNormal", "Triangular", "Uniform", "Gamma", "Empirical")
"""The definitions of the distribution kinds, in the order of :data:`~sim.scenario.distributions.DIST_NAMES`."""
SCHEMA_MAPS = ("properties", "patternProperties", "$defs")
"""Keywords whose value maps names to schemas."""
SCHEMA_LISTS = ("anyOf", "oneOf", "allOf", "prefixItems")
"""Keywords whose value is a list of schemas."""
SCHEMA_ONE = ("items", "additionalProperties", "not", "if", "then", "else", "propertyNames")
"""Keywords whose value is one schema."""


def file_schema() -> dict[str, Any]:
    """The JSON Schema of scenario files, as a dict (see the module's description).

    Returns
    -------
    dict
        A draft 2020-12 schema: ``$defs`` holds every model twice, whole (``Hospital``) and as a file
        with ``extends`` may write it (``Hospital-partial``), and the distributions once (``Distribution``).
    """
    resolved = Scenario.model_json_schema(by_alias=True)
    defs = resolved.pop("$defs")
    defs["Scenario"] = resolved
    defs = {name: _tidy(schema) for name, schema in defs.items()}
    defs = {name: _named_distributions(schema) for name, schema in defs.items()}
    defs[DISTRIBUTION] = _distribution(defs)
    partial = {name + PARTIAL: _partial(schema) for name, schema in defs.items() if name not in KINDS}
    partial[DISTRIBUTION + PARTIAL] = _distribution_change(defs)
    partial["Scenario" + PARTIAL]["properties"] = {"extends": _extends(), **partial["Scenario" + PARTIAL]["properties"]}
    defs["Scenario"]["anyOf"] = [{"required": ["team"]}, {"required": ["teams"]}]
    return {
        "$schema": DRAFT,
        "title": "ihsim scenario file",
        "description": "A scenario file of ihsim (YAML). A file with 'extends' holds only its changes to the base "
                       "file: every key is optional, every key given is typed. A file without it is a whole "
                       "scenario. Each key's unit is in brackets at the end of its description and in 'x-unit' "
                       "(meanings in 'x-units'). scenarios/README.md is the data dictionary.",
        "type": "object",
        "if": {"required": ["extends"]},
        "then": {"$ref": f"#/$defs/Scenario{PARTIAL}"},
        "else": {"$ref": "#/$defs/Scenario"},
        "x-units": dict(UNITS),
        "$defs": {**defs, **partial},
    }


def schema_text() -> str:
    """:func:`file_schema` as the shipped file holds it: JSON indented by 2, one final newline."""
    return json.dumps(file_schema(), indent=2, ensure_ascii=False) + "\n"


def _map_schemas(node: Any, change: Callable[[dict[str, Any]], dict[str, Any]]) -> Any:
    """``node`` with ``change`` applied to every subschema, innermost first (keywords that hold values,
    such as ``default`` or ``enum``, are left alone)."""
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in SCHEMA_MAPS and isinstance(value, dict):
            out[key] = {name: _map_schemas(sub, change) for name, sub in value.items()}
        elif key in SCHEMA_LISTS and isinstance(value, list):
            out[key] = [_map_schemas(sub, change) for sub in value]
        elif key in SCHEMA_ONE and isinstance(value, dict):
            out[key] = _map_schemas(value, change)
        else:
            out[key] = copy.deepcopy(value)
    return change(out)


def _tidy(schema: dict[str, Any]) -> dict[str, Any]:
    """Titles dropped (the descriptions say more), and a mapping keyed by ids written with ``propertyNames``,
    so that a key that is not an id is refused rather than let through."""
    def tidy(node: dict[str, Any]) -> dict[str, Any]:
        node.pop("title", None)
        pattern = node.get("patternProperties")
        if isinstance(pattern, dict) and len(pattern) == 1 and "additionalProperties" not in node:
            (key, value), = pattern.items()
            del node["patternProperties"]
            node["propertyNames"] = {"pattern": key}
            node["additionalProperties"] = value
        return node
    return _map_schemas(schema, tidy)  # type: ignore[no-any-return]


def _is_distribution(node: dict[str, Any]) -> bool:
    refs = [item.get("$ref") for item in node.get("oneOf", [])]
    return refs == [f"#/$defs/{kind}" for kind in KINDS]


def _named_distributions(schema: dict[str, Any]) -> dict[str, Any]:
    """Every distribution union written as one reference to :data:`DISTRIBUTION` (its own description kept)."""
    def name(node: dict[str, Any]) -> dict[str, Any]:
        if not _is_distribution(node):
            return node
        node = {key: value for key, value in node.items() if key not in ("oneOf", "discriminator")}
        return {"$ref": f"#/$defs/{DISTRIBUTION}", **node}
    return _map_schemas(schema, name)  # type: ignore[no-any-return]


def _distribution(defs: dict[str, Any]) -> dict[str, Any]:
    """The definition of a distribution: one of the kinds, chosen by ``dist``."""
    return {
        "type": "object",
        "description": "a probability distribution, written as a mapping whose 'dist' key chooses the kind "
                       "(draws are in the unit of the key that holds it)",
        "properties": {"dist": {"enum": list(DIST_NAMES), **described("kind of distribution")}},
        "required": ["dist"],
        "oneOf": [{"$ref": f"#/$defs/{kind}"} for kind in KINDS if kind in defs],
    }


def _distribution_change(defs: dict[str, Any]) -> dict[str, Any]:
    """A distribution in a file with ``extends``: a whole one (with ``dist``, it replaces the base's), or a
    mapping without ``dist`` that changes only the parameters it names."""
    parameters: dict[str, Any] = {}
    for kind in KINDS:
        for name, schema in defs[kind]["properties"].items():
            if name != "dist":
                parameters.setdefault(name, schema)
    return {"anyOf": [{"$ref": f"#/$defs/{DISTRIBUTION}"},
                      {"type": "object", "properties": parameters, "additionalProperties": False,
                       "description": "parameters changed in the base file's distribution (no 'dist': the kind "
                                      "stays the base's)"}]}


def _partial(schema: dict[str, Any]) -> dict[str, Any]:
    """``schema`` as a file with ``extends`` may write it: no key required, merged mappings partial in turn.

    A mapping merges into the base's, so the definitions it refers to become their ``-partial`` forms;
    list items and tuples replace the base's whole, so their definitions stay whole.
    """
    def loosen(node: dict[str, Any]) -> dict[str, Any]:
        node.pop("required", None)
        return node

    def partial_refs(node: Any, whole: bool = False) -> Any:
        if isinstance(node, list):
            return [partial_refs(item, whole) for item in node]
        if not isinstance(node, dict):
            return node
        out = {}
        for key, value in node.items():
            if key == "$ref" and not whole:
                out[key] = value + PARTIAL
            elif key in ("items", "prefixItems"):
                out[key] = partial_refs(value, whole=True)
            elif key in ("default", "enum", "const"):
                out[key] = value
            else:
                out[key] = partial_refs(value, whole)
        return out

    return partial_refs(_map_schemas(schema, loosen))  # type: ignore[no-any-return]


def _extends() -> dict[str, Any]:
    return {"type": "string", "minLength": 1,
            **described("the base scenario file, relative to this one; this file holds only its changes")}
