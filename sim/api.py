"""The Python API for notebooks: load, edit, run, read, summarise and compare scenarios.

Each function wraps what the command line does, with the same code: the same
loader and ``--set`` rules (:mod:`sim.scenario.load`), the same replications
and results folders (:mod:`sim.app`, :mod:`sim.store`), the same paired
comparison (:mod:`sim.experiment.compare`).  ``docs/api.md`` is the worked
example; ``import sim`` exposes these names (listed in ``sim.__all__``).

Every bad input raises :class:`~sim.scenario.ScenarioError` (a scenario, or a
change to one: each fault with its key) or :class:`~sim.errors.InputError`
(anything else, such as a folder that holds no results).
"""

from __future__ import annotations

import dataclasses
import json
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import ValidationError

from sim import store
from sim.analysis.kpis import HEADLINE
from sim.analysis.labels import kpi_label
from sim.errors import InputError
from sim.experiment import workload
from sim.experiment.compare import compare_scenarios, name_all, paired, same_currency
from sim.experiment.runner import run_replications
from sim.experiment.single import RunOptions, finish_folder, run_loaded, warn_all
from sim.scenario import Scenario, ScenarioError, load_scenario
from sim.scenario.feasibility import scenario_warnings
from sim.scenario.load import Problem, with_overrides

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
"""The shipped scenarios (``scenarios/`` of the repository)."""
TABLES = ("summary", "replications", "cases", "events", "resources", "unserved", "waits", "occupancy")
"""The tables of a run (``docs/results.md`` documents each column)."""
SUMMARY_VIEW = ["kpi", "label", "unit", "mean", "ci_low", "ci_high", "p50", "p90", "n", "precision_met"]
"""The columns :func:`summarise` shows."""

Changes = Mapping[str, Any] | Sequence[str]
"""Changes to a scenario: ``{"key.path": value}``, or ``--set`` texts ``["key.path=value", ...]``."""


@dataclass(frozen=True)
class Results:
    """The results of one scenario's replications, in memory or in a results folder.

    ``table(name)`` gives a table as a DataFrame (:data:`TABLES`); a folder's tables are read when first
    asked for.  ``summary`` has one row per KPI with its mean and 95% CI (``summary.csv``); ``kpis`` one
    row per replication (``replications.csv``).
    """

    scenario: Scenario
    seed: int
    replications: int
    folder: Path | None = None
    tables: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    def table(self, name: str) -> pd.DataFrame:
        """The table ``name`` (one of :data:`TABLES`); InputError for another name, or one the folder lacks."""
        if name not in TABLES:
            raise InputError(f"no table {name!r} (tables: {', '.join(TABLES)})")
        if name not in self.tables:
            if self.folder is None:
                raise InputError(f"no table {name!r} in these results")
            if not store.has_table(self.folder, name):
                older = " (a folder written by an earlier ihsim has no waits or occupancy: run it again)" \
                    if name in ("waits", "occupancy") else ""
                raise InputError(f"{self.folder}: no {name} table{older}")
            self.tables[name] = store.read_table(self.folder, name)
        return self.tables[name]

    @property
    def summary(self) -> pd.DataFrame:
        return self.table("summary")

    @property
    def kpis(self) -> pd.DataFrame:
        return self.table("replications")


@dataclass(frozen=True)
class Comparison:
    """Scenarios run under common random numbers, and their paired differences against the first.

    ``differences``: one row per scenario (after the first) and KPI, with the mean difference, its paired
    95% CI, p-values and a verdict in words (``differences.csv``); ``summaries``: every scenario's summary
    with a ``scenario`` column; ``results``: each scenario's :class:`Results` by name.
    """

    differences: pd.DataFrame
    summaries: pd.DataFrame
    results: dict[str, Results]
    folder: Path | None = None

    def verdicts(self) -> pd.DataFrame:
        """The headline KPIs' rows of ``differences``: scenario, KPI, difference, CI and verdict."""
        rows = self.differences[self.differences["kpi"].isin(HEADLINE)]
        return rows[["scenario", "kpi", "unit", "diff_mean", "diff_ci_low", "diff_ci_high", "verdict"]].reset_index(
            drop=True)


