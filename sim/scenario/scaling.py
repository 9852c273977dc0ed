"""Which values of a scenario a sensitivity study scales, and how.

A *parameter* is a key of the resolved scenario, written as ``--set`` writes
it: a leaf (``team.mobilisation``), a subtree (``travel``: every route's
off-peak and peak journey times) or a pattern in which ``*`` stands for any
key or list item (``hospitals.NHOG.staff.*.call_in``).  The scenario's
``sources:`` map names where each value comes from; a text that starts with
"Assumption" (any case) marks an assumption, and :func:`assumption_keys`
lists them.  Where two keys cover one value, the longer (more specific) one
is its source: ``hospitals.NHOG.staff`` scales the headcounts, and leaves
the call-in delays to ``hospitals.NHOG.staff.*.call_in``.

Scaling a parameter by a factor ``k`` (:func:`scale`) scales every value
under it *as a whole*:

- a distribution: every draw times ``k``
  (:func:`sim.scenario.distributions.scaled`);
- a count (an integer: rooms, beds, cots, ambulances, items, people):
  ``floor(n * k)`` for ``k < 1`` and ``ceil(n * k)`` for ``k > 1``, never
  below 1 when ``n`` is at least 1 (a count that cannot move says so);
- a probability (a key named ``*probability*`` or ``risk``): ``p * k``, capped at 1 (said when it is);
- any other number (a rate per day, a factor, a time in minutes): ``x * k``.

Values that an amount cannot describe are never scaled, and a parameter with
nothing else under it is skipped with the reason (:data:`NODE_REASONS`,
:func:`classify`): text (a policy or an id), clock windows, route pairs,
shares that must sum to 1 or relative weights (scaling them all changes
nothing), gestational ages, band bounds, queue ranks and the run's settings.

The result of :func:`scale` is a list of ``--set`` texts, so a variant is
built by the scenario loader (:func:`sim.scenario.load.load_scenario`) and
validated like any other scenario.
"""

from __future__ import annotations

import json
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sim.scenario.diff import show
from sim.scenario.distributions import scaled, tidy

KeyPath = tuple[str, ...]
WILDCARD = "*"
CLOCK = "clock windows (times of day, not amounts)"
NODE_REASONS = {
    "peaks": CLOCK, "planned_windows": CLOCK, "available": CLOCK, "based_at": CLOCK,
    "between": "a route pair (hospital ids)",
    "hourly_profile": "relative weights, rescaled to a mean of 1 (scaling them all changes nothing)",
    "weekday_profile": "relative weights, rescaled to a mean of 1 (scaling them all changes nothing)",
    "hosts": "relative weights of the hosts, rescaled to their total (scaling them all changes nothing)",
    "severity_mix": "shares of the severity bands, rescaled to their total (scaling them all changes nothing)",
    "scripted": "given cases (times and attributes), not amounts",
    "gestation_weeks": "a gestational age: scaled by the range it would leave the weeks the model is made for "
                       "(try --set with a narrower distribution)",
    "below_weeks": "a band bound (weeks), not an amount",
    "priority": "a queue rank, not an amount",
    "target_min": "an audit target the results are measured against, not an input of the service",
    "service_level_pct": "an audit standard the results are measured against, not an input of the service",
}
"""Reasons a value (or a whole subtree) with this key name is never scaled."""
TOP_REASONS = {"run": "how the model is run (length, seed, replications), not an input of the service",
               "name": "text, not an amount", "description": "text, not an amount",
               "sources": "notes on sources, not an input"}


@dataclass(frozen=True)
class Leaf:
    """One value a parameter scales: its path and current value, and its kind
    (``distribution``, ``count``, ``probability`` or ``number``)."""

    path: KeyPath
    value: Any
    kind: str


