"""The scenario files the web app reads and writes: one folder inside the results folder.

``<results>/app-scenarios/`` (:data:`FOLDER`) holds a copy of every shipped
scenario (refreshed when the app starts), the files planners upload and the
variants they save.  Nothing else is read or written:

- a file is named by :data:`FILE_NAME` only (letters, digits, ``_ . + -``,
  ending ``.yaml``), and must be a regular file of the folder, never a link;
- an upload is read by the CLI's own reader and schema
  (:func:`sim.scenario.load_scenario`: the safe YAML reader, size and node
  limits, every problem with its key); its ``extends:`` may only name another
  file of the folder, so no upload reaches a path outside it;
- an edited variant is written as ``extends: <base>`` plus the keys it
  changes (:func:`edited_yaml`), read back by the loader and checked to give
  the same scenario as the base with the edits as ``--set`` overrides.

A saved variant runs with ``ihsim run`` from the folder, or beside its base.
"""

from __future__ import annotations

import copy
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from sim.experiment.single import safe_name
from sim.folders import replace_file
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_dict, scenario_hash, yamlsafe
from sim.scenario.diff import describe_changes
from sim.scenario.load import MAX_FILE_BYTES, Problem, apply_overrides, child_key

FOLDER = "app-scenarios"
"""The app's scenario folder, inside the results folder (no run is ever written under this name)."""
SHIPPED = Path(__file__).resolve().parents[2] / "scenarios"
"""The scenarios shipped with ihsim (``scenarios/*.yaml`` of the repository)."""
FILE_NAME = re.compile(r"^[A-Za-z0-9_+-][A-Za-z0-9_.+-]{0,99}\.yaml$")
"""A file name the app reads or writes: no folder part, no leading dot."""


class WorkspaceError(ValueError):
    """A file name or upload the app refuses; the message says why."""


def overrides_of(edits: Mapping[str, Any]) -> list[str]:
    """``--set`` texts for ``key -> value`` edits (values written as JSON, YAML's flow form)."""
    return [f"{key}={json.dumps(value)}" for key, value in edits.items()]


def _list_cut(data: dict[str, Any], key: str) -> tuple[str | int, ...]:
    """The path of ``key`` cut at its first list: a variant file replaces a list whole, so an edit inside
    one writes the whole list."""
    node: Any = data
    cut: list[str | int] = []
    for part in key.split("."):
        if isinstance(node, list):
            break
        found = child_key(node, part)
        if found is None:
            raise WorkspaceError(f"no key {key!r} in the scenario")
        cut.append(found)
        node = node[found]
    return tuple(cut)


def delta(resolved: dict[str, Any], edits: Mapping[str, Any]) -> dict[str, Any]:
    """The keys a variant file writes so that ``extends`` of the base gives ``resolved`` with ``edits``.

    ``resolved`` is the base's resolved dict; ``edits`` maps ``--set`` keys to values.  A mapping is
    merged key by key by the loader, so only the edited keys are written; a list is written whole.
    Raises :class:`~sim.scenario.ScenarioError` (as ``--set`` does) for an unknown key or a value of
    the wrong kind.
    """
    edited = apply_overrides(resolved, overrides_of(edits))
    out: dict[str, Any] = {}
    for key in edits:
        cut = _list_cut(resolved, key)
        node: dict[str, Any] = out
        value: Any = edited
        for part in cut:
            value = value[part]
        for part in cut[:-1]:
            node = node.setdefault(str(part), {})
        node[str(cut[-1])] = copy.deepcopy(value)
    return out


def own_keys(base_file: str, name: str, n_changes: int) -> dict[str, str]:
    """The ``name`` and ``description`` a variant file gives itself."""
    return {"name": name, "description": f"{base_file} with {n_changes} change{'s' if n_changes != 1 else ''} "
                                         "made in ihsim app"}


def _dump(data: dict[str, Any]) -> str:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    buf = io.StringIO()
    yaml.dump(data, buf)
    return buf.getvalue()


def edited_yaml(base_file: str, name: str, resolved: dict[str, Any], edits: Mapping[str, Any],
                whole_team: bool = False) -> str:
    """A variant file: ``extends: <base_file>``, ``name``, and the edited keys (:func:`delta`), headed by
    comments listing the changes in plain English.  ``whole_team``: write a one-team scenario's team
    whole under ``teams`` (for a base that writes ``teams:``)."""
    body = delta(resolved, edits)
    if whole_team and "team" in body:
        body.pop("team")
        body = {"team": None, "teams": [apply_overrides(resolved, overrides_of(edits))["team"]], **body}
    changes = describe_changes(resolved, apply_overrides(resolved, overrides_of(edits)))
    head = [f"# Variant of {base_file}, saved by `ihsim app`: only the changes are written here.",
            "# Run it from this folder (or beside its base) with: ihsim run <this file>", "# Changes:",
            *(f"#   {line}" for line in changes or ["(none)"])]
    doc = {"extends": base_file, **own_keys(base_file, name, len(changes)), **body}
    return "\n".join(head) + "\n\n" + _dump(doc)