def shipped() -> list[str]:
    """Names of the shipped scenarios (``scenarios/<name>.yaml``), for :func:`load`."""
    return sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def scenario_file(scenario: str | Path) -> Path:
    """The file of ``scenario``: a path as given, or a shipped scenario's name (``"baseline"``).

    Raises ScenarioError when it is neither an existing file nor a shipped name.
    """
    path = Path(scenario)
    if path.exists() or path.suffix in (".yaml", ".yml") or len(path.parts) > 1:
        return path
    named = SCENARIOS / f"{path.name}.yaml"
    if named.is_file():
        return named
    raise ScenarioError([Problem(str(scenario), "", f"no such file, nor a shipped scenario (shipped: "
                                                    f"{', '.join(shipped())})")])


def load(scenario: str | Path, changes: Changes | None = None) -> Scenario:
    """Read and validate a scenario file (``extends`` resolved), with ``changes`` applied as ``--set`` does.

    Parameters
    ----------
    scenario : str or Path
        A scenario file, or the name of a shipped one (:func:`shipped`), e.g. ``"baseline"``.
    changes : mapping or list of str, optional
        ``{"run.horizon_days": 30, "hospitals.NHOG.ambulances": 3}`` or ``["run.horizon_days=30"]``: each
        key path must exist in the resolved scenario and keep its kind of value (see :func:`edit`).

    Returns
    -------
    Scenario
        The validated, frozen scenario.

    Raises
    ------
    ScenarioError
        Listing every fault with its file (or ``edit``), key and, where known, line.
    """
    return _as_edit(lambda: load_scenario(scenario_file(scenario), set_texts(changes or {})))


def edit(scenario: Scenario, changes: Changes) -> Scenario:
    """A new scenario: ``scenario`` with ``changes`` set, validated again as a whole (never in place).

    The rules are ``--set``'s (``scenarios/README.md``): a key path (``travel.routes.0.peak``: list items
    by number) must already exist; a value must be of the current value's kind (numbers mix, ``None`` is
    left to the schema); a mapping replaces the whole mapping at its key.  Values are plain Python: numbers,
    text, booleans, ``None``, lists and dicts (a distribution: ``{"dist": "fixed", "value": 30}``).

    Raises
    ------
    ScenarioError
        One fault per bad change, named ``edit [key.path]: problem``.
    """
    return _as_edit(lambda: with_overrides(scenario, set_texts(changes)))


def set_texts(changes: Changes) -> list[str]:
    """``changes`` as ``--set`` texts: ``{"a.b": 3}`` -> ``["a.b=3"]`` (each value written as JSON, which
    the ``--set`` reader parses back unchanged)."""
    if isinstance(changes, str):
        return [changes]
    if not isinstance(changes, Mapping):
        return [str(text) for text in changes]
    texts = []
    for key, value in changes.items():
        try:
            texts.append(f"{key}={json.dumps(value, allow_nan=False, default=_plain)}")
        except (TypeError, ValueError) as exc:
            raise ScenarioError([Problem("edit", str(key), f"value {value!r:.80} cannot be set: {exc}")]) from None
    return texts


def _plain(value: Any) -> Any:
    """A NumPy number or array as plain Python (for :func:`json.dumps`); TypeError for anything else."""
    if hasattr(value, "tolist"):
        return value.tolist()
    raise TypeError(f"a {type(value).__name__} is not a number, text, boolean, list or mapping")


def _as_edit(make: Any) -> Scenario:
    """``make()``, with the faults of changes given in Python named ``edit`` rather than ``--set``."""
    try:
        return make()  # type: ignore[no-any-return]
    except ScenarioError as exc:
        raise ScenarioError([dataclasses.replace(p, file="edit") if p.file == "--set" else p
                             for p in exc.problems]) from None


def run(scenario: Scenario, replications: int | None = None, *, seed: int | None = None,
        out: str | Path | None = None, workers: int = 1, force: bool = False, precision: float = 0.05,
        report: bool = False, progress: bool = False, allow_large: bool = False) -> Results:
    """Run replications of ``scenario``: into memory, or into the results folder ``out`` as ``ihsim run``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`load` or :func:`edit`.
    replications, seed : int, optional
        Default: the scenario's ``run.replications`` and ``run.seed``.
    out : str or Path, optional
        A results folder, written atomically by the command line's code (manifest, tables, workbook; with
        ``report``, report.html); ``force`` replaces one ihsim wrote.  Without it the tables stay in memory.
    workers : int
        Worker processes (results do not depend on it).
    precision : float
        Relative CI half-width each KPI is checked against (``precision_met`` in the summary).
    allow_large : bool
        Run work beyond the sane limits (``--yes``).

    Returns
    -------
    Results

    Raises
    ------
    InputError
        Work beyond the limits, or a folder that cannot be written.
    """
    opts = RunOptions(replications=replications, seed=seed, workers=workers, out=None if out is None else Path(out),
                      force=force, precision=precision, progress=progress, report=report, allow_large=allow_large)
    workload.check(workload.workload("run", [scenario], workload.replications_asked(scenario, opts)), opts)
    if opts.out is not None:
        return read(run_loaded(scenario, opts))
    n = replications or scenario.run.replications
    seed = scenario.run.seed if seed is None else seed
    warn_all(scenario_warnings(scenario))
    with tempfile.TemporaryDirectory(prefix="ihsim-") as tmp:  # the store's own parts, then its tables
        run_replications(scenario, seed, n, Path(tmp), workers=workers, progress=progress)
        finish_folder(Path(tmp), n, precision)
        tables = {name: store.read_table(Path(tmp), name) for name in TABLES}
    return Results(scenario, seed, n, None, tables)


