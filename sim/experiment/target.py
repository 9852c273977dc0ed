"""The target solver: the lever value at which a goal holds with 95% confidence.

``ihsim target SCENARIO --lever KEY --range LO..HI --goal "KPI >= 90"``
evaluates the scenario at lever values under common random numbers (one
seed for all, so neighbouring values differ only by the lever) and searches
for the boundary by bisection: integer levers (staff, incubators) to the
exact integer, continuous ones (a mobilisation time) to a tolerance.

A goal *holds with 95% confidence* when the KPI's two-sided 95% confidence
interval lies on the goal's side of the threshold: ``ci_low >= T`` for
``>=`` (``>`` for ``>``), ``ci_high <= T`` for ``<=`` (``<`` for ``<``).  That
is a one-sided 97.5% bound, slightly conservative.  A zero-width interval
(every replication gave the same value) measures no uncertainty, so it never
holds: the evidence table says "no (zero-width interval)" and more
replications (or, for a share, more cases) are needed.  Shares of cases have
an interval at least as wide as the exact binomial one of their pooled
counts (:mod:`sim.analysis.stats`), so few cases cannot make one hold.  The search assumes the
goal, once met, stays met as the lever moves the same way (monotone), which
common random numbers make likely but do not guarantee; the evidence table
shows every value tried so a reader can check.  If the goal holds at ``HI``
but not ``LO``, the answer is the smallest value that holds; if it holds at
``LO`` but not ``HI`` (a lever where less is better, such as a delay), the
answer is the largest value that holds.  The answer is then confirmed by an
independent run with another seed.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.errors import InputError
from sim.experiment import workload
from sim.experiment.runner import shared_executor
from sim.experiment.single import run_loaded, safe_name
from sim.scenario.load import child_key, missing_child

MAX_HALVINGS = 30
"""Most bisection steps a search may take (a billionth of the range); a finer --tolerance is refused."""
GOAL = re.compile(r"^\s*([A-Za-z][A-Za-z0-9_]*)\s*(>=|<=|>|<)\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)\s*$")


def zero_width(ci_low: float, ci_high: float) -> bool:
    """Whether an interval has no width (every replication agreed): it measures no uncertainty."""
    return bool(ci_low == ci_high)


@dataclass(frozen=True)
class Goal:
    """``kpi op threshold``, e.g. ``ddi_within_target_pct >= 90``."""

    kpi: str
    op: str
    threshold: float

    def holds(self, ci_low: float, ci_high: float) -> bool:
        """Whether the 95% interval lies on the goal's side of the threshold; an interval of no width
        (:func:`zero_width`) or a missing one (NaN) never holds."""
        if zero_width(ci_low, ci_high):
            return False
        t = self.threshold
        checks = {">=": ci_low >= t, ">": ci_low > t, "<=": ci_high <= t, "<": ci_high < t}
        return bool(checks[self.op])

    def __str__(self) -> str:
        return f"{self.kpi} {self.op} {self.threshold:g}"


@dataclass(frozen=True)
class Lever:
    """The key to vary, its range and whether it takes integer values."""

    key: str
    low: float
    high: float
    integer: bool
    tolerance: float


@dataclass(frozen=True)
class Trial:
    """One evaluation: the lever value, the KPI's estimate and interval, and the verdict."""

    value: float
    seed: int
    n: int
    mean: float
    ci_low: float
    ci_high: float
    holds: bool


def parse_goal(text: str) -> Goal:
    match = GOAL.match(text)
    if not match:
        raise InputError(f"--goal {text!r}: expected '<kpi> (>=|<=|>|<) <number>', e.g. 'ddi_within_target_pct >= 90'")
    threshold = float(match.group(3))
    if not math.isfinite(threshold):
        raise InputError(f"--goal {text!r}: the threshold {match.group(3)} is not a finite number")
    return Goal(match.group(1), match.group(2), threshold)