class Workspace:
    """The app's scenario folder ``<results>/app-scenarios``; every name is checked before use."""

    def __init__(self, results: Path, shipped: Path = SHIPPED):
        self.results = Path(results)
        self.root = self.results / FOLDER
        self.shipped_folder = Path(shipped)

    def shipped(self) -> list[str]:
        """The shipped scenario files' names."""
        if not self.shipped_folder.is_dir():
            return []
        return sorted(p.name for p in self.shipped_folder.glob("*.yaml")
                      if FILE_NAME.match(p.name) and p.is_file() and not p.is_symlink())

    def prepare(self) -> None:
        """Create the folder and copy every shipped scenario into it (replacing older copies)."""
        self.root.mkdir(parents=True, exist_ok=True)
        for name in self.shipped():
            data = (self.shipped_folder / name).read_bytes()
            target = self.root / name
            if target.is_symlink() or not target.is_file() or target.read_bytes() != data:
                target.unlink(missing_ok=True)
                replace_file(target, data)

    def names(self) -> list[str]:
        """Every scenario file of the folder, by name."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir()
                      if FILE_NAME.match(p.name) and p.is_file() and not p.is_symlink())

    def path(self, name: str) -> Path:
        """The path of the folder's file ``name``; :class:`WorkspaceError` for any other name."""
        if not FILE_NAME.match(name) or name not in self.names():
            raise WorkspaceError(f"no scenario file {name!r} in {self.root}")
        return self.root / name

    def load(self, name: str) -> Scenario:
        """The scenario of the folder's file ``name``, read and validated as ``ihsim validate`` does."""
        return load_scenario(self.path(name))

    def _free_name(self, name: str, what: str) -> str:
        if not FILE_NAME.match(name):
            raise WorkspaceError(f"{what}: {name!r} is not a usable file name")
        if name in self.shipped():
            raise WorkspaceError(f"{what}: {name} is the name of a shipped scenario; choose another name")
        return name

    def upload(self, file_name: str, data: bytes) -> str:
        """Save an uploaded scenario file once the CLI's reader and schema accept it; returns its name.

        Raises :class:`WorkspaceError` (name, size, ``extends`` outside the folder) or
        :class:`~sim.scenario.ScenarioError` (every problem of the file, named by ``file_name``).
        """
        name = self._free_name(safe_name(Path(str(file_name)).stem) + ".yaml", "upload")
        if len(data) > MAX_FILE_BYTES:
            raise WorkspaceError(f"{name}: larger than {MAX_FILE_BYTES:,} bytes: a scenario is a few kB")
        try:
            doc, _ = yamlsafe.read_document(data)
        except yamlsafe.YamlFault as exc:
            raise ScenarioError([Problem(name, ".".join(exc.key), exc.message, exc.line)]) from None
        parent = doc.get("extends") if isinstance(doc, dict) else None
        if parent is not None and (not isinstance(parent, str) or parent == name or parent not in self.names()):
            raise WorkspaceError(f"{name}: extends {parent!r}, which is not one of the app's scenario files "
                                 f"({', '.join(self.names())})")
        target = self.root / name
        replace_file(target, data)
        try:
            load_scenario(target)
        except ScenarioError as exc:
            target.unlink(missing_ok=True)
            shown = str(target)
            raise ScenarioError([Problem(name if p.file == shown else p.file, p.key, p.message, p.line)
                                 for p in exc.problems]) from None
        return name

    def save_edited(self, base: str, name: str, edits: Mapping[str, Any]) -> str:
        """Write the variant of ``base`` with ``edits`` (``--set`` key -> value) named ``name``; returns
        its file name.  The file is read back and must give the scenario that ``base`` with the edits as
        ``--set`` overrides gives (:class:`~sim.scenario.ScenarioError` lists the edits' problems)."""
        file_name = self._free_name(safe_name(name) + ".yaml", "save")
        if file_name == base:
            raise WorkspaceError(f"save: {name!r} is the base's own name; give the variant a new name")
        base_path = self.path(base)
        resolved = scenario_dict(load_scenario(base_path))
        n_changes = len(describe_changes(resolved, apply_overrides(resolved, overrides_of(edits))))
        expected = load_scenario(base_path, [*overrides_of(edits), *overrides_of(own_keys(base, name, n_changes))])
        target = self.root / file_name
        for whole_team in (False, True):
            replace_file(target, edited_yaml(base, name, resolved, edits, whole_team))
            try:
                if scenario_hash(load_scenario(target)) == scenario_hash(expected):
                    return file_name
            except ScenarioError:
                pass
        target.unlink(missing_ok=True)
        raise WorkspaceError(f"save: the variant of {base} could not be written so that it reads back as edited")
