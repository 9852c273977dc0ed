"""How ihsim takes, checks and replaces an output folder: part of the results store (:mod:`sim.store`).

Three rules keep results from being lost or mixed:

- **One writer.** A command that writes a folder ``X`` holds the lock
  ``X.lock`` beside it (``filelock``, an OS lock the system drops if the
  process dies) for the whole write, which covers ``X.partial`` and the
  rename too.  A second writer is refused at once, never kept waiting.  The
  lock file itself stays (waiters must share one file); it holds nothing.
- **Only ihsim's folders are replaced.** ``--force`` deletes or replaces a
  folder only if ihsim wrote it (:func:`written_by_ihsim`); anything else
  is refused, named, and left as it is.
- **The old folder goes last.** A folder is replaced by renaming the old one
  aside, renaming the new one in, and deleting the old one only once the new
  one (and whatever must be written with it) is in place; on a failure the
  old one is put back.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

RUN_KEY = "run-key.json"
"""In ``parts/`` of a ``.partial`` folder: what made it (for a run: scenario hash, seed, version)."""
MARKERS = {"manifest.json": "ihsim_version", "comparison.json": "ihsim_version",
           "sensitivity.json": "ihsim_version", "target.json": "goal"}
"""A file that says ihsim wrote a complete folder, and the key its JSON object holds."""


class FolderError(Exception):
    """The output folder cannot be written as asked (bad input: exit 2); nothing was changed."""


class FolderBusyError(FolderError):
    """Another ihsim command holds the folder's lock."""


class NotOursError(FolderError):
    """The folder to delete or replace was not written by ihsim."""


class WriteFailedError(Exception):
    """Writing the folder failed part way (a full disk, a lost mount: exit 1); ``reason`` is the system's word."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class Interrupted(KeyboardInterrupt):
    """Ctrl-C while a folder was written; the message says what was kept."""


def safe_name(name: str) -> str:
    """A file or folder name made from a scenario or KPI name (letters, digits and ``_ . + -`` kept)."""
    return re.sub(r"[^A-Za-z0-9_.+-]+", "_", name).strip("._") or "scenario"


def suffixed(folder: Path, suffix: str) -> Path:
    """``folder`` with ``suffix`` added to its name: ``X`` -> ``X.partial``, ``X.lock``, ``X.old``."""
    return folder.with_name(folder.name + suffix)


@contextmanager
def locked(target: Path) -> Iterator[None]:
    """Hold ``target.lock`` (``target`` is a folder or a file) while the block runs; refuse at once if held."""
    path = suffixed(Path(target), ".lock")
    try:
        lock = FileLock(str(path), timeout=0)
        lock.acquire()
    except Timeout:
        raise FolderBusyError(f"{target} is being written by another ihsim command (it holds {path}); "
                              "wait for it to finish or choose another output") from None
    except OSError as exc:
        raise FolderError(f"cannot write {target}: {exc.strerror or exc}") from None
    try:
        yield
    finally:
        lock.release()


def _json_has(path: Path, key: str) -> bool:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return False
    return isinstance(data, dict) and key in data


def written_by_ihsim(folder: Path) -> bool:
    """Whether ``folder`` is one ihsim wrote: a complete folder (its :data:`MARKERS`) or ihsim's own
    ``.partial`` (``parts/run-key.json``)."""
    folder = Path(folder)
    if not folder.is_dir() or folder.is_symlink():
        return False
    if folder.name.endswith(".partial") and (folder / "parts" / RUN_KEY).is_file():
        return True
    return any(_json_has(folder / name, key) for name, key in MARKERS.items())


def why_not_ours(folder: Path) -> str:
    """Why ihsim will not delete or replace ``folder`` (for a message)."""
    if Path(folder).is_symlink():
        return "it is a symbolic link"
    if not Path(folder).is_dir():
        return "it is a file, not a folder ihsim wrote"
    return "ihsim did not write it (no manifest.json, comparison.json or sensitivity.json of ihsim)"


def _empty_folder(folder: Path) -> bool:
    return folder.is_dir() and not folder.is_symlink() and not any(folder.iterdir())


def check_ours(folder: Path, what: str = "replace") -> None:
    """Raise :class:`NotOursError` if ``folder`` exists and ihsim may not ``what`` it (one ihsim wrote, or an
    empty folder, which holds nothing to lose)."""
    if (folder.exists() or folder.is_symlink()) and not (written_by_ihsim(folder) or _empty_folder(folder)):
        raise NotOursError(f"will not {what} {folder}: {why_not_ours(folder)}; move it away or choose another output")


def check_file_ours(path: Path, mark: str) -> None:
    """Raise :class:`NotOursError` if ``path`` exists and is not a file ihsim wrote (one that holds ``mark``)."""
    if not (path.exists() or path.is_symlink()):
        return
    try:
        ours = path.is_file() and not path.is_symlink() and mark in path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        ours = False
    if not ours:
        raise NotOursError(f"will not replace {path}: ihsim did not write it (it lacks {mark!r}); "
                           "move it away or choose another --out")


def discard(folder: Path) -> None:
    """Delete a folder ihsim wrote (checked again here, so no caller can delete anything else)."""
    check_ours(folder, "delete")
    if folder.exists():
        shutil.rmtree(folder)


def aside_name(out: Path) -> Path:
    """A free name beside ``out`` to move it to while its replacement goes in: ``out.old``, ``out.old-2``, ...
    (an existing one, perhaps a copy the user made, is never reused)."""
    old, k = suffixed(out, ".old"), 1
    while old.exists() or old.is_symlink():
        k += 1
        old = suffixed(out, f".old-{k}")
    return old


def swap_in(new: Path, out: Path) -> Path | None:
    """Rename ``new`` to ``out``, moving the folder ``out`` (if any) aside first; returns where it went
    (or None).  On a failure the old folder is back in place and ``new`` is untouched."""
    if not out.exists():
        new.replace(out)
        return None
    old = aside_name(out)
    out.replace(old)
    try:
        new.replace(out)
    except BaseException:
        old.replace(out)
        raise
    return old


def swap_back(new: Path, out: Path, old: Path | None) -> None:
    """Undo :func:`swap_in`: ``out`` back to ``new``, ``out.old`` back to ``out``."""
    out.replace(new)
    if old is not None:
        old.replace(out)


def system_reason(exc: OSError) -> str:
    """An OSError in one line: what the system said and the file it concerns."""
    where = f": {exc.filename}" if exc.filename else ""
    return f"{exc.strerror or exc}{where}"


def replace_file(path: Path, content: str | bytes) -> None:
    """Write ``content`` (text as UTF-8) to ``path`` atomically: a temporary file beside it, then renamed."""
    tmp = suffixed(path, f".{os.getpid()}.tmp")
    try:
        tmp.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        tmp.replace(path)
    finally:
        tmp.unlink(missing_ok=True)
