"""The results workbook: one ``results.xlsx`` in every folder, for any spreadsheet in any locale.

A CSV file keeps ``.`` as its decimal mark, so a spreadsheet set to a
decimal-comma locale (Vietnamese, most of Europe) reads it as text in one
column.  The workbook holds the same tables as real numeric cells with
number formats set, so it opens correctly everywhere.  Units are in the
headers (``mean (min)``), or in a ``unit`` column where a column holds
several (``summary.csv`` mixes minutes, percentages and counts).

The building blocks are generic, so any folder kind adds sheets:

- :class:`Sheet`: a table and a number format per column (one for every row,
  or one per row), or a one-line note;
- :func:`table_sheet`: any table with the columns of ``summary.csv`` or
  ``differences.csv`` (``kpi``, ``unit``, ``mean``, ``p_value``, ...), formats
  and units in headers taken from its column names;
- :func:`about_sheet`: field and value pairs; :func:`note_sheet`: one line;
- :func:`save`: the sheets into ``results.xlsx`` through :mod:`sim.store`.

A run folder's sheets come from :mod:`sim.report.run_workbook`; a comparison
or sweep folder's from :func:`write_study_workbook`, which adds a sheet for
every table of :data:`STUDY_TABLES` the folder holds (a sensitivity folder
passes ``extra=[("sensitivity", "Sensitivity")]``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

from sim import store
from sim.analysis.labels import kpi_label

GENERAL = "General"
UNIT_FORMATS = {"min": "0.0", "%": "0.0", "fraction": "0.000", "count": "0.00", "h": "0.0", "d": "0.0",
                "cost": "#,##0"}
"""Number format of a value by its KPI's unit (``count`` KPIs are means per replication); others ``General``."""
COLUMN_UNITS = {
    "n": ("replications", "0"), "n_pairs": ("replications", "0"), "replications_needed": ("replications", "0"),
    "successes": ("cases", "0"), "trials": ("cases", "0"), "replication": ("", "0"),
    "rel_half_width": ("fraction", "0.000"), "diff_pct": ("%", "0.0"), "correlation": ("", "0.000"),
    "p_value": ("probability", "0.0000"), "p_holm": ("probability", "0.0000"),
}
"""Columns whose unit is the same on every row: ``(unit in the header, number format)``."""
ROW_UNIT_COLUMNS = frozenset({
    "mean", "sd", "ci_low", "ci_high", "half_width", "p10", "p50", "p90", "p50_low", "p50_high", "p90_low",
    "p90_high", "per_case", "per_case_low", "per_case_high", "baseline_mean", "diff_mean", "diff_ci_low",
    "diff_ci_high", "unpaired_ci_low", "unpaired_ci_high", "paired_half_width", "unpaired_half_width",
})
"""Columns in the unit of their row's KPI (the ``unit`` column)."""
STUDY_TABLES = (("differences", "Differences"), ("summaries", "Summaries"), ("sweep", "Sweep"))
"""``(table, sheet)``: the tables of a comparison or sweep folder that become sheets, where present."""
WIDTH_MIN, WIDTH_MAX, NUMBER_WIDTH = 8, 80, 12
"""Column widths, in characters."""
BOLD = Font(bold=True)


@dataclass(frozen=True)
class Sheet:
    """One worksheet: a table with a header row, or (``note``) a single line of text.

    ``formats`` maps a column of ``table`` to its number format: one string
    for every row, or a Series (aligned with ``table``'s rows) of one per row;
    numeric columns not named are ``General``.  Sheet names are at most 31
    characters (Excel's limit).
    """

    name: str
    table: pd.DataFrame = field(default_factory=pd.DataFrame)
    formats: Mapping[str, str | pd.Series] = field(default_factory=dict)
    note: str = ""


def unit_text(unit: Any, currency: str | None = None) -> str:
    """How a unit reads in a header: ``cost`` as the scenario's currency where it has one."""
    text = "" if pd.isna(unit) else str(unit)
    return (currency or text) if text == "cost" else text


def header(column: str, unit: str) -> str:
    """``"mean (min)"``; the bare column name without a unit."""
    return f"{column} ({unit})" if unit else column


def unit_format(unit: Any) -> str:
    """The number format of a value in ``unit`` (:data:`UNIT_FORMATS`, else ``General``)."""
    return UNIT_FORMATS.get(str(unit), GENERAL)


def with_labels(table: pd.DataFrame) -> pd.DataFrame:
    """The table with a ``label`` column (:func:`sim.analysis.labels.kpi_label`) after its ``kpi`` column."""
    if "kpi" not in table or "label" in table:
        return table
    out = table.copy()
    out.insert(out.columns.get_loc("kpi") + 1, "label", out["kpi"].astype(str).map(kpi_label))
    return out


