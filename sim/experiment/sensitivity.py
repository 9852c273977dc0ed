"""One-way sensitivity of a scenario's KPIs to its assumptions.

``ihsim sensitivity SCENARIO`` scales each parameter (by default every
``sources:`` key marked "Assumption", :mod:`sim.scenario.scaling`) to the
low and the high factor of ``--range`` in turn, builds each variant through
the scenario loader's ``--set`` path (so each is validated), and runs the base
and every variant with one seed and count: common random numbers, so the
paired differences (:mod:`sim.analysis.sensitivity`) measure what each
assumption does.  The study folder, written atomically, holds::

    base/  <key>_low/  <key>_high/   each run's complete results folder; a variant identical
                                     to one already run is not run again (sensitivity.json says which)
    sensitivity.csv   one row per parameter, level and KPI (paired difference from the base)
    sensitivity.json  parameters and values used, skipped keys and why, range, seed, replications
    sensitivity.txt   the three assumptions that matter most for each KPI, in plain English
    figures/tornado_<kpi>.png|svg
    survival.csv      with --against (:mod:`sim.experiment.survival`)
    morris.csv, figures/morris_<kpi>.png|svg   with --method morris (:mod:`sim.experiment.morris`)

:func:`write_outputs` is the one place that writes the study's own files.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim import __version__, store
from sim.analysis.sensitivity import SENSITIVITY_COLUMNS, effects, study_kpis, summary_lines
from sim.errors import InputError
from sim.experiment import workload
from sim.experiment.compare import Named, run_set, study_key, unique
from sim.experiment.progress import Progress
from sim.experiment.single import safe_name
from sim.scenario import Scenario, ScenarioError, load_scenario, scenario_dict, scenario_hash
from sim.scenario.feasibility import streams
from sim.scenario.load import titled
from sim.scenario.scaling import Parameter, Scaled, Skipped, assumption_keys, matches, parameter, scale

log = logging.getLogger("sim.sensitivity")
Note = Callable[[str], None]
DEFAULT_RANGE = "0.75..1.25"
LEVELS = ("low", "high")


def parse_range(text: str) -> tuple[float, float]:
    """``"0.75..1.25"`` -> ``(0.75, 1.25)``; :class:`InputError` naming ``--range`` unless both are finite
    numbers above 0 with the first below the second."""
    parts = text.split("..")
    try:
        low, high = (float(parts[0]), float(parts[1])) if len(parts) == 2 else (math.nan, math.nan)
    except ValueError:
        low = high = math.nan
    why = ("" if math.isfinite(low) and math.isfinite(high) else "two finite numbers are needed")
    why = why or ("factors must be above 0" if min(low, high) <= 0 else "")
    why = why or ("LOW must be below HIGH" if low >= high else "")
    if why:
        raise InputError(f"--range {text!r}: {why}; expected LOW..HIGH scale factors, e.g. {DEFAULT_RANGE}")
    return low, high


def choose(data: dict[str, Any], spec: str) -> tuple[list[Parameter], list[Skipped]]:
    """The parameters ``--parameters`` names in a resolved scenario, and those that cannot be scaled.

    ``ASSUMPTION`` (any case) takes every ``sources:`` key marked "Assumption"; a key of it that the
    scenario does not have is skipped.  Otherwise ``spec`` is ``KEY,KEY,...``, each a key of the scenario
    (:class:`InputError` naming it if not).  Raises :class:`InputError` too when nothing can be scaled.
    """
    sources = data.get("sources") or {}
    named = spec.strip().upper() != "ASSUMPTION"
    keys = [k.strip() for k in spec.split(",")] if named else assumption_keys(sources)
    if named and (not all(keys) or len(set(keys)) != len(keys)):
        raise InputError(f"--parameters {spec!r}: expected ASSUMPTION or KEY,KEY,... with no empty or repeated key")
    for key in keys:
        if named and not matches(data, key):
            raise InputError(f"--parameters: {key!r} is not a key of the scenario (a dotted path such as "
                             "team.mobilisation; '*' stands for any key or list item)")
    found = [parameter(data, k, sources.get(k, ""), [*sources, *keys]) if matches(data, k)
             else Skipped(k, sources[k], "not a key of this scenario") for k in keys]
    params = [p for p in found if isinstance(p, Parameter)]
    skipped = [p for p in found if isinstance(p, Skipped)]
    if not params:
        raise InputError("--parameters: nothing can be scaled: "
                         + ("; ".join(f"{s.key} ({s.reason})" for s in skipped) or "no key given"))
    return params, skipped


@dataclass(frozen=True)
class Variant:
    """One parameter at one level: what was scaled and the run (folder) that holds its results."""

    parameter: str
    level: str
    scaled: Scaled
    folder: str
    same_as: str | None = None


@dataclass
class RunPlan:
    """The runs of one scenario's study: the base first, then each distinct variant; and every variant."""

    runs: list[Named]
    variants: list[Variant] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)


