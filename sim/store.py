"""The results folder: the only code that reads and writes it.

A run writes into ``DIR.partial/`` and renames it to ``DIR`` only when every
file is written, so a killed run never leaves a folder that looks complete.
Each replication's tables are written as parquet parts the moment the
replication finishes (memory does not grow with replications); the parts
stay in ``DIR.partial/parts`` until ``DIR`` is in place, so ``--resume`` can
skip them after a failure at any point.  Who may write or replace a folder
(one writer, ``DIR.lock``; only ihsim's folders) is :mod:`sim.folders`.

Layout of a finished folder::

    manifest.json  events.parquet  cases.parquet  resources.parquet
    waits.parquet  occupancy.parquet  replications.csv  summary.csv  unserved.csv
    [sequential.json]  results.xlsx  figures/*.png[|svg]  report.html
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, nullcontext
from itertools import takewhile
from pathlib import Path
from typing import Any, Protocol

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from sim import __version__, folders
from sim.errors import InputError, first_line
from sim.folders import RUN_KEY, FolderError, suffixed

TABLES = ("events", "cases", "resources", "unserved", "shares", "values", "waits", "occupancy", "kpis")
"""Per-replication parts; ``kpis`` become ``replications.csv``, ``unserved`` becomes
``unserved.csv`` (requests still waiting at the horizon), ``shares`` and ``values`` (the per-case values
of the KPIs that are means over cases) go into ``summary.csv``, the rest (:data:`COMBINED`) parquet
files."""
COMBINED = ("events", "cases", "resources", "waits", "occupancy")
"""Parts combined into one parquet file each: ``waits`` and ``occupancy`` are what the report derives
from the event log, computed replication by replication where the replications run."""
COMPRESSION = "zstd"
WORKBOOK = "results.xlsx"
"""The Excel workbook of every folder kind (run, compare, sweep): :mod:`sim.report.workbook` builds it."""


class Saveable(Protocol):
    """A document that saves itself to a path (an ``openpyxl.Workbook``)."""

    def save(self, filename: str) -> None: ...


class ResultsExistError(FolderError):
    """The output folder (or an interrupted run's ``.partial``) exists and neither ``force`` nor ``resume``
    was given."""


class ResumeMismatchError(ResultsExistError):
    """``--resume`` found the parts of a different run (scenario, seed or version)."""


def study_key(kind: str, runs: list[list[str]] | None = None, seed: int | None = None,
              replications: int | None = None, precision: float | None = None) -> dict[str, Any]:
    """What fills a study's ``.partial`` (``kind``: compare, sweep, target, sensitivity, baseline).

    With ``runs`` (each scenario run's ``[name, folder, scenario sha256]``, in the order run), ``seed``,
    ``replications`` and ``precision`` (the relative CI half-width each run's ``summary.csv`` is checked
    against), the study can be resumed: ``--resume`` reuses its finished runs, and the finished
    replications of the run it stopped in, only when every one of these and the version are the same.
    Without them (``target``, whose runs depend on what the earlier ones found) it cannot.
    """
    key: dict[str, Any] = {"kind": kind, "ihsim_version": __version__}
    if runs is not None:
        key.update(runs=runs, seed=seed, replications=replications, precision=precision)
    return key


def key_differences(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """What of ``new`` (a run's or a study's key, or a manifest's part of one) ``old`` differs in, in words:
    ``seed (11, now 12)``, ``runs (run 2 was A, now B)``; [] when nothing differs."""
    return [_difference(k, old.get(k), v) for k, v in new.items() if old.get(k) != v]


def _difference(name: str, was: Any, now: Any) -> str:
    if name == "runs" and isinstance(was, list) and isinstance(now, list):
        return f"runs ({_changed_run(was, now)})"
    if was is None or name == "scenario_sha256":  # nothing to show: absent, or a hash that says nothing to a reader
        return name
    return f"{name} ({was}, now {now})"


def _changed_run(was: list[Any], now: list[Any]) -> str:
    """The first scenario run that differs between two studies' keys (each run ``[name, folder, sha256]``)."""
    for i, (a, b) in enumerate(zip(was, now, strict=False), 1):
        if a != b:
            if isinstance(a, list) and a[:2] == b[:2]:
                return f"the scenario of run {i}, {b[0]}, changed"
            return f"run {i} was {a[0] if isinstance(a, list) and a else a}, now {b[0]}"
    return f"{len(was)} scenario runs, now {len(now)}"


def resumable(key: dict[str, Any]) -> bool:
    """Whether the work a ``.partial``'s key describes can be continued with ``--resume``: a run's always
    (it has no ``kind``), a study's when it lists its runs (:func:`study_key`)."""
    return "kind" not in key or "runs" in key


def partial_dir(out: Path) -> Path:
    return suffixed(Path(out), ".partial")


@contextmanager
def results_folder(out: Path, *, force: bool = False, resume: bool = False, key: dict[str, Any] | None = None,
                   lock: bool = True, then: Callable[[], object] | None = None) -> Iterator[Path]:
    """Yield the temporary folder ``out.partial`` to fill; rename it to ``out`` when the block succeeds.

    ``key`` says what fills it (:func:`claim_parts`: a run's scenario hash, seed and version; a study's
    ``kind``).  ``lock`` holds ``out.lock`` throughout (off only for a study's runs, inside the study's
    locked folder).  ``then`` runs once the folder is in place, before the folder it replaced is deleted;
    if it fails, the old folder is put back.  Nothing is deleted that ihsim did not write, and every
    finished replication stays in ``out.partial/parts`` until ``out`` is complete: on an interruption or
    an OSError the ``.partial`` is kept for ``--resume`` (and only removed when it holds nothing finished).
    """
    out = Path(out)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise folders.FolderError(f"cannot write {out}: {folders.system_reason(exc)}") from None
    with folders.locked(out) if lock else nullcontext():
        tmp = _open_partial(out, force=force, resume=resume, key=key)
        try:
            yield tmp
            old = folders.swap_in(tmp, out)
            try:
                if then is not None:
                    then()
            except BaseException:
                folders.swap_back(tmp, out, old)
                raise
        except (KeyboardInterrupt, OSError, folders.WriteFailedError) as exc:
            left = _leave_partial(out)
            if isinstance(exc, KeyboardInterrupt):
                raise folders.Interrupted(f"interrupted: {left}") from None
            reason = exc.reason if isinstance(exc, folders.WriteFailedError) else folders.system_reason(exc)
            raise folders.WriteFailedError(f"could not write {out}: {reason}; {left}", reason) from None
        except BaseException:
            _leave_partial(out)
            raise
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        remove_parts(out)


def _open_partial(out: Path, *, force: bool, resume: bool, key: dict[str, Any] | None) -> Path:
    """Check ``out`` may be written as asked, discard what ``force`` replaces, and claim ``out.partial``."""
    tmp = partial_dir(out)
    for folder in (out, tmp):
        folders.check_ours(folder)
    if out.exists() and not (force or (resume and tmp.exists())):
        raise ResultsExistError(f"{out} exists and is complete; use --force to replace it"
                                + (" (--resume continues only an interrupted run)" if resume else ""))
    if tmp.exists() and not (resume or force):
        raise ResultsExistError(f"{tmp} holds {_interrupted_work(tmp)}; {_how_to_continue(tmp)}")
    if tmp.exists() and not resume:
        folders.discard(tmp)
    fresh = not tmp.exists()
    try:
        tmp.mkdir(parents=True, exist_ok=True)
        claim_parts(tmp, key or {"kind": "folder", "ihsim_version": __version__}, resume=resume)
    except OSError as exc:
        if fresh:
            shutil.rmtree(tmp, ignore_errors=True)
        raise folders.FolderError(f"cannot write {tmp}: {folders.system_reason(exc)}") from None
    return tmp


def _interrupted_work(tmp: Path) -> str:
    kept = finished_work(tmp)
    if kept is None:
        return "what an interrupted command left"
    if finished_replications(tmp):
        return f"{kept} of an interrupted run"
    return f"what an interrupted study finished ({kept})"


def _how_to_continue(tmp: Path) -> str:
    key_file = tmp / "parts" / RUN_KEY
    if key_file.is_file() and not resumable(_read_key(key_file)):
        return "use --force to discard it"
    return "use --resume to continue it or --force to discard it"


def _plural(count: int, noun: str) -> str:
    return f"{count:,} {noun}{'s' if count != 1 else ''}"


def finished_work(tmp: Path) -> str | None:
    """What an interrupted ``.partial`` keeps that ``--resume`` would reuse, in words (None: nothing).

    A run's: its finished replications.  A resumable study's (:func:`study_key`): its finished scenario
    runs (folders with a manifest, at any depth) and the finished replications of its unfinished runs
    (their own ``.partial`` folders).  A study that cannot be resumed keeps nothing worth keeping.
    """
    tmp = Path(tmp)
    done = len(finished_replications(tmp))
    if done:
        return _plural(done, "finished replication")
    key_file = tmp / "parts" / RUN_KEY
    if not (key_file.is_file() and "runs" in _read_key(key_file)):
        return None
    unfinished = [sub for sub in tmp.rglob("*.partial") if sub.is_dir()]  # runs may sit a level down
    manifests = tmp.rglob("manifest.json")  # a run's own .partial may hold one before it is renamed
    runs = sum(not any(p.endswith(".partial") for p in m.relative_to(tmp).parts) for m in manifests)
    reps = sum(len(finished_replications(sub)) for sub in unfinished)
    words = ([_plural(runs, "finished scenario run")] if runs else []) + \
        ([_plural(reps, "finished replication") + " of an unfinished one"] if reps else [])
    return " and ".join(words) or None


def _read_key(path: Path) -> dict[str, Any]:
    try:
        key = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return {}
    return key if isinstance(key, dict) else {}


def _leave_partial(out: Path) -> str:
    """After a failure: keep ``out.partial`` if it holds finished work (:func:`finished_work`), else remove
    it; says which."""
    tmp = partial_dir(out)
    kept = finished_work(tmp)
    if kept:
        return f"{tmp} keeps {kept}; run again with --resume to finish"
    shutil.rmtree(tmp, ignore_errors=True)
    return f"nothing was written to {out}"


def _part_path(folder: Path, table: str, replication: int) -> Path:
    return folder / "parts" / table / f"rep-{replication:07d}.parquet"


def write_part(folder: Path, table: str, replication: int, df: pd.DataFrame) -> None:
    """Write one replication's table atomically (temporary name, then rename)."""
    path = _part_path(Path(folder), table, replication)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    df.to_parquet(tmp, index=False, compression=COMPRESSION)
    tmp.replace(path)


def write_replication(folder: Path, replication: int, tables: dict[str, pd.DataFrame]) -> None:
    """All parts of one replication; ``kpis`` is written last so its presence means 'done'."""
    for name in TABLES:
        if name != "kpis":
            write_part(folder, name, replication, tables[name])
    write_part(folder, "kpis", replication, tables["kpis"])


def claim_parts(folder: Path, key: dict[str, Any], *, resume: bool) -> set[int]:
    """Record which run fills ``folder``; with ``resume``, check the parts there are from the same run.

    ``key`` names the run (scenario hash, seed, version): replications are
    reused only if they came from an identical one, otherwise they would mix
    two models' outputs.  Returns the replications already finished.
    """
    path = Path(folder) / "parts" / RUN_KEY
    done = finished_replications(folder) if resume else set()
    if resume and path.exists():
        old = _read_key(path)
        if not old:
            raise ResumeMismatchError(f"cannot resume {folder}: {path} is damaged, so which run made its work is "
                                      "not known; run with --force instead of --resume to start again")
        changed = key_differences(old, key)
        if changed:
            raise ResumeMismatchError(f"cannot resume {folder}: its replications were made with another "
                                      f"{', '.join(changed)}; run with --force instead of --resume to start again")
        return done
    if done:
        raise ResumeMismatchError(f"cannot resume {folder}: it does not say which run made its replications; "
                                  "run with --force instead of --resume to start again")
    path.parent.mkdir(parents=True, exist_ok=True)
    folders.replace_file(path, json.dumps(key, sort_keys=True) + "\n")
    return done


def finished_replications(folder: Path) -> set[int]:
    """Replications whose parts are all on disk."""
    kpi_dir = Path(folder) / "parts" / "kpis"
    if not kpi_dir.exists():
        return set()
    return {int(p.stem.split("-")[1]) for p in kpi_dir.glob("rep-*.parquet")}


def _part_files(folder: Path, table: str, replications: list[int]) -> list[Path]:
    return [_part_path(folder, table, r) for r in sorted(replications)]


def combine_parts(folder: Path, table: str, replications: list[int]) -> Path:
    """Stream the parts of ``table`` into one parquet file, one part in memory at a time."""
    files = _part_files(Path(folder), table, replications)
    schema = pa.unify_schemas([pq.read_schema(f) for f in files], promote_options="permissive")
    schema = schema.remove_metadata()
    out = Path(folder) / f"{table}.parquet"
    tmp = out.with_name(out.name + ".tmp")
    with pq.ParquetWriter(tmp, schema, compression=COMPRESSION) as writer:
        for f in files:
            writer.write_table(pq.read_table(f).cast(schema))
    tmp.replace(out)
    return out


class PartsCombiner:
    """Combine the parts of :data:`COMBINED` into the folder's parquet files while replications still run.

    :meth:`add` is told which replications have finished; each is appended, in replication order, as
    soon as every earlier one is, one part in memory at a time.  The file has the schema of the first
    part; a table whose later part would change it (a column empty in the first replication, say) is
    combined again from all its parts by :func:`combine_parts` in :meth:`finish`, so the files are the
    same as :func:`combine_parts` writes either way.  Use it as a context manager: files left
    unfinished are closed (and never put in place) on the way out.
    """

    def __init__(self, folder: Path, tables: tuple[str, ...] = COMBINED) -> None:
        self.folder, self.tables = Path(folder), tables
        self.next = 0
        self.finished: set[int] = set()
        self.writers: dict[str, pq.ParquetWriter] = {}
        self.redo: set[str] = set()

    def __enter__(self) -> PartsCombiner:
        return self

    def __exit__(self, *exc: object) -> None:
        for writer in self.writers.values():
            writer.close()
        self.writers.clear()

    def add(self, replications: Iterable[int]) -> None:
        """Note ``replications`` as finished (their parts are all written) and append what can be."""
        self.finished.update(replications)
        while self.next in self.finished and self._visible(self.next):
            for table in self.tables:
                self._append(table, self.next)
            self.next += 1

    def _visible(self, replication: int) -> bool:
        """Whether this process sees the replication's parts (a worker elsewhere may write them where it
        cannot: then they are left to :meth:`finish`, after the run has checked them)."""
        return all(_part_path(self.folder, t, replication).is_file() for t in self.tables)

    def _tmp(self, table: str) -> Path:
        return self.folder / f"{table}.parquet.tmp"

    def _append(self, table: str, replication: int) -> None:
        if table in self.redo:
            return
        path = _part_path(self.folder, table, replication)
        part = pq.read_table(path)
        writer = self.writers.get(table)
        if writer is None:
            writer = self.writers[table] = pq.ParquetWriter(self._tmp(table), part.schema.remove_metadata(),
                                                            compression=COMPRESSION)
        if pa.unify_schemas([writer.schema, part.schema], promote_options="permissive") != writer.schema:
            self.redo.add(table)  # combined again from every part at the end
            self.writers.pop(table).close()
            return
        writer.write_table(part.cast(writer.schema))

    def finish(self, n: int) -> None:
        """Append the rest of replications ``0..n-1`` (all finished by now) and put every file in place."""
        if self.next > n:  # more were appended than the run kept
            self.redo.update(self.tables)
        self.add(range(n))
        for table in self.tables:
            writer = self.writers.pop(table, None)
            if writer is None or table in self.redo:
                if writer is not None:
                    writer.close()
                combine_parts(self.folder, table, list(range(n)))
                continue
            writer.close()
            self._tmp(table).replace(self.folder / f"{table}.parquet")


def read_parts(folder: Path, table: str, replications: list[int]) -> pd.DataFrame:
    """The parts of a small per-replication table (``unserved``), in replication order."""
    frames = [pd.read_parquet(f) for f in _part_files(Path(folder), table, replications)]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()


def read_kpis(folder: Path, replications: list[int]) -> pd.DataFrame:
    """The per-replication KPI rows, in replication order."""
    frames = [pd.read_parquet(f) for f in _part_files(Path(folder), "kpis", replications)]
    return pd.concat(frames, ignore_index=True).sort_values("replication", ignore_index=True)


def remove_parts(folder: Path) -> None:
    shutil.rmtree(Path(folder) / "parts", ignore_errors=True)


def write_csv(folder: Path, name: str, df: pd.DataFrame) -> Path:
    """Write ``df`` as ``folder/name`` (a temporary file, then renamed: never half a table)."""
    return write_text(folder, name, df.to_csv(index=False, float_format="%.10g"))


def write_text(folder: Path, name: str, text: str) -> Path:
    """Write ``text`` as ``folder/name`` atomically (a temporary file beside it, then renamed)."""
    path = Path(folder) / name
    folders.replace_file(path, text)
    return path


def write_bytes(folder: Path, name: str, data: bytes) -> Path:
    """Write ``data`` as ``folder/name`` atomically (a temporary file beside it, then renamed)."""
    path = Path(folder) / name
    folders.replace_file(path, data)
    return path


def write_json(folder: Path, name: str, data: dict[str, Any]) -> Path:
    return write_text(folder, name, json.dumps(data, indent=2, sort_keys=False, default=str) + "\n")


def write_workbook(folder: Path, book: Saveable, name: str = WORKBOOK) -> Path:
    """Save ``book`` as ``folder/name`` atomically: to a temporary name beside it, then renamed.

    A run killed while saving leaves at most the temporary file, which the
    next save overwrites; ``name`` never holds half a workbook.
    """
    path = Path(folder) / name
    tmp = path.with_name(path.name + ".tmp")
    book.save(str(tmp))
    tmp.replace(path)
    return path


def has_table(folder: Path, name: str) -> bool:
    """Whether the folder holds the table ``name`` (as parquet or CSV; see :func:`read_table`)."""
    folder = Path(folder)
    return (folder / f"{name}.parquet").is_file() or (folder / f"{name}.csv").is_file()


def read_json(folder: Path, name: str = "manifest.json") -> dict[str, Any]:
    """A JSON object of a results folder; :class:`~sim.errors.InputError` naming the file when it is not
    one (and, for ``manifest.json``, when it lacks what a results folder's manifest holds)."""
    path = Path(folder) / name
    with reading(path):
        data = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(data, dict):
        raise InputError(f"{path}: not a JSON object (a {type(data).__name__}); the file is damaged")
    if name == "manifest.json":
        check_manifest(data, path)
    if name == "comparison.json":
        check_comparison(data, path)
    return data


MANIFEST_SHAPE = {"scenario": (dict, "object"), "replications": (int, "whole number"), "seed": (int, "whole number")}
"""Keys every manifest holds, with their JSON types (the readers of a folder rely on them)."""


def check_manifest(data: dict[str, Any], path: Path) -> None:
    """:class:`~sim.errors.InputError` naming ``path`` and the key unless ``data`` has the manifest's shape."""
    for key, (kind, name) in MANIFEST_SHAPE.items():
        if not isinstance(data.get(key), kind) or isinstance(data.get(key), bool):
            raise InputError(f"{path} [{key}]: missing or not a JSON {name}; not a manifest written by "
                             "ihsim (rerun to rebuild the folder)")
    for key in ("run", "urgency", "hospitals"):
        if not isinstance(data["scenario"].get(key), dict):
            raise InputError(f"{path} [scenario.{key}]: missing or not a JSON object; not a manifest written by ihsim")
    horizon = data["scenario"]["run"].get("horizon_days")
    if isinstance(horizon, bool) or not isinstance(horizon, int | float) or not 0 < horizon < float("inf"):
        raise InputError(f"{path} [scenario.run.horizon_days]: not a number of days; not a manifest written by ihsim")


def check_comparison(data: dict[str, Any], path: Path) -> None:
    """:class:`~sim.errors.InputError` naming ``path`` and the key unless ``data`` has the shape of a
    comparison record: its scenarios, each with a name and a subfolder of the comparison folder."""
    scenarios = data.get("scenarios")
    if not isinstance(scenarios, list) or not scenarios:
        raise InputError(f"{path} [scenarios]: missing or not a list; not a comparison written by ihsim")
    for i, item in enumerate(scenarios):
        folder = item.get("folder") if isinstance(item, dict) else None
        if not (isinstance(item, dict) and isinstance(item.get("name"), str) and isinstance(folder, str)
                and folder not in ("", ".", "..") and "/" not in folder and "\\" not in folder):
            raise InputError(f"{path} [scenarios.{i}]: not a scenario's name and subfolder; not a comparison "
                             "written by ihsim")


@contextmanager
def reading(path: Path) -> Iterator[None]:
    """Turn a file that cannot be parsed (damaged parquet, malformed CSV or JSON, not UTF-8) into
    :class:`~sim.errors.InputError` naming it.  A missing or unreadable file stays an ``OSError``."""
    from pandas.errors import EmptyDataError, ParserError

    try:
        yield
    except pa.ArrowException as exc:
        raise InputError(f"{path}: not a readable parquet table ({first_line(exc)})") from None
    except EmptyDataError:
        raise InputError(f"{path}: empty file, no table in it") from None
    except (ParserError, json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: malformed ({first_line(exc)})") from None



def read_table(folder: Path, name: str, columns: list[str] | None = None,
               replication: int | None = None) -> pd.DataFrame:
    """A table of a results folder: parquet (events, cases, resources) or CSV (replications, summary).

    ``replication`` keeps one replication's rows of a parquet table, reading only the row groups
    that can hold it (each replication's part is its own row groups).
    """
    folder = Path(folder)
    path = folder / f"{name}.parquet"
    if not path.exists():
        path = folder / f"{name}.csv"
        with reading(path):
            return pd.read_csv(path, usecols=columns)
    only = None if replication is None else [("replication", "==", replication)]
    with reading(path):
        return pd.read_parquet(path, columns=columns, filters=only)


def iter_table(folder: Path, name: str, columns: list[str] | None) -> Iterator[pd.DataFrame]:
    """A parquet table of a results folder, one row group at a time (a replication's part is one or more);
    ``columns=None`` reads every column."""
    path = Path(folder) / f"{name}.parquet"
    with reading(path):
        parquet = pq.ParquetFile(path)
    for group in range(parquet.num_row_groups):
        with reading(path):
            frame = parquet.read_row_group(group, columns=columns).to_pandas()
        yield frame


def read_replications(folder: Path, name: str, first: int, columns: list[str] | None = None) -> pd.DataFrame:
    """Rows of the first ``first`` replications of a parquet table (only their row groups are read, and
    converted to pandas column by column, so the memory taken is little more than the table's)."""
    path = Path(folder) / f"{name}.parquet"
    with reading(path):
        parquet = pq.ParquetFile(path)
        groups = _groups_before(parquet, first)
        if groups is None:  # no statistics to choose row groups by
            return pd.read_parquet(path, columns=columns, filters=[("replication", "<", first)])
        table = parquet.read_row_groups(groups, columns=columns)
    return table.to_pandas(self_destruct=True, split_blocks=True)


def _groups_before(parquet: pq.ParquetFile, first: int) -> list[int] | None:
    """The row groups whose ``replication`` is below ``first`` (a replication's part never shares a row group
    with another's), or ``None`` where a row group has no statistics to tell."""
    meta = parquet.metadata
    column = parquet.schema_arrow.get_field_index("replication")
    groups = []
    for i in range(meta.num_row_groups):
        stats = meta.row_group(i).column(column).statistics if column >= 0 else None
        if stats is None or not stats.has_min_max:
            return None
        if stats.min < first:
            groups.append(i)
    return groups


def table_columns(folder: Path, name: str) -> list[str]:
    """The column names of a parquet table of a results folder (its footer only is read)."""
    path = Path(folder) / f"{name}.parquet"
    with reading(path):
        return list(pq.read_schema(path).names)


def read_rows(folder: Path, name: str, keys: list[tuple[int, int]]) -> pd.DataFrame:
    """The rows of a parquet table with these ``(replication, case_id)`` (only their row groups are read)."""
    path = Path(folder) / f"{name}.parquet"
    wanted = [[("replication", "==", r), ("case_id", "==", c)] for r, c in keys]
    with reading(path):
        return pd.read_parquet(path, filters=wanted)


def by_replication(groups: Iterator[pd.DataFrame]) -> Iterator[pd.DataFrame]:
    """Row groups (of :func:`iter_table`) joined into one table per replication (a replication's part is
    one or more row groups, written in replication order)."""
    pending: list[pd.DataFrame] = []
    for group in groups:
        if pending and group["replication"].iloc[0] != pending[0]["replication"].iloc[0]:
            yield pd.concat(pending, ignore_index=True)
            pending = []
        if len(group):
            pending.append(group)
    if pending:
        yield pd.concat(pending, ignore_index=True)


def iter_replications(folder: Path, name: str, first: int, columns: list[str] | None = None
                      ) -> Iterator[pd.DataFrame]:
    """A parquet table of a results folder one replication at a time, for replications ``0..first-1``
    (reading stops at the first row group of a later one)."""
    if columns is not None and "replication" not in columns:
        columns = ["replication", *columns]
    groups = takewhile(lambda g: not len(g) or g["replication"].iloc[0] < first, iter_table(folder, name, columns))
    yield from by_replication(groups)


def copy_files(src: Path, dst: Path, names: list[str]) -> None:
    """Copy the named files of folder ``src`` into folder ``dst`` (both exist)."""
    for name in names:
        shutil.copy2(Path(src) / name, Path(dst) / name)


def append_csv_row(path: Path, row: dict[str, Any]) -> Path:
    """Append one row to a CSV file, writing the header when the file is new (or empty)."""
    path = Path(path)
    new = not path.exists() or path.stat().st_size == 0
    pd.DataFrame([row]).to_csv(path, mode="a", header=new, index=False)
    return path


def check_appendable(path: Path) -> None:
    """Raise OSError unless rows can be appended to ``path`` (a new file is created and removed again)."""
    path = Path(path)
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a", encoding="utf-8"):
        pass
    if new:
        path.unlink()


def is_results_folder(folder: Path) -> bool:
    return (Path(folder) / "manifest.json").is_file()


def is_comparison_folder(folder: Path) -> bool:
    """A folder written by ``ihsim compare`` or ``ihsim sweep`` (it holds ``comparison.json``)."""
    return (Path(folder) / "comparison.json").is_file()


def is_sensitivity_folder(folder: Path) -> bool:
    """A folder written by ``ihsim sensitivity`` (it holds ``sensitivity.json``)."""
    return (Path(folder) / "sensitivity.json").is_file()