def table_sheet(name: str, table: pd.DataFrame, currency: str | None = None) -> Sheet:
    """A sheet of a KPI-shaped table (``summary.csv``, ``differences.csv``, ``sweep.csv``, ...).

    Parameters
    ----------
    name : sheet name.
    table : one row per KPI (and scenario), any columns.  A ``unit`` column
        sets the format of the :data:`ROW_UNIT_COLUMNS` row by row; the
        :data:`COLUMN_UNITS` columns get theirs and their unit in the header.
        Where every row has the same unit, the value headers carry it and the
        ``unit`` column is dropped.  Other numeric columns are ``General``.
    currency : what ``cost`` reads as (``costs.currency`` of the scenario), if any.
    """
    table = with_labels(table).reset_index(drop=True)
    units = (table["unit"] if "unit" in table else pd.Series(np.nan, index=table.index)).astype(str)
    uniform = len(table) > 0 and "unit" in table and bool(units.eq(units.iloc[0]).all())
    headers: dict[str, str] = {}
    formats: dict[str, str | pd.Series] = {}
    for col in table.columns:
        if col in COLUMN_UNITS:
            unit, formats[col] = COLUMN_UNITS[col]
            headers[col] = header(col, unit)
        elif col in ROW_UNIT_COLUMNS and "unit" in table:
            formats[col] = units.map(unit_format)
            headers[col] = header(col, unit_text(units.iloc[0], currency)) if uniform else col
    if uniform:
        table = table.drop(columns="unit")
    elif "unit" in table:
        table = table.assign(unit=units.map(lambda u: unit_text(u, currency)))
    return Sheet(name, table.rename(columns=headers), {headers.get(c, c): f for c, f in formats.items()})


def about_sheet(pairs: Iterable[tuple[str, Any]], name: str = "About") -> Sheet:
    """A two-column sheet, ``field`` and ``value``; a list value is joined with ``"; "``."""
    rows = [(k, "; ".join(map(str, v)) if isinstance(v, list | tuple) else v) for k, v in pairs]
    return Sheet(name, pd.DataFrame(rows, columns=["field", "value"], dtype=object))


def note_sheet(name: str, text: str) -> Sheet:
    """A sheet that says one thing in one line (e.g. that a run has no rows of its kind)."""
    return Sheet(name, note=text)


