"""Command-line value types that refuse what would quietly switch a check off or hit the wrong path.

- :class:`FiniteFloatRange`: every float option
  of every command.  Comparisons with NaN are false, so ``--alpha nan``
  passed ``FloatRange(0, 1)`` and flagged no regression at all; infinity
  passes an open-ended range.  Both are refused with the option named.
- :class:`OutFolder`: ``--out`` of the commands that write a results folder.
  The folder is written beside itself and renamed into place (and replaced
  with ``--force``), so it must be a folder name: not empty, not ``.``,
  ``..`` or ``/``, not the working folder or one holding it, not a file.
- :class:`OutFile`: ``--out`` of the commands that write one file.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any

import click

from sim.scenario.text import describe, first_forbidden


class FiniteFloatRange(click.FloatRange):
    """A ``click.FloatRange`` that refuses NaN and infinity (with no bounds: any finite number)."""

    name = "finite float"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = click.FLOAT.convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number", param, ctx)
        return super().convert(number, param, ctx)


class OutFile(click.Path):
    """A file to write (its folder is created): not empty, not a folder, not under a file."""

    name = "file"
    hint = "give a file name"
    folder = False

    def __init__(self) -> None:
        super().__init__(file_okay=not self.folder, dir_okay=self.folder, path_type=Path)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, Path):
            return value
        why = self.problem(str(value))
        if why:
            self.fail(f"{str(value)!r} {why}; {self.hint}", param, ctx)
        return super().convert(value, param, ctx)

    def problem(self, text: str) -> str | None:
        """Why ``text`` cannot be this path, or None."""
        if not self.folder and text.endswith(("/", os.sep)):
            return "ends in a separator, so it names a folder"
        return _unusable(text)


class OutFolder(OutFile):
    """A results folder to create (or replace): a path whose last part names a folder, neither a file
    nor the working folder (or one holding it)."""

    name = "folder"
    hint = "give a folder name such as results/my-run"
    folder = True

    def problem(self, text: str) -> str | None:
        why = _unusable(text)
        if why is None and Path(text).exists() and not Path(text).is_dir():
            why = "is a file, not a folder"
        if why is None and _holds_working_folder(Path(text)):
            why = "is the working folder or holds it (replacing it would delete what you are working in)"
        return why


def _unusable(text: str) -> str | None:
    """Why ``text`` cannot name a new file or folder, or None."""
    if not text.strip():
        return "is empty"
    bad = first_forbidden(text)
    if bad is not None:
        return f"holds {describe(bad)}, which a terminal would act on"
    path = Path(text)
    if path.name in ("", ".", ".."):
        return "names no file or folder of its own (it ends in '/', '.' or '..')"
    for parent in path.parents:
        if parent.exists() and not parent.is_dir():
            return f"is inside {str(parent)!r}, which is a file"
    return None


def _holds_working_folder(path: Path) -> bool:
    try:
        here, there = Path.cwd().resolve(), path.resolve()
    except OSError:
        return False
    return there == here or there in here.parents
