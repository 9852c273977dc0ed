"""A grid of variants of one scenario under common random numbers.

``--vary KEY=V1,V2,...`` (repeatable) names a scenario key and its values;
the grid is every combination, the first value of every key forming the
reference variant.  All variants are validated before anything runs and are
run with one seed, so their paired differences against the reference are
valid.  Besides the comparison files (:mod:`sim.experiment.compare`), the
folder holds ``sweep.csv``: one row per variant and KPI with the values of
the varied keys, the mean and 95% CI, and the paired difference against the
reference variant.  Its ``results.xlsx`` has a ``Sweep`` sheet besides the comparison's.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from sim import store
from sim.errors import InputError
from sim.experiment import workload
from sim.experiment.compare import Named, run_set, study_key, write_study, write_workbook
from sim.experiment.single import safe_name
from sim.scenario import ScenarioError, load_scenario
from sim.scenario.diff import show
from sim.scenario.load import parse_override

SWEEP_COLUMNS = ["variant", "kpi", "unit", "mean", "ci_low", "ci_high", "n", "half_width",
                 "diff_mean", "diff_ci_low", "diff_ci_high"]


@dataclass(frozen=True)
class Vary:
    """One swept key and its values (already parsed from YAML scalars)."""

    key: str
    options: tuple[Any, ...]

    @property
    def short(self) -> str:
        return ".".join(self.key.split(".")[-2:])


def parse_vary(text: str) -> Vary:
    """``"a.b=1,2,3"`` -> ``Vary("a.b", (1, 2, 3))``; values are YAML scalars separated by commas."""
    if "=" not in text:
        raise InputError(f"--vary {text!r}: expected KEY=V1,V2,...")
    key, values = text.split("=", 1)
    parts = [v.strip() for v in values.split(",")]
    if not key.strip() or not all(parts):
        raise InputError(f"--vary {text!r}: expected KEY=V1,V2,... with no empty value")
    parsed = tuple(parse_override(f"{key.strip()}={v}")[1] for v in parts)
    if len(set(map(repr, parsed))) != len(parsed):
        raise InputError(f"--vary {text!r}: a value is repeated")
    return Vary(key.strip(), parsed)


def grid(varies: list[Vary]) -> list[dict[str, Any]]:
    """Every combination of the values, the first values first: ``[{key: value, ...}, ...]``."""
    keys = [v.key for v in varies]
    if len(set(keys)) != len(keys):
        raise InputError("--vary: the same key is given twice")
    return [dict(zip(keys, combo, strict=True)) for combo in itertools.product(*(v.options for v in varies))]


def build_variants(path: Path, overrides: list[str], varies: list[Vary]) -> list[Named]:
    """Load and validate every variant (all problems reported together) before anything runs."""
    from sim.scenario.load import titled

    shorts = {v.key: v.short for v in varies}
    named, problems = [], []
    base_name: str | None = None
    for i, setting in enumerate(grid(varies)):
        label = ", ".join(f"{shorts[k]}={show(v)}" for k, v in setting.items())
        try:
            sc = load_scenario(path, [*overrides, *(f"{k}={_yaml(v)}" for k, v in setting.items())])
            base_name = base_name or titled(load_scenario(path, overrides).name, overrides)
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        sc = sc.model_copy(update={"name": f"{base_name}: {label}"[:200]})
        named.append(Named(label, sc, f"{i:02d}_" + "_".join(f"{shorts[k]}={show(v)}" for k, v in setting.items())))
    if problems:
        raise ScenarioError(problems)
    return [Named(n.name, n.scenario, _safe(n.folder)) for n in named]


def _yaml(value: Any) -> str:
    return "null" if value is None else str(value).lower() if isinstance(value, bool) else str(value)


def _safe(folder: str) -> str:
    return safe_name(folder)[:120]


def tidy(named: list[Named], varies: list[Vary], summary: pd.DataFrame, diff: pd.DataFrame) -> pd.DataFrame:
    """One row per variant and KPI: the varied values, the estimate and the paired difference."""
    settings = pd.DataFrame([{"variant": x.name, **dict(zip([v.key for v in varies], combo, strict=True))}
                             for x, combo in zip(named, itertools.product(*(v.options for v in varies)),
                                                 strict=True)])
    table = summary.rename(columns={"scenario": "variant"}).merge(settings, on="variant")
    d = diff.rename(columns={"scenario": "variant"})[["variant", "kpi", "diff_mean", "diff_ci_low", "diff_ci_high"]]
    table = table.merge(d, on=["variant", "kpi"], how="left")
    first = table["variant"] == named[0].name
    table.loc[first, ["diff_mean", "diff_ci_low", "diff_ci_high"]] = 0.0
    return table[["variant", *[v.key for v in varies], *SWEEP_COLUMNS[1:]]]


def sweep(path: Path, overrides: list[str], vary_texts: list[str], opts: Any) -> Path:
    """Run the grid and write the sweep folder (atomically); returns its path."""
    varies = [parse_vary(t) for t in vary_texts]
    if not varies:
        raise InputError("sweep needs at least one --vary KEY=V1,V2,...")
    n = workload.replications_asked(load_scenario(path, overrides), opts)
    size = math.prod(len(v.options) for v in varies)  # before loading them: a huge grid takes hours to validate
    workload.check(workload.Workload("sweep", size, size * n), opts)
    named = build_variants(Path(path), overrides, varies)
    workload.check(workload.workload("sweep", [x.scenario for x in named], n), opts)
    out = opts.out or Path("results") / f"sweep-{safe_name(named[0].scenario.name.split(':')[0])}"
    with store.results_folder(out, force=opts.force, resume=opts.resume, key=study_key("sweep", named, opts)) as tmp:
        seed, n = run_set(named, opts, tmp, overrides)
        diff, summary = write_study(tmp, named, seed, n, "sweep", overrides)
        table = tidy(named, varies, summary, diff)
        store.write_csv(tmp, "sweep.csv", table)
        store.write_json(tmp, "sweep.json", {"vary": {v.key: list(v.options) for v in varies}})
        write_workbook(tmp)  # after sweep.csv, which it holds as a sheet
        if opts.report:
            from sim.report.compare_html import build_comparison_report

            build_comparison_report(tmp, opts.svg)
    return out