def excel_value(value: Any) -> Any:
    """A cell value: numbers stay numbers (NaN becomes an empty cell; an infinity, which Excel cannot hold,
    the text ``inf``), text loses the control characters Excel refuses."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        number = float(value)
        return None if math.isnan(number) else number if math.isfinite(number) else str(number)
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:32767]


def make_cell(ws: WriteOnlyWorksheet, value: Any, number_format: str = GENERAL, bold: bool = False) -> WriteOnlyCell:
    """One cell; text is always text (a leading ``=`` is never read as a formula)."""
    cell = WriteOnlyCell(ws, value=excel_value(value))
    if isinstance(cell.value, str):
        cell.data_type = "s"
    elif cell.value is not None and number_format != GENERAL:
        cell.number_format = number_format
    if bold:
        cell.font = BOLD
    return cell


def column_width(name: str, values: pd.Series) -> float:
    """Characters wide: the header or the longest text among the first 500 values, within bounds."""
    sample = values.head(500)
    longest = NUMBER_WIDTH if pd.api.types.is_numeric_dtype(sample) else sample.astype(str).str.len().max()
    return float(min(max(len(name), int(0 if pd.isna(longest) else longest), WIDTH_MIN) + 2, WIDTH_MAX))


def write_sheet(ws: WriteOnlyWorksheet, sheet: Sheet) -> None:
    """Fill a write-only worksheet: widths, frozen header and autofilter first (write-only sheets need them
    before any row), then the header in bold and the rows."""
    if sheet.note:
        ws.column_dimensions["A"].width = min(len(sheet.note) + 2, WIDTH_MAX)
        ws.append([make_cell(ws, sheet.note)])
        return
    table, columns = sheet.table, [str(c) for c in sheet.table.columns]
    for i, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(i)].width = column_width(col, table.iloc[:, i - 1])
    ws.freeze_panes = "A2"
    if columns:
        ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{len(table) + 1}"
    ws.append([make_cell(ws, c, bold=True) for c in columns])
    formats = [f if isinstance(f, str) else list(f) for f in (sheet.formats.get(c, GENERAL) for c in columns)]
    for i, row in enumerate(table.itertuples(index=False, name=None)):
        ws.append([make_cell(ws, v, f if isinstance(f, str) else f[i]) for v, f in zip(row, formats, strict=True)])


def build_workbook(sheets: Sequence[Sheet]) -> Workbook:
    """A streaming (write-only) workbook of ``sheets``, in order; it can be saved once.

    Raises
    ------
    ValueError
        Two sheets share a name (Excel would rename one silently).
    """
    names = [s.name[:31] for s in sheets]
    if len(set(names)) != len(names):
        raise ValueError(f"sheet names repeat: {names}")
    book = Workbook(write_only=True)
    for sheet in sheets:
        write_sheet(book.create_sheet(sheet.name[:31]), sheet)
    return book


def save(folder: str | Path, sheets: Sequence[Sheet]) -> Path:
    """Write ``sheets`` as ``folder/results.xlsx`` (atomically, :func:`sim.store.write_workbook`).

    Parameters
    ----------
    folder : an existing folder (a run's temporary folder while it is written).
    sheets : the sheets, in order; names unique, at most 31 characters.

    Returns
    -------
    Path
        ``folder/results.xlsx``.

    Raises
    ------
    ValueError
        Two sheets share a name.
    """
    return store.write_workbook(Path(folder), build_workbook(sheets))


def study_about(record: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The About rows of a comparison or sweep (from ``comparison.json``): how it was run, then each
    scenario's folder, the inputs it changes against the baseline and its trade-off line (as ``comparison.txt``)."""
    rows: list[tuple[str, Any]] = [
        ("kind", record.get("kind")), ("baseline", record.get("baseline")), ("seed", record.get("seed")),
        ("replications", record.get("replications")), ("ihsim version", record.get("ihsim_version")),
        ("overrides", list(record.get("overrides") or []) or "(none)"),
    ]
    for item in record.get("scenarios") or []:
        rows.append((f"scenario {item['name']}", f"folder {item['folder']}"))
        rows.append((f"input changes of {item['name']}", list(item.get("input_changes") or []) or "(none)"))
        if item["name"] in (record.get("trade_offs") or {}):
            rows.append((f"trade-off of {item['name']}", record["trade_offs"][item["name"]]))
    rows.append(("how to read", "Differences are paired (common random numbers) against the baseline, the first "
                                "scenario: diff_mean = scenario - baseline, with a 95% t interval over paired "
                                "replications; p_holm is Holm-corrected over every KPI."))
    return rows


def study_currency(folder: Path, record: Mapping[str, Any]) -> str | None:
    """The baseline scenario's ``costs.currency`` (from its folder's manifest), if it has one."""
    scenarios = record.get("scenarios") or []
    sub = Path(folder) / scenarios[0]["folder"] if scenarios else None
    if sub is None or not store.is_results_folder(sub):
        return None
    return (store.read_json(sub).get("scenario", {}).get("costs") or {}).get("currency")


def write_study_workbook(folder: str | Path, extra: Sequence[tuple[str, str]] = ()) -> Path:
    """Write ``results.xlsx`` of a comparison or sweep folder: ``About`` (from ``comparison.json``) and a sheet
    for each table of :data:`STUDY_TABLES` and ``extra`` (``(table, sheet name)`` pairs) that the folder holds.

    Raises
    ------
    FileNotFoundError
        The folder has no ``comparison.json``.
    """
    folder = Path(folder)
    record = store.read_json(folder, "comparison.json")
    return save_tables(folder, study_about(record), (*STUDY_TABLES, *extra), study_currency(folder, record))


def save_tables(folder: Path, about: list[tuple[str, Any]], tables: Sequence[tuple[str, str]],
                currency: str | None) -> Path:
    """Write ``results.xlsx``: an ``About`` sheet of ``about`` rows, then a sheet for each ``(table, sheet
    name)`` of ``tables`` that the folder holds."""
    sheets = [about_sheet(about)]
    sheets += [table_sheet(name, store.read_table(folder, table), currency)
               for table, name in tables if store.has_table(folder, table)]
    return save(folder, sheets)


SENSITIVITY_TABLES = (("sensitivity", "Sensitivity"), ("survival", "Survival"), ("morris", "Morris"))
"""``(table, sheet)``: the tables of a sensitivity folder that become sheets, where present."""


def sensitivity_about(record: Mapping[str, Any]) -> list[tuple[str, Any]]:
    """The About rows of a sensitivity study (from ``sensitivity.json``): how it was run, each parameter with
    its source and its low and high values, and what was not scaled and why."""
    rows: list[tuple[str, Any]] = [
        ("kind", record.get("kind")), ("scenario", record.get("scenario")), ("seed", record.get("seed")),
        ("replications", record.get("replications")), ("ihsim version", record.get("ihsim_version")),
        ("range", f"x{record['range']['low']:g} (low) to x{record['range']['high']:g} (high)"),
        ("overrides", list(record.get("overrides") or []) or "(none)")]
    for p in record.get("parameters") or []:
        low, high = p.get("low") or {}, p.get("high") or {}
        rows.append((f"parameter {p['key']}", f"{p.get('source', '')}; low {low.get('value', '')}; "
                                              f"high {high.get('value', '')}"))
    rows += [(f"not scaled: {s['key']}", s["reason"]) for s in record.get("skipped") or []]
    rows.append(("how to read", "Each row of Sensitivity is a parameter at its low or high value: diff_mean = "
                                "variant - base, paired over replications (common random numbers), with a 95% t "
                                "interval, not adjusted for the number of parameters."))
    return rows


def write_sensitivity_workbook(folder: str | Path) -> Path:
    """Write ``results.xlsx`` of a sensitivity folder: ``About`` (from ``sensitivity.json``) and a sheet for
    each of :data:`SENSITIVITY_TABLES` the folder holds.

    Raises
    ------
    FileNotFoundError
        The folder has no ``sensitivity.json``.
    """
    folder = Path(folder)
    return save_tables(folder, sensitivity_about(store.read_json(folder, "sensitivity.json")), SENSITIVITY_TABLES,
                       None)