def load_variant(path: Path, overrides: list[str], scaled: Scaled) -> Scenario:
    """The scenario at ``path`` with ``--set`` ``overrides`` and then the scaled parameter's (validated)."""
    return load_scenario(path, [*overrides, *scaled.overrides])


def plan(path: Path, overrides: list[str], params: list[Parameter], factors: tuple[float, float],
         prefix: str = "", strict: bool = True) -> RunPlan:
    """The base and each parameter's low and high variant of the scenario at ``path``, validated.

    A variant identical to the base or to an earlier variant shares its run (``same_as``).  An invalid
    variant raises :class:`InputError` naming the parameter (``strict``) or skips the parameter with the
    validator's message.  ``prefix`` is put before every run's folder (``"<scenario>/"``).
    """
    base = load_scenario(path, overrides)
    title = titled(base.name, overrides)
    seen = {scenario_hash(base): prefix + "base"}
    out = RunPlan([Named(title, base, prefix + "base")])
    for param in params:
        try:
            pairs = [(scale(param, k), load_variant(path, overrides, scale(param, k))) for k in factors]
        except ScenarioError as exc:
            if strict:
                raise InputError(f"--parameters {param.key}: scaled by the range it gives an invalid scenario: "
                                 + "; ".join(str(p) for p in exc.problems)) from None
            out.skipped.append(Skipped(param.key, param.source, f"scaled, it is invalid: {exc.problems[0]}"))
            continue
        for level, (scaled, sc) in zip(LEVELS, pairs, strict=True):
            out.variants.append(_variant(out, seen, param.key, level, scaled, sc, title, prefix))
    return out


def _variant(out: RunPlan, seen: dict[str, str], key: str, level: str, scaled: Scaled, sc: Scenario,
             title: str, prefix: str) -> Variant:
    """Record one variant, adding a run unless an identical scenario is already planned."""
    digest = scenario_hash(sc)
    if digest in seen:
        return Variant(key, level, scaled, seen[digest], same_as=seen[digest])
    folder = unique([*(r.folder for r in out.runs), prefix + safe_name(f"{key}_{level}")[:120]])[-1]
    seen[digest] = folder
    name = f"{title}: {key} x{scaled.factor:g}"[:200]
    out.runs.append(Named(f"{key} {level}", sc.model_copy(update={"name": name}), folder))
    return Variant(key, level, scaled, folder)


class _Once(logging.Filter):
    """Lets each message through once: the runs of a study repeat the same feasibility warnings."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        new = message not in self.seen
        self.seen.add(message)
        return new


def run_all(runs: list[Named], opts: Any, folder: Path, overrides: list[str], label: str) -> tuple[int, int]:
    """Run every scenario (one seed, one count) with one progress bar over the runs, each warning once;
    returns ``(seed, n)``."""
    bar = Progress(len(runs), label, enabled=opts.progress, unit="scenario runs", short="run")
    quiet, once, warnings = dataclasses.replace(opts, progress=False), _Once(), logging.getLogger("sim")
    warnings.addFilter(once)
    try:
        return run_set(runs, quiet, folder, overrides, done=lambda _: bar.update())
    finally:
        warnings.removeFilter(once)
        bar.close()


def announce(note: Note, what: str, runs: list[Named], n: int, skipped: int, opts: Any) -> None:
    """Say how many runs a study will make before it starts; refuse it beyond the sane limits
    (:func:`sim.experiment.workload.check`) unless ``opts.allow_large``."""
    work = workload.check(workload.workload(what, [r.scenario for r in runs], n), opts)
    note(f"{what}: {len(runs)} scenario runs of {n} replications each ({len(runs) * n} replications, about "
         f"{work.cases or 0:,.0f} expected cases)"
         + (f"; {skipped} keys cannot be scaled (listed in sensitivity.json)" if skipped else ""))


def replications(folder: Path, runs: list[Named]) -> dict[str, pd.DataFrame]:
    """Each run's replications.csv by its folder."""
    return {r.folder: store.read_table(Path(folder) / r.folder, "replications") for r in runs}


