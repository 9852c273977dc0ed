"""A sensitivity folder's figures and workbook: drawn when the study ends, redrawn by ``ihsim report``.

A sensitivity folder (``sensitivity.json``) holds the study's tables
(``sensitivity.csv``, and ``survival.csv`` or ``morris.csv``), the runs'
folders, ``results.xlsx`` and ``figures/``: a tornado chart of each KPI of a
one-way study, a Morris chart of each KPI of a screening.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from sim import store
from sim.errors import InputError
from sim.folders import safe_name
from sim.report.html import save_figure
from sim.report.tornado import morris_chart, tornado_chart
from sim.report.workbook import write_sensitivity_workbook


def draw_figures(folder: Path, record: dict[str, Any], table: pd.DataFrame | None, morris: pd.DataFrame | None,
                 svg: bool = False) -> None:
    """A tornado chart (``figures/tornado_<kpi>.png``) of each KPI of ``record["kpis"]`` that ``table``
    (the rows of ``sensitivity.csv``) holds, and a Morris chart (``figures/morris_<kpi>.png``) of each
    that ``morris`` (the rows of ``morris.csv``) holds; an SVG beside each with ``svg``.

    ``record`` is the study's ``sensitivity.json`` (``kpis``, ``range``); costs are labelled in the
    currency of the first run folder (at any depth) whose scenario has one.
    """
    folder = Path(folder)
    factors = (record["range"]["low"], record["range"]["high"])
    runs = sorted(m.parent for m in folder.rglob("manifest.json"))  # a study against OTHER nests its runs
    currency = next((c for run in runs
                     if (c := (store.read_json(run).get("scenario", {}).get("costs") or {}).get("currency"))), None)
    for kpi in record["kpis"]:
        if table is not None and (table["kpi"] == kpi).any():
            save_figure(tornado_chart(table, kpi, factors, currency=currency), folder, f"tornado_{safe_name(kpi)}", svg)
        if morris is not None and (morris["kpi"] == kpi).any():
            save_figure(morris_chart(morris, kpi), folder, f"morris_{safe_name(kpi)}", svg)


def rebuild_sensitivity(folder: str | Path, svg: bool = False) -> tuple[Path, Path]:
    """Redraw the figures and rewrite ``results.xlsx`` of a finished sensitivity folder from its tables and
    ``sensitivity.json``, without rerunning; returns ``(figures folder, workbook)``.

    Raises :class:`~sim.errors.InputError` when ``sensitivity.json`` or a table it needs is missing or
    damaged.
    """
    folder = Path(folder)
    record = store.read_json(folder, "sensitivity.json")
    range_ = record.get("range")
    if not isinstance(record.get("kpis"), list) or not isinstance(range_, dict) or not {"low", "high"} <= set(range_):
        raise InputError(f"{folder / 'sensitivity.json'}: lacks 'kpis' or the 'range' low and high; the file is "
                         "damaged")
    tables = {name: store.read_table(folder, name) if store.has_table(folder, name) else None
              for name in ("sensitivity", "morris")}
    draw_figures(folder, record, tables["sensitivity"], tables["morris"], svg)
    return folder / "figures", write_sensitivity_workbook(folder)
