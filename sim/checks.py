"""Use cases that examine finished results folders: the regression check and the warm-up diagnostic.

``regress`` compares a candidate results folder with a baseline one (see
:mod:`sim.analysis.regress` for the exact and statistical rules) and can
refresh a committed baseline, recording why in a ledger.  ``warmup`` runs
MSER-5 (:mod:`sim.analysis.warmup`) on a series of a results folder and
saves its chart.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from sim import folders, store
from sim.analysis import regress as rules
from sim.analysis.kpis import CASE_KPIS
from sim.analysis.warmup import case_series, diagnose, pool_busy_series
from sim.errors import InputError

REFERENCE_FILES = ["manifest.json", "summary.csv", "replications.csv"]
"""What a committed regression baseline keeps: small, text, enough for both modes."""
EXACT_TABLES = ["replications", "summary", "cases", "resources", "events"]
REQUIRED_TABLES = ["replications", "summary"]
"""Tables both sides must have (a committed baseline keeps only these and the manifest)."""
MAX_BINS = 100_000
"""Most bins ``warmup`` cuts the horizon into (each replication's series is bins long)."""


@dataclass
class RegressReport:
    """The outcome: mode, why not exact, per-KPI verdicts, table differences and the regression count."""

    mode: str
    reasons: list[str]
    verdicts: pd.DataFrame
    table_diffs: list[str] = field(default_factory=list)
    regressions: int = 0


def _results(folder: Path) -> dict[str, Any]:
    """The manifest of a results folder; InputError (bad input) if there is none or it cannot be read."""
    folder = Path(folder)
    if not store.is_results_folder(folder):
        raise InputError(f"{folder} is not a results folder (no manifest.json)")
    manifest = _read(folder, "manifest.json", lambda: store.read_json(folder))
    if not isinstance(manifest, dict):
        raise InputError(f"{folder / 'manifest.json'} cannot be read: not a JSON object")
    return manifest


def _read(folder: Path, name: str, read: Callable[[], Any]) -> Any:
    """``read()``, with an unreadable or corrupt file turned into InputError naming it."""
    try:
        return read()
    except (OSError, ValueError, pa.ArrowException) as exc:  # ValueError: bad JSON, CSV or UTF-8
        why = folders.system_reason(exc) if isinstance(exc, OSError) else str(exc).splitlines()[0]
        raise InputError(f"{Path(folder) / name} cannot be read: {why}") from None


def _file_of(folder: Path, name: str) -> str:
    return f"{name}.parquet" if (Path(folder) / f"{name}.parquet").is_file() else f"{name}.csv"


def _table(folder: Path, name: str) -> pd.DataFrame | None:
    """A table of a results folder, None if it has none; InputError if it cannot be read."""
    if not store.has_table(folder, name):
        return None
    table = _read(folder, _file_of(folder, name), lambda: store.read_table(folder, name))
    if name == "replications":
        path = Path(folder) / "replications.csv"
        if "replication" not in table.columns:
            raise InputError(f"{path}: no 'replication' column; not a table written by ihsim")
        for column in table.columns:
            if not (pd.api.types.is_numeric_dtype(table[column]) or table[column].isna().all()):
                raise InputError(f"{path} [{column}]: holds values that are not numbers; the file is damaged")
    return table


def _missing(name: str, base: pd.DataFrame | None, cand: pd.DataFrame | None, base_dir: Path,
             cand_dir: Path) -> list[str]:
    """A line for each side that lacks table ``name`` (a difference, counted as a regression)."""
    return [f"{folder / f'{name}.csv'}: missing" for folder, table in ((base_dir, base), (cand_dir, cand))
            if table is None]


def regress(base_dir: Path, cand_dir: Path, rule: rules.Rule, mode: str = "auto") -> RegressReport:
    """Compare ``cand_dir`` with ``base_dir``; ``mode`` is ``auto``, ``exact`` or ``statistical``.

    Each side needs a readable manifest.json (else InputError); ``replications.csv`` and ``summary.csv``
    missing on either side, or a table of the baseline missing from the candidate, is a difference,
    named and counted; a file that cannot be read is InputError.
    """
    base_m, cand_m = _results(base_dir), _results(cand_dir)
    ok, reasons = rules.exact_mode(base_m, cand_m)
    if mode == "exact" and not ok:
        raise InputError("exact mode needs the same scenario, seed, replications and versions: " + "; ".join(reasons))
    found = {name: (_table(base_dir, name), _table(cand_dir, name)) for name in REQUIRED_TABLES}
    missing = [line for name, (b, c) in found.items() for line in _missing(name, b, c, base_dir, cand_dir)]
    empty = pd.DataFrame({"replication": pd.Series(dtype="int64")})
    base, cand = (empty if t is None else t for t in found["replications"])
    if mode == "statistical" or (mode == "auto" and not ok):
        verdicts = rules.statistical_verdicts(base, cand, rule, paired=base_m.get("seed") == cand_m.get("seed"))
        return RegressReport("statistical", reasons, verdicts, missing, rules.regressions(verdicts) + len(missing))
    diffs = []
    for name in EXACT_TABLES:  # the large tables only where the baseline keeps them (a committed one does not)
        b, c = found[name] if name in found else (_table(base_dir, name), None)
        if name not in found and b is not None:
            c = _table(cand_dir, name)
            if c is None:
                missing.append(f"{Path(cand_dir) / _file_of(base_dir, name)}: missing (the baseline has it)")
        if b is not None and c is not None:
            diffs += rules.table_differences(name, b, c)
    verdicts = rules.exact_verdicts(base, cand)
    return RegressReport("exact", [], verdicts, [*missing, *diffs],
                         max(rules.regressions(verdicts), int(bool(diffs))) + len(missing))


def update_baseline(base_dir: Path, cand_dir: Path, report: RegressReport | None, reason: str,
                    ledger: Path | None = None) -> Path:
    """Replace the baseline's files with the candidate's and append a ledger row, both or neither; returns the
    ledger.

    Before anything changes: the candidate must hold readable reference files, the ledger must take a row
    and ``base_dir`` must be ihsim's (or absent).  The new baseline is written beside the old one, renamed
    into place, then the row is appended; if that fails the old baseline is put back.
    """
    if not reason.strip():
        raise InputError("--update needs --reason saying why the baseline changes")
    cand_m = _results(cand_dir)
    for name in REQUIRED_TABLES:
        if _table(cand_dir, name) is None:
            raise InputError(f"{Path(cand_dir) / f'{name}.csv'} is missing: the baseline needs {name}.csv")
    ledger = Path(ledger or Path(base_dir).parent / "ledger.csv")
    try:
        store.check_appendable(ledger)
    except OSError as exc:
        raise InputError(f"cannot write the ledger {ledger}: {folders.system_reason(exc)}") from None
    old_m = _results(base_dir) if store.is_results_folder(base_dir) else {}
    row = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"), "baseline": str(base_dir),
        "reason": reason.strip(), "mode": report.mode if report else "new baseline",
        "regressions": report.regressions if report else None,
        "old_sha256": old_m.get("scenario_sha256"), "new_sha256": cand_m.get("scenario_sha256"),
        "old_seed": old_m.get("seed"), "new_seed": cand_m.get("seed"),
        "old_version": old_m.get("ihsim_version"), "new_version": cand_m.get("ihsim_version"),
        "replications": cand_m.get("replications"), "git_commit": cand_m.get("git_commit"),
    }
    with store.results_folder(Path(base_dir), force=True, key=store.study_key("baseline"),
                              then=lambda: store.append_csv_row(ledger, row)) as tmp:
        store.copy_files(cand_dir, tmp, REFERENCE_FILES)
    return ledger