def kpis_of(scenario: Scenario, table: pd.DataFrame) -> list[str]:
    """The KPIs a study of ``scenario`` reports, given one run's replications table."""
    return study_kpis(list(table.columns), *streams(scenario))


def one_way_table(reps: dict[str, pd.DataFrame], runs: RunPlan, kpis: list[str]) -> pd.DataFrame:
    """``sensitivity.csv``: every variant's paired differences from the base."""
    base = reps[runs.runs[0].folder]
    parts = [effects(base, reps[v.folder], kpis, {
        "parameter": v.parameter, "level": v.level, "factor": v.scaled.factor, "value": v.scaled.value,
        "note": "; ".join([*v.scaled.notes, *([f"identical to {v.same_as}: not run again"] if v.same_as else [])]),
    }) for v in runs.variants]
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=SENSITIVITY_COLUMNS)


def record(runs: RunPlan, params: list[Parameter], skipped: list[Skipped], factors: tuple[float, float],
           seed: int, n: int, overrides: list[str], kpis: list[str]) -> dict[str, Any]:
    """The study's ``sensitivity.json``: what was scaled, how, what was skipped and why."""
    by_key = {(v.parameter, v.level): v for v in runs.variants}
    return {
        "kind": "sensitivity", "ihsim_version": __version__, "scenario": runs.runs[0].name, "seed": seed,
        "replications": n, "range": {"low": factors[0], "high": factors[1]}, "overrides": overrides,
        "kpis": kpis, "scenario_runs": len(runs.runs),
        "parameters": [{"key": p.key, "source": p.source, "values": len(p.leaves), "notes": list(p.notes),
                        **{lv: _level(by_key[(p.key, lv)]) for lv in LEVELS}}
                       for p in params if (p.key, LEVELS[0]) in by_key],
        "skipped": [dataclasses.asdict(s) for s in [*skipped, *runs.skipped]],
    }


def _level(v: Variant) -> dict[str, Any]:
    return {"factor": v.scaled.factor, "value": v.scaled.value, "notes": list(v.scaled.notes),
            "folder": v.folder, "same_as": v.same_as, "overrides": list(v.scaled.overrides)}


def header(rec: dict[str, Any], what: str) -> list[str]:
    """The opening lines of ``sensitivity.txt``."""
    r = rec["range"]
    lines = [f"{what} of {rec['scenario']} to {len(rec['parameters'])} parameters, each scaled by "
             f"x{r['low']:g} (low) and x{r['high']:g} (high); seed {rec['seed']}, {rec['replications']} "
             f"replications per run, common random numbers ({rec['scenario_runs']} scenario runs).",
             "Effects are paired differences (variant - base) with 95% CIs, not adjusted for the number of "
             "parameters tested: a lone small effect may be chance."]
    if rec["skipped"]:
        lines.append("Not scaled: " + "; ".join(f"{s['key']} ({s['reason']})" for s in rec["skipped"]))
    missing = rec.get("not_measured") or []
    if missing:
        lines.append("Not measured in this run (no case of that kind): " + ", ".join(missing))
    return [*lines, ""]


@dataclass
class Outcome:
    """Everything a sensitivity folder holds besides the runs: tables, record and text."""

    record: dict[str, Any]
    text: list[str]
    table: pd.DataFrame | None = None
    survival: pd.DataFrame | None = None
    morris: pd.DataFrame | None = None


