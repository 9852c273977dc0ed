"""Morris screening of the assumptions together: ``ihsim sensitivity SCENARIO --method morris``.

Each parameter's scale factor is a Morris factor on ``[low, high]`` of
``--range``.  SALib draws ``--trajectories`` trajectories on a grid of
``--levels`` levels (``trajectories x (parameters + 1)`` sample points,
:func:`SALib.sample.morris.sample`, seeded by the study's seed); each point
is a scenario with every parameter scaled by its factor, built through the
loader's ``--set`` path, and run with the study's seed and count (common
random numbers).  A point identical to one already planned (SALib's
trajectories share points; counts round to the same whole number) is run
once.  Each KPI's mean over the replications is the output analysed by
:func:`SALib.analyze.morris.analyze`; a KPI with no value at some point is
left out and named.  The folder holds::

    morris/point-000/ ...   each distinct point's results folder
    morris.csv              kpi, unit, parameter, mu, mu_star, mu_star_conf, sigma
    sensitivity.json  sensitivity.txt  figures/morris_<kpi>.png|svg
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim import __version__, store
from sim.analysis.sensitivity import morris_table
from sim.experiment import workload
from sim.experiment.compare import Named, study_key
from sim.experiment.sensitivity import (
    Note,
    Outcome,
    announce,
    choose,
    default_out,
    kpis_of,
    parse_range,
    replications,
    run_all,
    write_outputs,
)
from sim.scenario import Scenario, load_scenario, scenario_dict, scenario_hash
from sim.scenario.load import titled
from sim.scenario.scaling import Parameter, scale

TOP = 3


def points(path: Path, overrides: list[str], params: list[Parameter], X: np.ndarray,
           title: str) -> tuple[list[Named], list[str]]:
    """A validated scenario for each distinct sample point, and each row of ``X``'s run folder."""
    runs: list[Named] = []
    seen: dict[str, str] = {}
    folders = []
    for row in X:
        texts = [text for p, k in zip(params, row, strict=True) for text in scale(p, float(k)).overrides]
        sc = load_scenario(path, [*overrides, *texts])
        digest = scenario_hash(sc)
        if digest not in seen:
            seen[digest] = f"morris/point-{len(runs):03d}"
            name = f"{title}: Morris point {len(runs)}"
            runs.append(Named(name, sc.model_copy(update={"name": name}), seen[digest]))
        folders.append(seen[digest])
    return runs, folders


def outputs(reps: dict[str, pd.DataFrame], folders: list[str], kpis: list[str]) -> tuple[dict[str, np.ndarray],
                                                                                          list[str]]:
    """Each KPI's mean over replications at every sample point, and the KPIs left out (no value somewhere)."""
    means = {k: np.array([float(reps[f][k].mean()) for f in folders]) for k in kpis}
    missing = [k for k, y in means.items() if not np.isfinite(y).all()]
    return {k: y for k, y in means.items() if k not in missing}, missing


def text(table: pd.DataFrame, rec: dict[str, Any]) -> list[str]:
    """``sensitivity.txt`` of a Morris study: the parameters of largest mu* for each KPI."""
    lines = [f"Morris screening of {rec['scenario']}: {len(rec['parameters'])} parameters, each scale factor in "
             f"[{rec['range']['low']:g}, {rec['range']['high']:g}], {rec['trajectories']} trajectories on "
             f"{rec['levels']} levels ({rec['sample_points']} points, {rec['scenario_runs']} distinct runs of "
             f"{rec['replications']} replications, seed {rec['seed']}, common random numbers).",
             "mu* is the mean absolute change of the KPI for a move across the whole range; sigma its spread "
             "(interactions, non-linearity).", ""]
    for kpi in rec["kpis"]:
        sel = table[table["kpi"] == kpi].sort_values("mu_star", ascending=False).head(TOP)
        lines.append(f"{kpi}:")
        lines += [f"  {i}. {r.parameter}: mu* {_num(r.mu_star)} (+/- {_num(r.mu_star_conf)}), sigma {_num(r.sigma)}"
                  for i, r in enumerate(sel.itertuples(index=False), 1)]
    if rec["not_measured"]:
        lines += ["", "Left out (no value at some point): " + ", ".join(rec["not_measured"])]
    return lines


def _num(x: float) -> str:
    """Three significant digits; rounding noise (below 1e-9) shown as 0."""
    return "0" if abs(x) < 1e-9 else f"{x:.3g}"


def morris_study(path: Path, overrides: list[str], opts: Any, spec: str, range_text: str, trajectories: int,
                 levels: int, note: Note) -> Path:
    """Run the Morris screening and write its folder; returns its path.  Input errors raise before anything
    runs; a scenario at a sample point that is invalid raises :class:`~sim.scenario.ScenarioError`."""
    from SALib.sample import morris

    factors = parse_range(range_text)
    base = load_scenario(path, overrides)
    params, skipped = choose(scenario_dict(base), spec)
    seed = base.run.seed if opts.seed is None else opts.seed
    problem = {"num_vars": len(params), "names": [p.key for p in params], "bounds": [list(factors)] * len(params)}
    X = morris.sample(problem, trajectories, num_levels=levels, seed=seed % 2**32)
    n = opts.replications or base.run.replications
    workload.check(workload.Workload("Morris screening", len(X), len(X) * n), opts)  # before loading each point
    runs, folders = points(Path(path), overrides, params, X, titled(base.name, overrides))
    announce(note, f"Morris screening: {len(params)} parameters, {trajectories} trajectories, {len(X)} points",
             runs, n, len(skipped), opts)
    out = opts.out or default_out(base, overrides, "-morris")
    t0 = time.perf_counter()
    key = study_key("sensitivity", runs, opts)
    with store.results_folder(out, force=opts.force, resume=opts.resume, key=key) as tmp:
        seed, n = run_all(runs, opts, tmp, overrides, "Morris")
        reps = replications(tmp, runs)
        found, missing = outputs(reps, folders, kpis_of(base, reps[runs[0].folder]))
        table = morris_table(problem, X, found, levels, seed % 2**32)
        rec = _record(base, overrides, params, skipped, factors, seed, n, trajectories, levels, len(X), runs)
        rec.update(kpis=list(found), not_measured=missing, wall_seconds=round(time.perf_counter() - t0))
        write_outputs(tmp, Outcome(rec, text(table, rec), morris=table), opts.svg)
    return out


def _record(base: Scenario, overrides: list[str], params: list[Parameter], skipped: list[Any],
            factors: tuple[float, float], seed: int, n: int, trajectories: int, levels: int, sample: int,
            runs: list[Named]) -> dict[str, Any]:
    return {"kind": "sensitivity", "method": "morris", "ihsim_version": __version__,
            "scenario": titled(base.name, overrides), "seed": seed, "replications": n, "overrides": overrides,
            "range": {"low": factors[0], "high": factors[1]}, "trajectories": trajectories, "levels": levels,
            "sample_points": sample, "scenario_runs": len(runs),
            "parameters": [{"key": p.key, "source": p.source, "values": len(p.leaves), "notes": list(p.notes)}
                           for p in params],
            "skipped": [{"key": s.key, "source": s.source, "reason": s.reason} for s in skipped]}
