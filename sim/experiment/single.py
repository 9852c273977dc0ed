"""Run one scenario into a results folder: the use case every study is made of.

:func:`run_loaded` is the spine: run replications into a temporary folder,
combine the parts, summarise, write the manifest, the workbook and the
report, and rename the folder into place.  ``ihsim run`` (:mod:`sim.app`),
``compare``, ``sweep``, ``target`` and ``sensitivity`` all call it.
"""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import logging
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from contextlib import nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__, store
from sim.analysis.feasibility import unserved_summary
from sim.analysis.kpis import values_of
from sim.analysis.stats import pooled_shares, summarise
from sim.experiment.runner import run_replications, shared_executor, submit
from sim.folders import safe_name
from sim.scenario import Scenario, scenario_dict, scenario_hash
from sim.scenario.feasibility import scenario_warnings
from sim.scenario.load import titled

log = logging.getLogger("sim")
DEPENDENCIES = ("simpy", "numpy", "scipy", "pandas", "pyarrow", "pydantic", "ruamel.yaml", "matplotlib", "click",
                "openpyxl", "SALib")


@dataclass(frozen=True)
class RunOptions:
    """How to run: counts, seed, engine and where to write."""

    replications: int | None = None
    seed: int | None = None
    workers: int = 1
    engine: str = "local"
    scheduler: str | None = None
    out: Path | None = None
    force: bool = False
    resume: bool = False
    precision: float = 0.05
    max_replications: int | None = None
    progress: bool = True
    report: bool = True
    lock: bool = True
    """Hold ``out.lock`` while writing; off only for a study's runs, inside the study's locked folder."""
    allow_large: bool = False
    svg: bool = False
    """Save every chart of the report as SVG too (PNG always)."""


def default_out(scenario: Scenario, overrides: list[str] | None = None) -> Path:
    """``results/<scenario name>``, or ``results/<scenario name>+N-overrides-<hash>`` for a scenario changed
    by ``--set`` (:func:`sim.scenario.load.titled`): never the unmodified file's folder."""
    return Path("results") / safe_name(titled(scenario.name, overrides))


def versions() -> dict[str, str]:
    found = {"ihsim": __version__, "python": platform.python_version()}
    for dist in DEPENDENCIES:
        try:
            found[dist] = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            found[dist] = "not installed"
    return found


