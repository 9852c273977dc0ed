"""What the web app shows of a results or comparison folder, read through the report's own functions.

Nothing is recomputed: the key results and their verdicts are
:func:`sim.report.html.kpi_rows`, what cases wait for is
:func:`sim.report.html.wait_rows`, the precision advice is
:func:`sim.checks.precision_report`, the charts are the PNGs the report wrote
under ``figures/``, and a comparison's differences and verdicts are its
``differences.csv`` and ``comparison.txt``.

A folder is named by the app only as a direct child of the results folder
(:func:`folder`), never a link, so no path outside it can be read.
"""

from __future__ import annotations

import io
import math
import os
import zipfile
from pathlib import Path

import pandas as pd

from sim import store
from sim.analysis.kpis import HEADLINE
from sim.analysis.labels import kpi_label
from sim.checks import precision_report
from sim.report import html
from sim.report.charts import fmt_duration
from sim.webapp.workspace import FOLDER

ZIP_MOST_BYTES = 500_000_000
"""Largest folder offered as a zip (built in memory)."""


def _child(results: Path, name: str) -> Path | None:
    path = Path(results) / name
    ok = (name not in ("", ".", "..", FOLDER) and "/" not in name and "\\" not in name and not name.startswith(".")
          and path.is_dir() and not path.is_symlink())
    return path if ok else None


def folders(results: Path, kind: str = "run") -> list[str]:
    """The complete results folders (``kind="run"``) or comparison folders (``"compare"``) directly in
    ``results``, by name, newest first."""
    if not Path(results).is_dir():
        return []
    test = store.is_results_folder if kind == "run" else store.is_comparison_folder
    found = [p for p in Path(results).iterdir() if _child(results, p.name) is not None and test(p)]
    return [p.name for p in sorted(found, key=lambda p: p.stat().st_mtime, reverse=True)]


def folder(results: Path, name: str, kind: str = "run") -> Path:
    """The folder ``name`` of :func:`folders`; ValueError for any other name."""
    if name not in folders(results, kind):
        raise ValueError(f"no {kind} folder {name!r} in {results}")
    path = _child(results, name)
    assert path is not None
    return path


def _interval(low: float, high: float) -> str:
    return "" if math.isnan(low) else f"{low:,.1f} to {high:,.1f}"


def key_results(data: html.RunData) -> pd.DataFrame:
    """The report's key-results table: each key KPI with its mean, 95% CI, target, the share of cases
    within target and the verdict against the service level (:func:`sim.report.html.kpi_rows`)."""
    key, _ = html.kpi_rows(data.summary, data.targets, data.service_levels, data.fastest)
    html.flag_deteriorated(key, data.cases, list(data.targets))
    rows = []
    for k in key:
        within = "" if math.isnan(k["within"]) else (
            f"{k['within']:.0f}% ({_interval(k['within_low'], k['within_high'])}) of {k['service_level']:.0f}% asked")
        rows.append({"KPI": k["label"],
                     "replications": k["n"], "mean": f"{k['mean']:,.1f} {k['unit']}",
                     "95% CI": _interval(k["ci_low"], k["ci_high"]),
                     "target": "" if math.isnan(k["target"]) else fmt_duration(k["target"]),
                     "within target, per case": within, "verdict": k["verdict_words"] or k["verdict"],
                     "note": k["deteriorated"]})
    return pd.DataFrame(rows, columns=["KPI", "replications", "mean", "95% CI", "target",
                                       "within target, per case", "verdict", "note"])


def waits(data: html.RunData, case_type: str = "outreach") -> pd.DataFrame:
    """What cases of ``case_type`` wait for (:func:`sim.report.html.wait_rows`)."""
    rows = html.wait_rows(data, case_type)
    table = pd.DataFrame(rows, columns=["step", "binding", "waits", "cases_pct", "mean_wait_min", "p90_wait_min",
                                        "total_wait_min"])
    return table.rename(columns={"binding": "waiting for", "cases_pct": "% of cases",
                                 "mean_wait_min": "mean wait (min)", "p90_wait_min": "p90 (min)",
                                 "total_wait_min": "total (min)"})


def precision(path: Path) -> str:
    """The precision advice ``ihsim run`` prints (:func:`sim.checks.precision_report`)."""
    return "\n".join(precision_report(path))


def figures(path: Path) -> list[Path]:
    """The PNG charts the report wrote in ``figures/`` (regular files only)."""
    fig = path / "figures"
    if not fig.is_dir() or fig.is_symlink():
        return []
    return sorted(p for p in fig.glob("*.png") if html.figure_file_name(p.stem) == p.stem and p.is_file()
                  and not p.is_symlink())


def file_bytes(path: Path, name: str) -> bytes | None:
    """The bytes of ``path/name`` (``report.html``, ``results.xlsx``, ``comparison.html``) if it is a
    regular file there, else None."""
    target = path / name
    return target.read_bytes() if target.is_file() and not target.is_symlink() else None


def zipped(path: Path) -> bytes:
    """The folder as a zip (its regular files; links are left out); ValueError above :data:`ZIP_MOST_BYTES`."""
    files = sorted(Path(top) / name for top, _, names in os.walk(path, followlinks=False) for name in names
                   if (Path(top) / name).is_file() and not (Path(top) / name).is_symlink())
    if sum(p.stat().st_size for p in files) > ZIP_MOST_BYTES:
        raise ValueError(f"{path.name} is larger than {ZIP_MOST_BYTES / 1e6:,.0f} MB: copy the folder instead")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for p in files:
            archive.write(p, Path(path.name) / p.relative_to(path))
    return buf.getvalue()


def differences(path: Path, headline_only: bool = True) -> pd.DataFrame:
    """A comparison's paired differences against its first scenario, with their verdicts."""
    diff = store.read_table(path, "differences")
    if headline_only:
        diff = diff[diff["kpi"].isin(HEADLINE)]
    diff = diff.assign(label=diff["kpi"].map(kpi_label))
    cols = ["scenario", "label", "unit", "baseline_mean", "mean", "diff_mean", "diff_ci_low", "diff_ci_high",
            "n_pairs", "p_holm", "verdict"]
    return diff[[c for c in cols if c in diff.columns]].rename(columns={"label": "KPI"})


def comparison_text(path: Path) -> str:
    """The comparison in plain English (its ``comparison.txt``)."""
    return (path / "comparison.txt").read_text(encoding="utf-8")