def parse_lever(key: str, text: str, current: Any, tolerance: float | None = None) -> Lever:
    """``"1..4"`` as a range of ``key``; integer when the current value and both ends are integers."""
    match = re.match(r"^\s*([-+]?[\d.eE+-]+)\s*\.\.\s*([-+]?[\d.eE+-]+)\s*$", text)
    try:
        low, high = (float(match.group(1)), float(match.group(2))) if match else (math.nan, math.nan)
    except ValueError:
        low = high = math.nan
    if not (math.isfinite(low) and math.isfinite(high)) or low >= high:
        raise InputError(f"--range {text!r}: expected LO..HI with LO < HI, e.g. 1..4")
    if isinstance(current, bool) or not isinstance(current, int | float):
        raise InputError(f"--lever {key}: not a number in the scenario (it is {current!r})")
    integer = isinstance(current, int) and low.is_integer() and high.is_integer()
    return Lever(key, low, high, integer, tolerance or (high - low) / 64)


def lookup(data: dict[str, Any], key: str) -> Any:
    """The value at dotted ``key`` of a resolved scenario dict; :class:`InputError` if absent."""
    node: Any = data
    path = tuple(key.split("."))
    for i, part in enumerate(path):
        child = child_key(node, part)
        if child is None:
            raise InputError(f"--lever {key}: {missing_child(path, i, node)}")
        node = node[child]
    return node