def format_verdicts(report: RegressReport, all_rows: bool = False) -> list[str]:
    """The per-KPI table as text lines (all rows, or those not ``ok``/``identical`` plus headline)."""
    from sim.analysis.kpis import HEADLINE

    t = report.verdicts
    if not all_rows:
        t = t[t["kpi"].isin(HEADLINE) | ~t["verdict"].isin(["ok", "identical", "not tested"])]
    head = (f"{'kpi':<40} {'baseline':>11} {'candidate':>11} {'diff %':>8} {'test':>8} {'p (Holm)':>9} "
            f"{'detectable':>10} {'verdict':>10}")
    lines = [head, "-" * len(head)]
    for r in t.itertuples(index=False):
        p = "" if pd.isna(r.p_holm) else f"{r.p_holm:.3g}"
        rel = "" if pd.isna(r.rel_diff_pct) else f"{r.rel_diff_pct:+.1f}"
        test = "" if pd.isna(r.test) else r.test
        mdd = "" if pd.isna(r.detectable) else f"{r.detectable:.3g}"
        lines.append(f"{r.kpi:<40} {r.base_mean:>11.4g} {r.cand_mean:>11.4g} {rel:>8} {test:>8} {p:>9} "
                     f"{mdd:>10} {r.verdict:>10}")
    if report.mode == "statistical":
        lines += ["", "detectable: the smallest change of the mean (KPI units) these replications would flag with "
                  f"{100 * rules.POWER:g}% power at alpha/m (Holm's first step over the m KPIs tested); changes "
                  "within the tolerance are never flagged.  vanished: values in the baseline, none in the candidate."]
    return lines


