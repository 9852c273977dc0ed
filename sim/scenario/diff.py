"""A plain-English list of what one resolved scenario changes against another.

``describe_changes(base, other)`` walks the two resolved scenario dicts and
returns lines such as "on-call anaesthetists at NHOG 1 -> 2" or
"closure (surgery) lognormal(mean 38, sd 14) -> lognormal(mean 47.5, sd 17.5)".
Names, descriptions and source notes are not inputs and are skipped.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

SKIP = {"name", "description", "sources"}
MISSING = object()
SHIFTS = {"day": "on day shift", "night": "on night shift", "weekend": "on weekend days"}
FIELDS = {
    "operating_rooms": "operating rooms", "icu_beds": "ICU beds", "nicu_cots": "NICU cots",
    "ambulances": "ambulances",
}
CLINICAL = {
    "closure": "closure (surgery)", "incision_to_delivery": "incision to delivery",
    "anaesthesia": "anaesthesia", "stabilisation": "stabilisation", "consultation": "consultation",
}


@dataclass(frozen=True)
class Change:
    """One key that differs: its path and the two values (``MISSING`` when absent)."""

    path: tuple[str, ...]
    old: Any
    new: Any


def _is_dist(value: Any) -> bool:
    return isinstance(value, dict) and "dist" in value


def _key(item: Any, index: int) -> str:
    if isinstance(item, dict) and "between" in item:
        return "-".join(item["between"])
    return str(index)


def changes(a: Any, b: Any, path: tuple[str, ...] = ()) -> list[Change]:
    """Every leaf (or whole distribution) that differs between ``a`` and ``b``."""
    if _is_dist(a) or _is_dist(b) or not isinstance(a, dict | list) or type(a) is not type(b):
        return [] if a == b else [Change(path, a, b)]
    if isinstance(a, list):
        if len(a) != len(b):
            return [Change(path, a, b)]
        out = []
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            out.extend(changes(x, y, (*path, _key(x, i))))
        return out
    assert isinstance(a, dict)
    assert isinstance(b, dict)
    out = []
    for key in [*a, *(k for k in b if k not in a)]:
        if not path and key in SKIP:
            continue
        out.extend(changes(a.get(key, MISSING), b.get(key, MISSING), (*path, key)))
    return out


def show(value: Any) -> str:
    """A compact rendering: ``2``, ``38.5``, ``lognormal(mean 38, sd 14)``, ``(none)``."""
    if value is MISSING or value is None:
        return "(none)"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if _is_dist(value):
        params = ", ".join(f"{k} {show(v)}" for k, v in value.items()
                           if k != "dist" and v is not None and not (k == "shift" and v == 0))
        return f"{value['dist']}({params})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return str(value)


def label(path: tuple[str, ...]) -> str:
    """A readable name for a key path of the resolved scenario."""
    p = list(path)
    words = lambda s: s.replace("_", " ")  # noqa: E731
    if len(p) == 5 and p[0] == "hospitals" and p[2] == "staff":
        role = words(p[3]) + "s"
        if p[4] == "on_call":
            return f"on-call {role} at {p[1]}"
        if p[4] in SHIFTS:
            return f"{role} {SHIFTS[p[4]]} at {p[1]}"
        return f"{role} {words(p[4])} at {p[1]}"
    if len(p) == 4 and p[0] == "hospitals" and p[2] == "staff":
        return f"{words(p[3])}s at {p[1]}"
    if len(p) == 4 and p[0] == "hospitals" and p[2] == "equipment":
        return f"{words(p[3])}s at {p[1]}"
    if len(p) == 3 and p[0] == "hospitals" and p[2] in FIELDS:
        return f"{FIELDS[p[2]]} at {p[1]}"
    if len(p) >= 2 and p[0] == "teams":  # the first team is "the outreach team"; others by position
        team = "the outreach team" if str(p[1]) == "0" else f"outreach team {int(p[1]) + 1}"
        if len(p) == 4 and p[2] == "composition":
            return f"{words(str(p[3]))}s in {team}"
        if len(p) == 4 and p[2] == "equipment":
            return f"{words(str(p[3]))}s taken by {team}"
    if len(p) >= 2 and p[0] == "clinical" and p[1] in CLINICAL:
        return " ".join([CLINICAL[p[1]], *map(words, p[2:])])
    if len(p) >= 4 and p[:2] == ["travel", "routes"]:
        return f"{words(p[3])} travel {p[2]}" + "".join(f" {words(x)}" for x in p[4:])
    if p[:2] == ["demand", "outreach"] and p[-1] == "rate_per_day":
        return "outreach cases per day"
    if p[:2] == ["demand", "home_emergency"] and p[-1] == "rate_per_day":
        return "home emergencies per day"
    return ".".join(p)


def describe_changes(base: dict[str, Any], other: dict[str, Any]) -> list[str]:
    """Lines "label old -> new" for each input of ``other`` that differs from ``base``."""
    return [f"{label(c.path)} {show(c.old)} -> {show(c.new)}" for c in changes(base, other)]
