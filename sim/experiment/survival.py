"""Does a recommendation survive the assumptions?  ``ihsim sensitivity BASE --against OTHER``.

For each parameter at its low and its high factor, BASE and OTHER both run
with that parameter scaled (each scenario's own value, through the loader's
``--set`` path), all with one seed and count.  The paired difference
OTHER - BASE in each setting is set beside the unscaled one: does it keep
its sign (:func:`sim.analysis.sensitivity.keeps_sign`)?  A parameter that
the other scenario does not have, or cannot scale, is skipped for both.
The folder holds BASE's one-way study too (``sensitivity.csv``, tornadoes)::

    <base>/base  <base>/<key>_low  ...     BASE's runs
    <other>/base <other>/<key>_low ...     OTHER's runs
    survival.csv  sensitivity.csv  sensitivity.json  sensitivity.txt  figures/
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pandas as pd

from sim import store
from sim.analysis.sensitivity import paired, summary_lines, survival, survival_verdict
from sim.experiment.compare import same_currency, study_key, unique
from sim.experiment.sensitivity import (
    Note,
    Outcome,
    RunPlan,
    announce,
    choose,
    default_out,
    header,
    kpis_of,
    measured,
    one_way_table,
    parse_range,
    plan,
    record,
    replications,
    run_all,
    write_outputs,
)
from sim.experiment.single import safe_name
from sim.scenario import load_scenario, scenario_dict
from sim.scenario.scaling import Parameter, Skipped, matches, parameter


def counterparts(other: dict[str, Any], params: list[Parameter], name: str) -> tuple[list[Parameter], list[Skipped]]:
    """Each parameter as the other scenario (resolved dict ``other``) has it; those it lacks or cannot scale
    are skipped, with the reason."""
    sources = other.get("sources") or {}
    keys = [p.key for p in params]
    found, skipped = [], []
    for p in params:
        theirs = parameter(other, p.key, p.source, [*sources, *keys]) if matches(other, p.key) else None
        if isinstance(theirs, Parameter):
            found.append(theirs)
        else:
            why = theirs.reason if isinstance(theirs, Skipped) else "not a key of it"
            skipped.append(Skipped(p.key, p.source, f"in {name}: {why}"))
    return found, skipped


def _drop(runs: RunPlan, keys: set[str]) -> RunPlan:
    """``runs`` without the variants of ``keys`` (their runs stay planned only if another variant uses them)."""
    variants = [v for v in runs.variants if v.parameter not in keys]
    used = {runs.runs[0].folder, *(v.folder for v in variants)}
    return RunPlan([r for r in runs.runs if r.folder in used], variants, runs.skipped)


def verdicts(unscaled: pd.DataFrame, table: pd.DataFrame, kpis: list[str], other: str) -> list[str]:
    """One line per KPI: does OTHER's difference hold across every assumption's range?"""
    ref = unscaled.set_index("kpi")
    return [survival_verdict(other, k, ref.loc[k], table[table["kpi"] == k]) for k in kpis if k in ref.index]


def survival_study(base_path: Path, other_path: Path, overrides: list[str], opts: Any, spec: str, range_text: str,
                   note: Note) -> Path:
    """Run BASE and OTHER at every scaled setting and write the folder (``survival.csv`` and BASE's one-way
    study); returns its path.  Input errors raise before anything runs (see
    :func:`sim.experiment.sensitivity.one_way`)."""
    factors = parse_range(range_text)
    base, other = load_scenario(base_path, overrides), load_scenario(other_path, overrides)
    same_currency([base_path, other_path], [base, other])
    names = unique([base.name, other.name])
    folders = unique(safe_name(n) for n in names)
    params, skipped = choose(scenario_dict(base), spec)
    theirs, lacking = counterparts(scenario_dict(other), params, names[1])
    params = [p for p in params if p.key in {t.key for t in theirs}]
    strict = spec.strip().upper() != "ASSUMPTION"
    mine = plan(base_path, overrides, params, factors, folders[0] + "/", strict)
    yours = plan(other_path, overrides, theirs, factors, folders[1] + "/", strict)
    invalid = {s.key for s in [*mine.skipped, *yours.skipped]}
    mine, yours = _drop(mine, invalid), _drop(yours, invalid)
    n = opts.replications or base.run.replications
    what = f"sensitivity of {names[1]} against {names[0]}: {len(params) - len(invalid)} parameters x 2 levels, both"
    announce(note, what, [*mine.runs, *yours.runs], n, len(skipped) + len(lacking), opts)
    out = opts.out or default_out(base, overrides, f"-against-{folders[1]}")
    t0 = time.perf_counter()
    key = study_key("sensitivity", [*mine.runs, *yours.runs], opts)
    with store.results_folder(out, force=opts.force, resume=opts.resume, key=key) as tmp:
        seed, n = run_all([*mine.runs, *yours.runs], opts, tmp, overrides, "sensitivity")
        outcome = _outcome(tmp, mine, yours, (base, other), names, factors)
        rec = record(mine, params, [*skipped, *lacking, *yours.skipped], factors, seed, n, overrides,
                     outcome.record["kpis"])
        rec.update(outcome.record, scenario_runs=len(mine.runs) + len(yours.runs),
                   wall_seconds=round(time.perf_counter() - t0))
        outcome.record, outcome.text = rec, [*header(rec, "One-way sensitivity"), *outcome.text]
        write_outputs(tmp, outcome, opts.svg)
    return out


def _outcome(folder: Path, mine: RunPlan, yours: RunPlan, scenarios: tuple[Any, Any], names: list[str],
             factors: tuple[float, float]) -> Outcome:
    """The tables and text of a study against OTHER, from the finished runs."""
    mreps, yreps = replications(folder, mine.runs), replications(folder, yours.runs)
    mbase, ybase = mreps[mine.runs[0].folder], yreps[yours.runs[0].folder]
    kpis = [k for k in kpis_of(scenarios[0], mbase) if k in kpis_of(scenarios[1], ybase)]
    table = one_way_table(mreps, mine, kpis)
    unscaled = paired(mbase, ybase, kpis)
    pairs = [(m.parameter, m.level, m.scaled.factor, paired(mreps[m.folder], yreps[y.folder], kpis))
             for m, y in zip(mine.variants, yours.variants, strict=True)]
    surv = survival(unscaled, pairs)
    shown = measured(table, kpis)
    lines = [f"Does {names[1]}'s difference from {names[0]} ({names[1]} - {names[0]}, paired) keep its sign when "
             "each assumption is scaled?", *verdicts(unscaled, surv, shown, names[1]), ""]
    rec = {"against": names[1], "kpis": shown, "not_measured": [k for k in kpis if k not in shown],
           "verdicts": lines[1:-1]}
    return Outcome(rec, [*lines, *summary_lines(table, shown, factors)], table=table, survival=surv)