def search(lever: Lever, evaluate: Callable[..., Trial]) -> tuple[float | None, str]:
    """Bisection for the boundary; returns ``(answer or None, how it was found)``."""
    lo, hi = evaluate(lever.low), evaluate(lever.high)
    if lo.holds and hi.holds:
        return lever.low, "holds over the whole range; the smallest value is the answer"
    if not lo.holds and not hi.holds:
        return None, "the goal holds at neither end of the range"
    rising = hi.holds
    a, b = (lever.low, lever.high)  # the goal holds at b when rising, at a otherwise
    while (b - a > 1) if lever.integer else (b - a > lever.tolerance):
        mid = float((a + b) // 2) if lever.integer else (a + b) / 2
        if mid in (a, b):  # the bracket is as narrow as floating point allows
            break
        holds = evaluate(mid).holds
        if holds == rising:
            b = mid
        else:
            a = mid
    if rising:
        return b, "smallest value for which the goal holds"
    return a, "largest value for which the goal holds (the goal prefers low values)"


def search_steps(lever: Lever) -> int:
    """Bisection steps between the two ends; :class:`InputError` naming ``--tolerance`` beyond
    :data:`MAX_HALVINGS`."""
    span = lever.high - lever.low
    steps = workload.bisection_steps(span, 1.0 if lever.integer else lever.tolerance)
    if steps <= MAX_HALVINGS:
        return int(steps)
    if lever.integer:
        raise InputError(f"--range {lever.low:g}..{lever.high:g}: {steps:g} halvings to search (at most "
                         f"{MAX_HALVINGS}); give a range of at most {2**MAX_HALVINGS:,} values")
    raise InputError(f"--tolerance {lever.tolerance:g}: {steps:g} halvings of the range {lever.low:g}.."
                     f"{lever.high:g} (at most {MAX_HALVINGS}); give --tolerance {span / 2**MAX_HALVINGS:.3g} or more")


def trial_from_summary(goal: Goal, value: float, seed: int, summary: Any) -> Trial:
    """The goal's verdict at one lever value from that run's summary table."""
    row = summary[summary["kpi"] == goal.kpi]
    if row.empty:
        known = ", ".join(summary["kpi"])
        raise InputError(f"--goal: unknown KPI {goal.kpi!r}; known KPIs: {known}")
    r = row.iloc[0]
    return Trial(value, seed, int(r["n"]), float(r["mean"]), float(r["ci_low"]), float(r["ci_high"]),
                 goal.holds(float(r["ci_low"]), float(r["ci_high"])))


def value_text(lever: Lever, value: float) -> str:
    return str(int(value)) if lever.integer else f"{value:.6g}"


def options_for(opts: Any, folder: Path, seed: int) -> Any:
    return dataclasses.replace(opts, out=folder, seed=seed, force=False, resume=False, report=False, lock=False)


@dataclass
class Outcome:
    """The solver's answer (``None`` if the goal holds nowhere), how it was found, and the evidence."""

    goal: Goal
    lever: Lever
    answer: float | None
    how: str
    trials: list[Trial]
    confirm: Trial | None = None


def known_kpis(scenario: Any) -> set[str]:
    """Every KPI name a run of ``scenario`` can produce (see :mod:`sim.analysis.kpis`)."""
    from sim.analysis.case_kpis import kpi_names
    from sim.analysis.costs import resource_kpi_names
    from sim.analysis.kpis import CASE_KPIS, COUNT_KPIS
    from sim.analysis.outcomes import outcome_kpi_names
    from sim.experiment.runner import equipment_of, home_urgencies, staff_roles_of
    from sim.model.run import POOL_NAME

    names = {*CASE_KPIS, *COUNT_KPIS, "ddi_within_target_pct", "home_ddi_within_target_pct"}
    for u in scenario.urgency:
        names |= {f"decision_to_delivery_min_{u}", f"ddi_within_target_pct_{u}", f"home_decision_to_delivery_min_{u}"}
    homes = [d.hospital for d in scenario.demand.home_streams]
    taken: dict[str, list[str]] = {}  # hospital -> roles its teams take (a dedicated team takes nobody's)
    for team in scenario.teams:
        if not team.dedicated:
            taken.setdefault(team.home, [])
            taken[team.home] += [r for r, n in team.composition.items() if n and r not in taken[team.home]]
    names |= kpi_names(list(scenario.urgency), home_urgencies(scenario), homes, taken)
    names |= resource_kpi_names(staff_roles_of(scenario), equipment_of(scenario), scenario.costs is not None)
    names |= outcome_kpi_names(list(scenario.outcomes))
    for hid, h in scenario.hospitals.items():
        names |= {f"utilisation_{hid}_{p}" for p in [*POOL_NAME.values(), *h.equipment, *h.staff]}
    for team in scenario.teams:
        names.add(f"utilisation_team@{team.name}")
        if team.dedicated:
            names |= {f"utilisation_{team.name}_{p}" for p in [*team.equipment, "ambulance", *team.own_staff()]}
    if homes:
        for hospital in homes:
            names |= {f"home_decision_to_delivery_min@{hospital}", f"home_ddi_within_target_pct@{hospital}"}
            names |= {f"home_decision_to_delivery_min_{u}@{hospital}" for u in scenario.urgency}
    return names


def evaluator(path: Path, overrides: list[str], lever: Lever, goal: Goal, opts: Any, folder: Path,
              seed: int) -> tuple[Callable[..., Trial], list[Trial]]:
    """A cached function lever value -> :class:`Trial` that runs into ``folder`` and records each trial."""
    from sim import store
    from sim.scenario import load_scenario

    tried: dict[float, Trial] = {}
    order: list[Trial] = []

    def evaluate(value: float, run_seed: int = seed) -> Trial:
        if run_seed == seed and value in tried:
            return tried[value]
        text = value_text(lever, value)
        sc = load_scenario(path, [*overrides, f"{lever.key}={text}"])
        sub = folder / f"{lever.key.split('.')[-1]}={text}" / ("search" if run_seed == seed else "confirm")
        out = run_loaded(sc, options_for(opts, sub, run_seed), overrides)
        trial = trial_from_summary(goal, value, run_seed, store.read_table(out, "summary"))
        if run_seed == seed:
            tried[value] = trial
        order.append(trial)
        return trial

    return evaluate, order


def solve(path: Path, overrides: list[str], lever_key: str, range_text: str, goal_text: str, opts: Any,
          tolerance: float | None = None, confirm: bool = True) -> tuple[Path, Outcome]:
    """Validate, search, confirm with another seed and write the target folder; returns ``(folder, outcome)``."""
    from sim import store
    from sim.scenario import load_scenario, scenario_dict
    from sim.scenario.load import titled

    goal = parse_goal(goal_text)
    scenario = load_scenario(path, overrides)
    lever = parse_lever(lever_key, range_text, lookup(scenario_dict(scenario), lever_key), tolerance)
    if goal.kpi not in known_kpis(scenario):
        raise InputError(f"--goal: unknown KPI {goal.kpi!r}; known KPIs: {', '.join(sorted(known_kpis(scenario)))}")
    ends = [load_scenario(path, [*overrides, f"{lever.key}={value_text(lever, end)}"])  # both must be valid
            for end in (lever.low, lever.high)]
    trials = 2 + search_steps(lever) + int(confirm)
    workload.check(workload.workload("target", ends, workload.replications_asked(scenario, opts), trials), opts)
    seed = scenario.run.seed if opts.seed is None else opts.seed
    out = opts.out or Path("results") / f"target-{safe_name(titled(scenario.name, overrides))}"
    with store.results_folder(out, force=opts.force, key=store.study_key("target")) as tmp:
        evaluate, order = evaluator(Path(path), overrides, lever, goal, opts, tmp, seed)
        with shared_executor(opts.engine, opts.workers, opts.scheduler):
            answer, how = search(lever, evaluate)
            outcome = Outcome(goal, lever, answer, how, list(order))
            if answer is not None and confirm:
                outcome.confirm = evaluate(answer, seed + 1)
        _write(tmp, outcome)
    return out, outcome


def _write(folder: Path, outcome: Outcome) -> None:
    import pandas as pd

    from sim import store

    rows = [{"step": i + 1, **dataclasses.asdict(t), "role": "search"} for i, t in enumerate(outcome.trials)]
    if outcome.confirm is not None:
        rows.append({"step": len(rows) + 1, **dataclasses.asdict(outcome.confirm), "role": "confirm"})
    store.write_csv(folder, "target.csv", pd.DataFrame(rows))
    store.write_json(folder, "target.json", {
        "goal": str(outcome.goal), "lever": dataclasses.asdict(outcome.lever), "answer": outcome.answer,
        "how": outcome.how, "confirmed": None if outcome.confirm is None else outcome.confirm.holds,
        "rule": "holds when the two-sided 95% CI of the KPI's mean lies on the goal's side of the threshold "
                "and has a width (a zero-width interval never holds)",
    })


def format_outcome(outcome: Outcome) -> list[str]:
    """The evidence table and the answer, as text lines."""
    lines = [f"goal: {outcome.goal} with 95% confidence (CI {'lower' if '>' in outcome.goal.op else 'upper'} "
             f"bound beyond the threshold); lever {outcome.lever.key}", "",
             f"{'step':>4} {'value':>10} {'seed':>10} {'n':>4} {'mean':>10} {'95% CI':>22}  holds"]
    rows = [*outcome.trials, *([outcome.confirm] if outcome.confirm else [])]
    for i, t in enumerate(rows, start=1):
        ci = f"{t.ci_low:.4g} to {t.ci_high:.4g}"
        tag = "  (confirmation, independent seed)" if t is outcome.confirm else ""
        why = " (zero-width interval: no uncertainty measured; add replications)" if zero_width(
            t.ci_low, t.ci_high) else ""
        lines.append(f"{i:>4} {value_text(outcome.lever, t.value):>10} {t.seed:>10} {t.n:>4} {t.mean:>10.4g} "
                     f"{ci:>22}  {'yes' if t.holds else 'no'}{why}{tag}")
    lines.append("")
    if outcome.answer is None:
        lines.append(f"no answer: {outcome.how}")
    else:
        lines.append(f"answer: {outcome.lever.key} = {value_text(outcome.lever, outcome.answer)} ({outcome.how})")
        if outcome.confirm is not None:
            lines.append("confirmed by an independent run" if outcome.confirm.holds
                         else "NOT confirmed by an independent run: the answer is borderline; add replications")
    return lines
