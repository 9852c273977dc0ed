"""Paired comparison of scenarios under common random numbers.

Every scenario runs with the same seed and the same number of replications,
so replication ``r`` of each sees the same patients and the paired
differences against the first scenario are valid (:mod:`sim.analysis.paired`).
The comparison folder (written atomically) holds::

    <name>/            each scenario's complete results folder (summary with CIs)
    differences.csv    paired differences against the first scenario, one row per scenario and KPI
    summaries.csv      every scenario's summary.csv with a ``scenario`` column
    comparison.json    names, seeds, replications, input changes and verdicts
    comparison.txt     the same in plain English
    results.xlsx       the tables as an Excel workbook (any locale)
    figures/  comparison.html
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__, store
from sim.analysis.kpis import HEADLINE
from sim.analysis.labels import kpi_label
from sim.analysis.paired import DIFFERENCE_COLUMNS, UNIT_WORDS, differences
from sim.experiment import workload
from sim.experiment.runner import shared_executor
from sim.experiment.single import run_loaded, safe_name
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_dict, scenario_hash
from sim.scenario.diff import describe_changes
from sim.scenario.load import Problem, titled


@dataclass(frozen=True)
class Named:
    """A scenario with the name it goes by in this study and its subfolder."""

    name: str
    scenario: Scenario
    folder: str


def unique(names: Iterable[str]) -> list[str]:
    """Suffix repeated names: ``[a, a, b]`` -> ``[a, a-2, b]``."""
    out: list[str] = []
    for name in names:
        candidate, k = name, 1
        while candidate in out:
            k += 1
            candidate = f"{name}-{k}"
        out.append(candidate)
    return out


def name_all(scenarios: list[Scenario], names: list[str] | None = None) -> list[Named]:
    """Give each scenario a unique name and folder (from its own name unless ``names`` is given)."""
    labels = unique(names or [sc.name for sc in scenarios])
    folders = unique(safe_name(n) for n in labels)
    return [Named(n, sc, f) for n, sc, f in zip(labels, scenarios, folders, strict=True)]


def load_all(paths: list[Path], overrides: list[str] | None) -> list[Scenario]:
    """Load every file, reporting the problems of all of them at once (and costs in different currencies)."""
    loaded, problems = [], []
    for path in paths:
        try:
            loaded.append(load_scenario(path, overrides))
        except ScenarioError as exc:
            problems.extend(exc.problems)
    if problems:
        raise ScenarioError(problems)
    same_currency(paths, loaded)
    return loaded


def same_currency(paths: list[Path], scenarios: list[Scenario]) -> None:
    """Refuse scenarios whose costs are in different currencies: their cost differences would mix units."""
    priced = [(str(p), sc.costs.currency) for p, sc in zip(paths, scenarios, strict=True) if sc.costs is not None]
    first = priced[0][1] if priced else None
    wrong = [Problem(f, "costs.currency", f"costs in {c}, but {priced[0][0]} has them in {first}: give every "
                     "scenario compared the same currency (the tool converts nothing)")
             for f, c in priced if c != first]
    if wrong:
        raise ScenarioError(wrong)


def seed_and_count(named: list[Named], opts: Any) -> tuple[int, int]:
    """The seed and the replications every scenario of a study runs with: the options', else the first
    scenario's."""
    first = named[0].scenario.run
    return (first.seed if opts.seed is None else opts.seed), (opts.replications or first.replications)


def study_key(kind: str, named: list[Named], opts: Any) -> dict[str, Any]:
    """The key of a study that runs ``named`` (:func:`sim.store.study_key`): ``--resume`` continues it
    only with the same scenarios, names, folders, seed, replications, precision and version."""
    seed, n = seed_and_count(named, opts)
    return store.study_key(kind, [[x.name, x.folder, scenario_hash(x.scenario)] for x in named], seed, n,
                           opts.precision)


def run_set(named: list[Named], opts: Any, folder: Path, overrides: list[str] | None = None,
            done: Callable[[Named], None] | None = None) -> tuple[int, int]:
    """Run each scenario into ``folder/<its folder>`` with one seed and count; returns ``(seed, n)``.

    ``overrides`` (the ``--set`` texts applied to every scenario) go into each manifest; ``done`` is
    called with each scenario once its folder is written (a study's progress).  With ``opts.resume``
    (``folder`` is an interrupted study's, whose key :func:`study_key` matched), a scenario whose
    folder is complete is not run again (the parts a run stopped just after its folder was put in place
    still holds are removed), and one that stopped part way keeps its finished replications
    (:func:`finished_run`).

    The scenarios' own reports are not built (``ihsim report DIR/<name>`` makes one); the
    comparison report covers them.
    """
    seed, n = seed_and_count(named, opts)
    with shared_executor(opts.engine, opts.workers, opts.scheduler):
        for item in named:
            out = Path(folder) / item.folder
            if opts.resume and finished_run(out, item, seed, n, opts.precision):
                store.remove_parts(out)
            else:
                sub = dataclasses.replace(opts, out=out, seed=seed, replications=n, force=False, report=False,
                                          resume=opts.resume and store.partial_dir(out).is_dir(), lock=False)
                run_loaded(item.scenario, sub, overrides)
            if done is not None:
                done(item)
    return seed, n