@dataclass(frozen=True)
class WarmupReport:
    """The MSER-5 suggestion for one series of a results folder."""

    series: str
    warmup_days: float
    reliable: bool
    figure: Path


def _warmup_series(folder: Path, manifest: dict[str, Any], pool: str | None, kpi: str | None,
                   bin_min: float) -> tuple[str, str, pd.DataFrame]:
    horizon = manifest["scenario"]["run"]["horizon_days"] * 1440.0
    if kpi:
        if kpi not in CASE_KPIS:
            raise InputError(f"--kpi {kpi!r}: choose one of {', '.join(CASE_KPIS)}")
        ctype, column = CASE_KPIS[kpi]
        cases = store.read_table(folder, "cases", ["replication", "case_type", "case_created_min", column])
        return kpi, f"{kpi} of cases created that day", case_series(cases, column, ctype, bin_min, horizon)
    scenario = manifest["scenario"]
    team = scenario.get("team") or (scenario.get("teams") or [{}])[0]  # one team, or the first of several
    pool = pool or f"{team.get('home')}.nicu_cot"
    if pool.count(".") != 1:
        raise InputError(f"--pool {pool!r}: expected HOSPITAL.POOL, e.g. NHOG.nicu_cot")
    hospital, resource = pool.split(".")
    events = store.read_table(folder, "events", ["replication", "time_min", "event", "hospital", "resource", "value"])
    series = pool_busy_series(events, hospital, resource, bin_min, horizon)
    if series.empty:
        raise InputError(f"--pool {pool!r}: no use of this pool in the event log")
    return pool.replace(".", "_"), f"{resource.replace('_', ' ')}s in use at {hospital} (time average)", series


def warmup(folder: Path, pool: str | None = None, kpi: str | None = None, bin_days: float = 1.0,
           svg: bool = False) -> WarmupReport:
    """MSER-5 on the ensemble-averaged series; saves ``figures/warmup_<series>.png`` in ``folder`` (and the
    SVG beside it with ``svg``)."""
    from sim.report.compare_charts import warmup_chart
    from sim.report.html import figure_file_name, save_figure

    manifest = _results(folder)
    horizon = float(manifest["scenario"]["run"]["horizon_days"])
    if horizon / bin_days > MAX_BINS:
        raise InputError(f"--bin-days {bin_days:g}: {horizon / bin_days:,.0f} bins over the {horizon:g}-day horizon, "
                         f"more than {MAX_BINS:,}; give --bin-days {horizon / MAX_BINS:.3g} or more")
    name, label, per_rep = _warmup_series(Path(folder), manifest, pool, kpi, bin_days * 1440.0)
    try:
        mean, result = diagnose(per_rep)
    except ValueError as exc:
        raise InputError(f"{folder}: {exc}; use a longer horizon or a shorter --bin-days") from None
    days = float(mean.index[result.truncate_obs])  # the first retained bin's start (bins may be empty)
    figure = figure_file_name(f"warmup_{name}")
    save_figure(warmup_chart(per_rep, mean, result.statistic, days, bin_days, label), Path(folder), figure, svg)
    return WarmupReport(name, days, result.reliable, Path(folder) / "figures" / f"{figure}.png")


def precision_report(folder: Path) -> list[str]:
    """Lines saying whether each headline KPI meets the run's precision, and what a sequential run did."""
    from sim.analysis.precision import advice_lines

    manifest = store.read_json(folder)
    precision = manifest.get("precision", 0.05)
    lines, kpis = [], None
    if (Path(folder) / "sequential.json").is_file():
        seq = store.read_json(folder, "sequential.json")
        how = "every headline KPI meets it" if seq["met"] else "stopped at --max-replications before all met it"
        lines.append(f"precision {100 * precision:g}%: ran {seq['replications']} replications "
                     f"(from {seq['initial']}, at most {seq['max']}, {seq['method']}); {how}")
        kpis = seq.get("kpis")
        if seq.get("left_out"):
            lines.append(f"  left out (this scenario cannot give them values): {', '.join(seq['left_out'])}")
    else:
        lines.append(f"precision {100 * precision:g}% (CI half-width / mean), {manifest['replications']} replications:")
    return lines + advice_lines(store.read_table(folder, "summary"), precision, kpis)