def read(folder: str | Path) -> Results:
    """The results in a folder written by ``ihsim run`` (or :func:`run` with ``out``); tables are read
    when first asked for.  InputError when the folder holds no results (no valid ``manifest.json``)."""
    folder = Path(folder)
    if not store.is_results_folder(folder):
        hint = "; it is a comparison folder: read one of its scenarios' subfolders" if (
            store.is_comparison_folder(folder)) else ""
        raise InputError(f"{folder} is not a results folder (no manifest.json){hint}")
    manifest = store.read_json(folder)
    try:
        scenario = Scenario.model_validate(manifest["scenario"])
    except ValidationError as exc:
        raise InputError(f"{folder / 'manifest.json'} [scenario]: not a scenario this version reads "
                         f"({exc.error_count()} problems); rerun it") from None
    return Results(scenario, manifest["seed"], manifest["replications"], folder)


def summarise(results: Results, headline: bool = False) -> pd.DataFrame:
    """The KPI table: each KPI's label, unit, mean with its 95% CI, median and 90th percentile over cases,
    replications and whether the CI meets the precision asked (:data:`SUMMARY_VIEW`).

    ``headline``: only the KPIs a planner reads first (:data:`sim.analysis.kpis.HEADLINE`), all urgencies
    mixed and by urgency.
    """
    table = results.summary
    if headline:
        wanted = {*HEADLINE, *(f"{kpi}_{u}" for kpi in HEADLINE for u in results.scenario.urgency)}
        table = table[table["kpi"].isin(wanted)]
    return table.assign(label=table["kpi"].map(kpi_label))[SUMMARY_VIEW].reset_index(drop=True)


def compare(scenarios: Sequence[Scenario], replications: int | None = None, *, names: Sequence[str] | None = None,
            seed: int | None = None, out: str | Path | None = None, workers: int = 1, force: bool = False,
            precision: float = 0.05, report: bool = False, progress: bool = False,
            allow_large: bool = False) -> Comparison:
    """Run ``scenarios`` with one seed and one number of replications (common random numbers) and give the
    paired differences of every KPI against the first, as ``ihsim compare`` does.

    ``names`` name the scenarios (default: their own names, made unique); the seed and replications
    default to the first scenario's.  With ``out`` the comparison folder is written as ``ihsim compare``
    writes it (with ``report``, comparison.html); otherwise everything stays in memory.  Other parameters
    as :func:`run`.

    Raises
    ------
    InputError
        Fewer than two scenarios, or work beyond the limits.
    ScenarioError
        Costs in different currencies.
    """
    if len(scenarios) < 2:
        raise InputError("compare needs at least two scenarios")
    named = name_all(list(scenarios), list(names) if names else None)
    same_currency([Path(x.name) for x in named], [x.scenario for x in named])
    first = scenarios[0].run
    n, seed = replications or first.replications, first.seed if seed is None else seed
    opts = RunOptions(replications=n, seed=seed, workers=workers, out=None if out is None else Path(out),
                      force=force, precision=precision, progress=progress, report=report, allow_large=allow_large)
    workload.check(workload.workload("compare", list(scenarios), n), opts)
    if opts.out is not None:
        folder = compare_scenarios(list(scenarios), opts, names=[x.name for x in named])
        results = {x.name: read(folder / x.folder) for x in named}
        return Comparison(store.read_table(folder, "differences"), store.read_table(folder, "summaries"), results,
                          folder)
    results = {x.name: run(x.scenario, n, seed=seed, workers=workers, precision=precision, progress=progress,
                           allow_large=allow_large) for x in named}
    diff, summaries = paired({k: r.kpis for k, r in results.items()}, {k: r.summary for k, r in results.items()})
    return Comparison(diff, summaries, results)