@dataclass(frozen=True)
class Parameter:
    """A key that can be scaled: its source text, the values under it, and notes on what is left as is."""

    key: str
    source: str
    leaves: tuple[Leaf, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Skipped:
    """A key that cannot be scaled, and why."""

    key: str
    source: str
    reason: str


@dataclass(frozen=True)
class Scaled:
    """A parameter scaled by ``factor``: the ``--set`` texts that make the variant, the values used
    (text) and notes (counts that could not move, probabilities capped at 1)."""

    key: str
    factor: float
    overrides: tuple[str, ...]
    value: str
    notes: tuple[str, ...]


def is_assumption(text: Any) -> bool:
    """Whether a ``sources:`` text marks an assumption (starts with "Assumption", any case)."""
    return isinstance(text, str) and text.strip().lower().startswith("assumption")


def assumption_keys(sources: Mapping[str, str]) -> list[str]:
    """The keys of ``sources`` whose text marks an assumption, in the order written."""
    return [key for key, text in sources.items() if is_assumption(text)]


def matches(data: Any, key: str) -> list[KeyPath]:
    """The paths of ``data`` (a resolved scenario dict) that ``key`` names; ``*`` matches any child
    (a mapping key or a list item, numbered from 0).  Empty when nothing matches."""
    found: list[KeyPath] = [()]
    nodes: list[Any] = [data]
    for part in key.split("."):
        step: list[tuple[KeyPath, Any]] = []
        for path, node in zip(found, nodes, strict=True):
            for child, value in _children(node):
                if part in (WILDCARD, child):
                    step.append(((*path, child), value))
        found, nodes = [p for p, _ in step], [v for _, v in step]
    return found if key else []


def _children(node: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict) and "dist" not in node:
        yield from ((str(k), v) for k, v in node.items())
    elif isinstance(node, list):
        yield from ((str(i), v) for i, v in enumerate(node))


def get(data: Any, path: KeyPath) -> Any:
    """The value at ``path`` (which exists) of a resolved scenario dict."""
    node = data
    for part in path:
        node = node[int(part)] if isinstance(node, list) else node[part]
    return node


def refused(path: KeyPath) -> str:
    """Why the value at ``path`` (and all under it) is never scaled, by its name; ``""`` if it may be."""
    if path and path[0] in TOP_REASONS:
        return TOP_REASONS[path[0]]
    name = path[-1] if path else ""
    return NODE_REASONS.get(name) or ("shares that must sum to 1" if name.endswith("_mix") else "")


def classify(path: KeyPath, value: Any) -> tuple[str | None, str]:
    """``(kind, "")`` for a value that can be scaled, else ``(None, reason)``."""
    reason = refused(path)
    if reason:
        return None, reason
    if isinstance(value, dict) and "dist" in value:
        return "distribution", ""
    if value is None:
        return None, "not set (null)"
    if isinstance(value, bool):
        return None, "true or false, not an amount"
    if isinstance(value, str):
        return None, f"text ({value!r}): a name, an id or a policy, not an amount"
    if isinstance(value, int):
        return "count", ""
    if isinstance(value, float):
        return ("probability" if "probability" in path[-1] or path[-1] == "risk" else "number"), ""
    return None, "an empty mapping or list"


def _walk(node: Any, path: KeyPath) -> Iterator[tuple[KeyPath, Any]]:
    """Every value under ``path``; a distribution, and a node refused by name (:func:`refused`), whole."""
    children = list(_children(node))
    if not children or refused(path):
        yield path, node
        return
    for child, value in children:
        yield from _walk(value, (*path, child))


def _more_specific(path: KeyPath, depth: int, claims: list[KeyPath]) -> bool:
    """Whether a claim of another key, deeper than ``depth``, covers ``path``."""
    return any(len(c) > depth and path[:len(c)] == c for c in claims)


def parameter(data: dict[str, Any], key: str, source: str, others: list[str]) -> Parameter | Skipped:
    """What scaling ``key`` means in ``data``: a :class:`Parameter`, or :class:`Skipped` with the reason.

    ``others`` are the other keys that claim values (the ``sources:`` keys and the study's other
    parameters): a value under a more specific one of them is theirs, not ``key``'s.
    """
    claims = [path for other in others if other != key for path in matches(data, other)]
    leaves: list[Leaf] = []
    claimed: list[str] = []
    left: dict[str, list[str]] = {}
    for node in matches(data, key):
        for path, value in _walk(get(data, node), node):
            if _more_specific(path, len(node), claims):
                claimed.append(".".join(path))
                continue
            kind, reason = classify(path, value)
            if kind is None:
                left.setdefault(reason, []).append(".".join(path))
            else:
                leaves.append(Leaf(path, value, kind))
    notes = tuple(f"not scaled, {reason}: {', '.join(paths)}" for reason, paths in left.items())
    if leaves:
        return Parameter(key, source, tuple(leaves), notes)
    if claimed and not left:
        return Skipped(key, source, "every value under it has a more specific source: " + ", ".join(claimed))
    return Skipped(key, source, "; ".join(left) or "nothing under it")


def scale_count(n: int, k: float) -> int:
    """``floor(n * k)`` for ``k < 1``, ``ceil(n * k)`` for ``k > 1`` (``n`` at ``k == 1``), never below 1
    when ``n >= 1`` (a count of 0 stays 0).  Rounded to 9 decimals first, so ``3 * 1.1`` is not above 3.3."""
    x = round(n * k, 9)
    m = math.floor(x) if k < 1 else math.ceil(x) if k > 1 else n
    return max(m, 1) if n >= 1 else m


def scale_leaf(leaf: Leaf, k: float) -> tuple[Any, str]:
    """The value of ``leaf`` scaled by ``k``, and a note when it could not follow ``k`` (else ``""``)."""
    where = ".".join(leaf.path)
    if leaf.kind == "distribution":
        return scaled(leaf.value, k), ""
    if leaf.kind == "count":
        m = scale_count(leaf.value, k)
        return m, (f"{where}: a count of {leaf.value} stays {m} at x{k:g}" if m == leaf.value and k != 1 else "")
    value = tidy(leaf.value * k)
    if leaf.kind == "probability" and value > 1:
        return 1.0, f"{where}: a probability, capped at 1 at x{k:g} ({leaf.value:g} x {k:g} = {value:g})"
    return value, ""


def scale(param: Parameter, k: float) -> Scaled:
    """``param`` scaled by ``k`` as ``--set`` texts, with the values used (text) and the notes."""
    overrides, shown, notes = [], [], []
    for leaf in param.leaves:
        value, note = scale_leaf(leaf, k)
        overrides.append(f"{'.'.join(leaf.path)}={json.dumps(value)}")
        shown.append(show(value) if len(param.leaves) == 1 else f"{_relative(leaf.path, param.key)} {show(value)}")
        notes += [note] if note else []
    return Scaled(param.key, k, tuple(overrides), "; ".join(shown), tuple(notes))


def _relative(path: KeyPath, key: str) -> str:
    """What tells the values of ``key`` apart: the parts ``*`` stands for and those below the key
    (``routes.0.peak`` under ``travel``; ``anaesthetist`` under ``hospitals.NHOG.staff.*.call_in``)."""
    parts = key.split(".")
    named = [p for p, k in zip(path, parts, strict=False) if k == WILDCARD]
    return ".".join([*named, *path[len(parts):]]) or ".".join(path)


HOSPITAL_COUNTS = ("operating_rooms", "icu_beds", "nicu_cots", "ambulances")
STAFF_COUNTS = ("day", "night", "weekend", "on_call")


def load_overrides(data: dict[str, Any], k: int) -> list[str]:
    """``--set`` texts that multiply a resolved scenario's load by a whole number ``k``, at the same
    utilisation: every demand stream's ``rate_per_day`` and every hospital's units (rooms, beds, cots,
    ambulances, equipment items, and each staff role's headcounts by shift, on-call staff and roster
    windows) times ``k``.  Teams (what one case needs), durations and scripted cases stay as they are.

    Raises ValueError when ``k`` is not a whole number of at least 1.
    """
    if isinstance(k, bool) or not isinstance(k, int) or k < 1:
        raise ValueError(f"a load factor must be a whole number of at least 1, not {k!r}")
    out: list[str] = []
    for path in matches(data, "demand.outreach.rate_per_day") + matches(data, "demand.home_emergency.rate_per_day") \
            + matches(data, "demand.home_emergency.*.rate_per_day"):
        out.append(f"{'.'.join(path)}={json.dumps(tidy(get(data, path) * k))}")
    counts = [f"hospitals.*.{name}" for name in HOSPITAL_COUNTS] + ["hospitals.*.equipment.*"] \
        + [f"hospitals.*.staff.*.{name}" for name in STAFF_COUNTS] + ["hospitals.*.staff.*.roster.*.on_duty"]
    for key in counts:
        for path in matches(data, key):
            n = get(data, path)
            if isinstance(n, int) and not isinstance(n, bool) and n:
                out.append(f"{'.'.join(path)}={n * k}")
    return out