def finished_run(out: Path, item: Named, seed: int, n: int, precision: float) -> bool:
    """Whether ``out`` holds the complete results of ``item`` with this seed, count and precision (a
    resumed study reuses it).  Raises :class:`~sim.store.ResumeMismatchError` for a complete folder of
    another run."""
    if not store.is_results_folder(out):
        return False
    made = store.read_json(out)
    wanted = {"scenario_sha256": scenario_hash(item.scenario), "seed": seed, "replications": n,
              "precision": precision, "ihsim_version": __version__}
    changed = store.key_differences(made, wanted)
    if changed:
        raise store.ResumeMismatchError(f"cannot resume: {out} was made with another {', '.join(changed)}; "
                                        "run with --force instead of --resume to start again")
    lost = [name for name in RUN_TABLES if not (out / name).is_file()]
    if lost:
        raise store.ResumeMismatchError(f"cannot resume: {out} has a manifest but lacks {', '.join(lost)}; "
                                        "run with --force instead of --resume to start again")
    return True


RUN_TABLES = ("replications.csv", "summary.csv")
"""What a study reads of each of its runs' folders; a finished run without them cannot be reused."""


def paired_tables(named: list[Named], folder: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(differences against the first, stacked summaries)`` from the scenarios' folders."""
    return paired({x.name: store.read_table(Path(folder) / x.folder, "replications") for x in named},
                  {x.name: store.read_table(Path(folder) / x.folder, "summary") for x in named})


def paired(reps: dict[str, pd.DataFrame], summaries: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(differences against the first, stacked summaries)`` from each scenario's replications and summary
    tables, keyed by name in the order compared (the first is the baseline)."""
    base, *others = reps
    diffs = [differences(reps[base], reps[name], name) for name in others]
    summary = pd.concat([table.assign(scenario=name) for name, table in summaries.items()], ignore_index=True)
    summary = summary[["scenario", *summary.columns.drop("scenario")]]
    diff = pd.concat(diffs, ignore_index=True) if diffs else pd.DataFrame(columns=DIFFERENCE_COLUMNS)
    return diff, summary


TRADE_OFF_KPIS = ("cost_outreach_per_year", "cost_per_year", "decision_to_delivery_min_cat1",
                  "home_decision_to_delivery_min_cat1", "decision_to_team_on_site_min_cat1")
"""What a change costs, then what it buys: the KPIs of a comparison's one-line trade-off, besides every
outcome proxy's excess (``outcome_<name>_excess_per_year``)."""


def trade_off(diff: pd.DataFrame, name: str, currency: str | None) -> str:
    """One line: the paired differences of scenario ``name`` against the first in cost a year, category-1
    DDIs and each outcome proxy's excess, each with its 95% CI (those ``diff`` holds)."""
    rows = diff[diff["scenario"] == name].set_index("kpi")
    kpis = [*TRADE_OFF_KPIS, *sorted(k for k in rows.index if re.fullmatch(r"outcome_\w+_excess_per_year", k))]
    parts, missing = [], [k for k in TRADE_OFF_KPIS if k not in rows.index or pd.isna(rows.loc[k, "diff_mean"])]
    for kpi in (k for k in kpis if k in rows.index and k not in missing):
        row = rows.loc[kpi]
        unit = currency if kpi.startswith("cost_") else UNIT_WORDS.get(row["unit"], "").strip()
        digits = ",.0f" if kpi.startswith("cost_") else ".2f" if row["unit"] == "count" else ".1f"
        parts.append(f"{kpi_label(kpi)} {row['diff_mean']:+{digits}} {unit or ''}".rstrip()
                     + f" (95% CI {row['diff_ci_low']:{digits}} to {row['diff_ci_high']:{digits}})")
    if missing:  # said, so that a KPI left out is never read as unchanged
        parts.append("not compared (no case in both, or no costs section in both): "
                     + ", ".join(kpi_label(k) for k in missing))
    return f"{name}: " + "; ".join(parts)


def describe(named: list[Named], diff: pd.DataFrame, seed: int, n: int, kind: str,
             overrides: list[str] | None = None) -> dict[str, Any]:
    """The study's record: who was compared, how, the ``--set`` overrides applied to every scenario,
    what changed in the inputs and the headline verdicts."""
    base = scenario_dict(named[0].scenario)
    return {
        "kind": kind, "ihsim_version": __version__, "seed": seed, "replications": n, "baseline": named[0].name,
        "overrides": list(overrides or []),
        "scenarios": [{"name": x.name, "folder": x.folder, "scenario_sha256": scenario_hash(x.scenario),
                       "input_changes": describe_changes(base, scenario_dict(x.scenario))} for x in named],
        "verdicts": {x.name: list(diff.loc[(diff["scenario"] == x.name) & diff["kpi"].isin(HEADLINE), "verdict"])
                     for x in named[1:]},
        "trade_offs": {x.name: trade_off(diff, x.name, currency_of(x.scenario)) for x in named[1:]},
        "currency": currency_of(named[0].scenario),
    }


def currency_of(scenario: Scenario) -> str | None:
    """The currency of the scenario's cost rates (None without a ``costs`` section)."""
    return scenario.costs.currency if scenario.costs is not None else None


def as_text(record: dict[str, Any]) -> str:
    """The study in plain English: inputs changed and headline verdicts, per scenario."""
    lines = [f"Paired comparison against {record['baseline']} under common random numbers "
             f"(seed {record['seed']}, {record['replications']} replications each).",
             "A difference is called clear only if significant at 5% after Holm's correction for testing "
             "every KPI at once (p-values in differences.csv: p_value, p_holm).", ""]
    if record.get("overrides"):
        lines[-1:-1] = ["Every scenario changed by --set: " + "; ".join(record["overrides"])]
    for item in record["scenarios"][1:]:
        lines.append(f"{item['name']}:")
        changes = item["input_changes"] or ["(no input differs)"]
        lines += ["  input: " + c for c in changes]
        lines += ["  " + v for v in record["verdicts"].get(item["name"], [])]
        if item["name"] in record.get("trade_offs", {}):
            lines.append("  trade-off: " + record["trade_offs"][item["name"]].split(": ", 1)[1])
        lines.append("")
    return "\n".join(lines)


def write_study(folder: Path, named: list[Named], seed: int, n: int, kind: str,
                overrides: list[str] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Write differences.csv, summaries.csv, comparison.json and comparison.txt; returns the two tables."""
    diff, summary = paired_tables(named, folder)
    store.write_csv(folder, "differences.csv", diff)
    store.write_csv(folder, "summaries.csv", summary)
    record = describe(named, diff, seed, n, kind, overrides)
    store.write_json(folder, "comparison.json", record)
    store.write_text(folder, "comparison.txt", as_text(record))
    return diff, summary


def write_workbook(folder: Path) -> Path:
    """Write the study's ``results.xlsx`` from the tables in ``folder`` (:mod:`sim.report.workbook`)."""
    from sim.report.workbook import write_study_workbook

    return write_study_workbook(folder)


def compare_scenarios(scenarios: list[Scenario], opts: Any, names: list[str] | None = None,
                      overrides: list[str] | None = None) -> Path:
    """Run ``scenarios`` under common random numbers and write the comparison folder; returns its path.

    ``overrides``: the ``--set`` texts the scenarios were loaded with, recorded and shown in the report;
    without ``names``, each scenario goes by :func:`sim.scenario.load.titled` (``<name>+N-overrides-<hash>``).
    """
    named = name_all(scenarios, names or [titled(sc.name, overrides) for sc in scenarios])
    out = opts.out or Path("results") / f"compare-{named[0].folder}"
    with store.results_folder(out, force=opts.force, resume=opts.resume, key=study_key("compare", named, opts)) as tmp:
        seed, n = run_set(named, opts, tmp, overrides)
        write_study(tmp, named, seed, n, "compare", overrides)
        write_workbook(tmp)
        if opts.report:
            from sim.report.compare_html import build_comparison_report

            build_comparison_report(tmp, opts.svg)
    return out


def compare_files(paths: list[Path], overrides: list[str] | None, opts: Any) -> Path:
    """Load the files (all validated before anything runs), check the size of the work
    (:mod:`sim.experiment.workload`) and compare them."""
    loaded = load_all(paths, overrides)
    workload.check(workload.workload("compare", loaded, workload.replications_asked(loaded[0], opts)), opts)
    return compare_scenarios(loaded, opts, overrides=overrides)