def write_outputs(folder: Path, out: Outcome, svg: bool = False) -> None:
    """Write the study's own files (the runs' subfolders are written as they finish): ``sensitivity.csv``,
    ``survival.csv``, ``morris.csv``, ``sensitivity.json``, ``sensitivity.txt``, the figures (PNG, and
    SVG with ``svg``) and ``results.xlsx``.

    This is the one place a sensitivity folder's files are written; a workbook sheet belongs here too.
    The figures and the workbook are drawn from the files as written, as ``ihsim report`` redraws them
    (:func:`sim.report.sensitivity.rebuild_sensitivity`).
    """
    from sim.report.sensitivity import rebuild_sensitivity

    for name, table in (("sensitivity", out.table), ("survival", out.survival), ("morris", out.morris)):
        if table is not None:
            store.write_csv(folder, f"{name}.csv", table)
    store.write_json(folder, "sensitivity.json", out.record)
    store.write_text(folder, "sensitivity.txt", "\n".join(out.text).rstrip() + "\n")
    rebuild_sensitivity(folder, svg)


def default_out(scenario: Scenario, overrides: list[str], suffix: str = "") -> Path:
    """``results/sensitivity-<scenario title><suffix>``."""
    return Path("results") / f"sensitivity-{safe_name(titled(scenario.name, overrides))}{suffix}"


def one_way(path: Path, overrides: list[str], opts: Any, spec: str = "ASSUMPTION", range_text: str = DEFAULT_RANGE,
            note: Note = log.info) -> Path:
    """Run the one-way study of the scenario at ``path`` and write its folder; returns its path.

    Raises :class:`InputError` (bad ``--range`` or ``--parameters``, an invalid named variant) or
    :class:`~sim.scenario.ScenarioError` (an invalid scenario) before anything runs.
    """
    factors = parse_range(range_text)
    base = load_scenario(path, overrides)
    params, skipped = choose(scenario_dict(base), spec)
    runs = plan(Path(path), overrides, params, factors, strict=spec.strip().upper() != "ASSUMPTION")
    n = opts.replications or base.run.replications
    announce(note, f"sensitivity: {len(params)} parameters x 2 levels", runs.runs, n,
             len(skipped) + len(runs.skipped), opts)
    out = opts.out or default_out(base, overrides)
    t0 = time.perf_counter()
    key = study_key("sensitivity", runs.runs, opts)
    with store.results_folder(out, force=opts.force, resume=opts.resume, key=key) as tmp:
        seed, n = run_all(runs.runs, opts, tmp, overrides, "sensitivity")
        reps = replications(tmp, runs.runs)
        kpis = kpis_of(base, reps[runs.runs[0].folder])
        table = one_way_table(reps, runs, kpis)
        rec = record(runs, params, skipped, factors, seed, n, overrides, measured(table, kpis))
        rec.update(not_measured=[k for k in kpis if k not in rec["kpis"]], wall_seconds=round(time.perf_counter() - t0))
        text = [*header(rec, "One-way sensitivity"), *summary_lines(table, rec["kpis"], factors)]
        write_outputs(tmp, Outcome(rec, text, table=table), opts.svg)
    return out


def measured(table: pd.DataFrame, kpis: list[str]) -> list[str]:
    """The KPIs of ``kpis`` that have rows in ``table``, in that order."""
    return [k for k in kpis if (table["kpi"] == k).any()]


def study(path: Path, overrides: list[str], opts: Any, spec: str = "ASSUMPTION", range_text: str = DEFAULT_RANGE,
          method: str = "oneway", against: Path | None = None, trajectories: int = 4, levels: int = 4,
          note: Note = log.info) -> Path:
    """The study ``ihsim sensitivity`` asks for: one-way, one-way against OTHER, or Morris screening."""
    if against is not None and method != "oneway":
        raise InputError("--against runs a one-way study; it cannot be combined with --method morris")
    if against is not None:
        from sim.experiment.survival import survival_study

        return survival_study(Path(path), Path(against), overrides, opts, spec, range_text, note)
    if method == "morris":
        from sim.experiment.morris import morris_study

        return morris_study(Path(path), overrides, opts, spec, range_text, trajectories, levels, note)
    return one_way(Path(path), overrides, opts, spec, range_text, note)
