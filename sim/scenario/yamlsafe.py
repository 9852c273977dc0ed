"""Safe YAML reading: plain data only, with the line of every key.

ruamel.yaml's round-trip loader (YAML 1.2) keeps line numbers and refuses
duplicate keys; it builds no Python objects from tags, but it does keep a tag
such as ``!!python/object/apply:os.system`` on the node it loads.  This module
turns its nodes into plain ``dict``, ``list``, ``str``, ``int``, ``float``,
``bool`` and ``None`` and refuses everything else, with the line where it
stands:

- any explicit tag other than YAML's own ``!!str``, ``!!int``, ... (so nothing
  in a scenario can name Python code, and unknown tags are not silently dropped);
- binary values and sets;
- nesting deeper than :data:`MAX_DEPTH` and documents that expand, through
  aliases, to more than :data:`MAX_NODES` values ("billion laughs");
- bytes that are not UTF-8, and control, format and bidirectional-override
  characters in text (:mod:`sim.scenario.text`: escape sequences, carriage
  returns and overrides would act on the terminal that prints a message);
  tabs and line breaks pass here and are refused by the schema where text
  must be one line.

Dates are kept as the ISO text that was written.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sim.scenario.text import describe, first_forbidden

KeyPath = tuple[str, ...]
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists accepted (a scenario needs about 6)."""
MAX_NODES = 50_000
"""Most values a document may hold once aliases are expanded (the baseline holds about 1,100)."""
YAML_TAGS = {f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "map", "seq")}


class YamlFault(ValueError):
    """Text that is not acceptable scenario YAML; ``line`` (1-based) and ``key`` where known."""

    def __init__(self, message: str, line: int | None = None, key: KeyPath = ()):
        super().__init__(message)
        self.message, self.line, self.key = message, line, key


def _yaml() -> YAML:
    yaml = YAML(typ="rt", pure=True)  # round-trip: line numbers; builds no objects from tags
    yaml.allow_duplicate_keys = False
    return yaml


def decode(raw: bytes) -> str:
    """UTF-8 text (a leading byte-order mark is dropped) or a fault at the first bad byte's line."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[:exc.start].count(b"\n") + 1
        raise YamlFault(f"not UTF-8 text (byte {exc.start} cannot be decoded); save the file as UTF-8",
                        line) from None
    return text.removeprefix("\ufeff")


def parse(text: str) -> Any:
    """ruamel's node tree of one YAML document, or a fault with the line of the problem."""
    try:
        return _yaml().load(text)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = str(exc.problem or exc.context or "syntax error")
        if "\t" in message or "\\t" in message:
            message = message.replace("\t", "\\t") + " (a tab: indent with spaces)"
        raise YamlFault(f"YAML error: {message}", mark.line + 1 if mark else None) from None
    except RecursionError:
        raise YamlFault(f"nesting too deep (more than {MAX_DEPTH} levels)") from None
    except (YAMLError, ValueError, TypeError, OverflowError) as exc:
        raise YamlFault(f"YAML error: {exc}") from None


class _Plain:
    """One conversion from ruamel nodes to plain data, counting values against the budget."""

    def __init__(self) -> None:
        self.lines: dict[KeyPath, int | None] = {}
        self.nodes = 0

    def convert(self, node: Any, path: KeyPath, line: int | None) -> Any:
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise YamlFault(f"document too large: more than {MAX_NODES:,} values with aliases expanded (a "
                            "scenario holds about 1,000; an alias bomb?)", line, path)
        if len(path) > MAX_DEPTH:
            raise YamlFault(f"nesting too deep (more than {MAX_DEPTH} levels)", line, path)
        tag = getattr(getattr(node, "tag", None), "value", None)
        if tag is not None and tag not in YAML_TAGS:
            raise YamlFault(f"YAML tag {tag!r} is not allowed: scenario files hold plain data only", line, path)
        if isinstance(node, dict):
            return self._mapping(node, path)
        if isinstance(node, list):
            return self._sequence(node, path)
        return _scalar(node, path, line)

    def _mapping(self, node: dict, path: KeyPath) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for key, value in node.items():
            line = _line(node, "key", key)
            sub = (*path, str(_scalar(key, path, line)))
            self.lines[sub] = line
            out[sub[-1]] = self.convert(value, sub, line)
        return out

    def _sequence(self, node: list, path: KeyPath) -> list[Any]:
        out = []
        for i, value in enumerate(node):
            sub = (*path, str(i))
            line = _line(node, "item", i)
            self.lines.setdefault(sub, line)
            out.append(self.convert(value, sub, line))
        return out


def _line(node: Any, kind: str, key: Any) -> int | None:
    """1-based line of a mapping key or list item, from ruamel's line/column record."""
    lc = getattr(node, "lc", None)
    try:
        return getattr(lc, kind)(key)[0] + 1
    except (KeyError, TypeError, AttributeError, IndexError):
        return None


def _scalar(node: Any, path: KeyPath, line: int | None) -> Any:
    """A plain scalar: ruamel's ScalarInt, ScalarFloat, ... become int, float, ..."""
    if node is None or isinstance(node, bool):
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    if isinstance(node, str):
        return _text(str(node), path, line)
    if isinstance(node, dt.date):
        return node.isoformat()
    if type(node).__name__ == "TaggedScalar":  # an explicit !!str (others were refused above)
        return _text(str(node.value), path, line)
    kind = "binary data" if isinstance(node, bytes) else f"a YAML {type(node).__name__}"
    raise YamlFault(f"{kind} is not allowed here: use a number, text, a list or a mapping", line, path)


def _text(text: str, path: KeyPath, line: int | None) -> str:
    """Text without control or format characters (tab and line break aside): scenario text is printed on
    terminals and in reports, where escape sequences, carriage returns and bidirectional overrides could
    disguise or rewrite the output."""
    bad = first_forbidden(text, "\t\n")
    if bad is not None:
        raise YamlFault(f"control character {describe(bad)} is not allowed in scenario text", line, path)
    return text


def to_plain(node: Any) -> tuple[Any, dict[KeyPath, int | None]]:
    """Plain data and the 1-based line of every key path (mapping keys and list items)."""
    conv = _Plain()
    try:
        return conv.convert(node, (), 1), conv.lines
    except RecursionError:
        raise YamlFault(f"nesting too deep (more than {MAX_DEPTH} levels)") from None


def read_document(raw: bytes) -> tuple[Any, dict[KeyPath, int | None]]:
    """Bytes of a file -> plain data and key lines; raises :class:`YamlFault`."""
    return to_plain(parse(decode(raw)))


def read_value(text: str) -> Any:
    """One value written on the command line (``--set key=VALUE``) as plain data."""
    return to_plain(parse(text))[0] if text.strip() else ""