def git_commit() -> str | None:
    try:
        done = subprocess.run(["git", "rev-parse", "HEAD"], capture_output=True, text=True, timeout=5,
                              cwd=Path(__file__).resolve().parent, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None if done.returncode == 0 else None


def case_values(folder: Path, replications: list[int]) -> dict[str, pd.Series]:
    """Every case KPI's per-case values (:func:`sim.analysis.kpis.case_values`), pooled over replications.

    Each Series is indexed by the replication of its case, so statistics can
    resample replications.  The values are those each replication stored as
    its ``values`` part (:func:`sim.analysis.kpis.values_table`), read one
    replication at a time: memory grows by 16 bytes per value.
    """
    found: dict[str, tuple[list[np.ndarray], list[np.ndarray]]] = {}
    for rep in replications:
        for kpi, values in values_of(store.read_parts(folder, "values", [rep])).items():
            parts, reps = found.setdefault(kpi, ([], []))
            parts.append(values)
            reps.append(np.full(len(values), rep))
    return {kpi: _joined(*found.pop(kpi)) for kpi in list(found)}  # each KPI's parts freed once joined


def _joined(parts: list[np.ndarray], reps: list[np.ndarray]) -> pd.Series:
    """One KPI's values of every replication as one float64 Series indexed by replication."""
    return pd.Series(np.concatenate(parts).astype("float64"), index=np.concatenate(reps))


def finish_folder(folder: Path, n: int, precision: float, parts: store.PartsCombiner | None = None,
                  combined: Callable[[], object] | None = None) -> pd.DataFrame:
    """Combine parts into tables (finishing what ``parts`` combined while the replications ran), write
    replications.csv and summary.csv; returns the summary.  ``combined`` is called once the tables are
    combined, before the summary is worked out (to start the report's charts meanwhile).

    The parts stay: they are removed only once the complete folder is in place
    (:func:`sim.store.results_folder`), so a failure from here on leaves a resumable ``.partial``.
    """
    reps = list(range(n))
    with parts or store.PartsCombiner(folder) as combiner:
        combiner.finish(n)
    if combined is not None:
        combined()
    kpis = store.read_kpis(folder, reps)
    store.write_csv(folder, "replications.csv", kpis)
    shares = pooled_shares(store.read_parts(folder, "shares", reps))
    summary = summarise(kpis, case_values(folder, reps), precision=precision, shares=shares)
    store.write_csv(folder, "summary.csv", summary)
    store.write_csv(folder, "unserved.csv", store.read_parts(folder, "unserved", reps))
    return summary


def warn_all(notes: list[str]) -> list[str]:
    """Log each feasibility note as a warning (the CLI prints them); returns them."""
    for note in notes:
        log.warning("%s", note)
    return notes


def manifest(scenario: Scenario, opts: RunOptions, n: int, seed: int, started: dt.datetime, wall_s: float,
             sim_events: int, overrides: list[str] | None = None) -> dict[str, Any]:
    return {
        "ihsim_version": __version__,
        "scenario_name": scenario.name,
        "title": titled(scenario.name, overrides),
        "overrides": list(overrides or []),
        "scenario_sha256": scenario_hash(scenario),
        "seed": seed,
        "replications": n,
        "engine": opts.engine,
        "workers": opts.workers,
        "precision": opts.precision,
        "max_replications": opts.max_replications,
        "versions": versions(),
        "git_commit": git_commit(),
        "command": sys.argv,
        "started": started.isoformat(timespec="seconds"),
        "finished": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "wall_seconds": round(wall_s, 3),
        "sim_events": sim_events,
        "scenario": scenario_dict(scenario),
    }


def run_loaded(scenario: Scenario, opts: RunOptions, overrides: list[str] | None = None) -> Path:
    """Run a validated scenario and write its complete results folder; returns its path.

    ``overrides`` are the ``--set`` texts that made ``scenario`` from its file: recorded in the
    manifest and shown in a banner at the top of the report.
    """
    n = opts.replications or scenario.run.replications
    seed = scenario.run.seed if opts.seed is None else opts.seed
    out = opts.out or default_out(scenario, overrides)
    started, t0 = dt.datetime.now(dt.UTC), time.perf_counter()
    run_key = {"scenario_sha256": scenario_hash(scenario), "seed": seed, "ihsim_version": __version__,
               "part_tables": list(store.TABLES)}  # parts of a run that wrote other tables cannot be resumed
    pool = shared_executor(opts.engine, opts.workers, opts.scheduler) if Charts.wanted(opts) else nullcontext()
    with (store.results_folder(out, force=opts.force, resume=opts.resume, key=run_key, lock=opts.lock) as tmp,
          store.PartsCombiner(tmp) as parts, pool):
        done = store.finished_replications(tmp) if opts.resume else set()
        notes = warn_all(scenario_warnings(scenario))  # once the folder is ours: a refused run says only why
        parts.add(done)
        runner: dict[str, Any] = {"workers": opts.workers, "engine": opts.engine, "scheduler": opts.scheduler,
                                  "progress": opts.progress, "on_done": parts.add}
        if opts.max_replications:  # add replications until the headline KPIs meet the precision
            from sim.experiment.sequential import run_to_precision

            seq = run_to_precision(scenario, seed, n, opts.max_replications, tmp, opts.precision, **runner)
            n, results = seq.n, seq.results
        else:
            results = run_replications(scenario, seed, n, tmp, skip=done, **runner)
        charts = Charts(tmp, scenario, opts)
        finish_folder(tmp, n, opts.precision, parts, charts.start)
        notes += warn_all(unserved_summary(store.read_table(tmp, "unserved"), n))
        sim_events = sum(r.sim_events for r in results)
        store.write_json(tmp, "manifest.json",
                         {**manifest(scenario, opts, n, seed, started, time.perf_counter() - t0, sim_events, overrides),
                          "resumed_replications": len(done & set(range(n))), "warnings": notes})
        from sim.report.run_workbook import write_run_workbook

        write_run_workbook(tmp)  # inside the temporary folder, report or not: it is renamed with the rest
        if opts.report:
            from sim.report import build_report

            build_report(tmp, opts.svg, charts.figures())
    return out


class Charts:
    """The report's charts, drawn by a worker of the run's process pool while this process summarises.

    Only with the local engine and two workers or more (the pool is kept open for it by
    :func:`run_loaded`); otherwise, and without a report, :meth:`figures` is ``None`` and the report
    draws them itself.  The charts need the combined tables only, not the summary.
    """

    def __init__(self, folder: Path, scenario: Scenario, opts: RunOptions) -> None:
        self.folder, self.scenario, self.opts = folder, scenario, opts
        self.futures: list[Any] = []

    @staticmethod
    def wanted(opts: RunOptions) -> bool:
        return opts.report and opts.engine == "local" and opts.workers > 1

    def start(self) -> None:
        """Submit the charts as two tasks (the slow waterfall, and the rest), one per worker."""
        if self.wanted(self.opts):
            manifest = {"scenario": scenario_dict(self.scenario)}
            self.futures = [submit(draw_chart_share, self.folder, manifest, self.opts.svg, share) for share in (0, 1)]

    def figures(self) -> list[dict[str, str]] | None:
        """The charts drawn by the workers, in the report's order (None if none were started)."""
        if not self.futures:
            return None
        from sim.report.html import in_report_order

        return in_report_order([figure for future in self.futures for figure in future.result()])


def draw_chart_share(folder: Path, manifest: dict[str, Any], svg: bool, share: int) -> list[dict[str, str]]:
    """A worker's task: draw and save one share of the report's charts (``sim.report.html.chart_names``).
    The report is imported here, in the worker, so that the driver need not import it to hand the task on."""
    from sim.report.html import draw_and_save

    return draw_and_save(folder, manifest, svg, share)
