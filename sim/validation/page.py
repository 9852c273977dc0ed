"""Assemble ``docs/validation.md`` from fresh runs of every check.

:func:`build_page` runs the checks at the scale given and returns the page as
markdown text; the command line writes it.  Every number on the page comes
from these runs; the prose around them says what each check means and, for
the audit comparison, why the model differs where it does.
"""

from __future__ import annotations

import datetime as dt
import functools
import multiprocessing
import subprocess
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from sim.experiment.single import git_commit, versions
from sim.validation import audit, little, mmc, replay, soak
from sim.validation.common import markdown
from sim.validation.texts import AUDIT, HEAD, LITTLE, MMC, REPLAY, SOAK

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Scale:
    """How much to run: replications per check and the soak's length (years)."""

    mmc_replications: int = 10
    replay_replications: int = 200
    audit_replications: int = 30
    little_days: float = 365.0
    soak_years: int = 10


MARK = "This page is generated, numbers and all, by one command"
"""Text every validation page holds: ``ihsim validation`` replaces only a file that has it."""
QUICK = Scale(mmc_replications=3, replay_replications=20, audit_replications=3, little_days=60.0, soak_years=1)
"""A smoke test of the page (not a validation): small runs, a one-year soak."""


def dirty() -> bool:
    """Whether the model, scenarios or this package have uncommitted changes."""
    try:
        done = subprocess.run(["git", "status", "--porcelain", "--", "sim", "scenarios"], capture_output=True,
                              text=True, timeout=10, cwd=ROOT, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return bool(done.stdout.strip())


def provenance(command: str, started: dt.datetime, wall: dict[str, float]) -> str:
    """The table saying how, when and from which code the page was made."""
    v = versions()
    commit = git_commit() or "unknown"
    rows = [("command", f"`{command}`"), ("generated", started.strftime("%Y-%m-%d %H:%M UTC")),
            ("git commit", f"`{commit}`" + (" plus uncommitted changes" if dirty() else "")),
            ("ihsim", v["ihsim"]), ("Python / SimPy / numpy", f"{v['python']} / {v['simpy']} / {v['numpy']}"),
            ("run time", ", ".join(f"{k} {s:.0f} s" for k, s in wall.items()))]
    return "| | |\n|---|---|\n" + "\n".join(f"| {k} | {val} |" for k, val in rows)


def _timed(wall: dict[str, float], name: str, make: Callable[[], str]) -> str:
    t0 = time.perf_counter()
    text = make()
    wall[name] = time.perf_counter() - t0
    return text


def _mmc(scale: Scale) -> str:
    table = mmc.table(scale.mmc_replications)
    inside = int(table["all inside"].sum())
    return MMC.format(n=scale.mmc_replications, table=markdown(table), inside=inside, settings=len(table))


def _little(scale: Scale) -> str:
    table = little.table(days=scale.little_days)
    return LITTLE.format(days=scale.little_days, pools=len(table), table=markdown(table, 4))


def _replay(scale: Scale) -> str:
    cases, sizes = replay.replay(scale.replay_replications)
    return REPLAY.format(timeline=markdown(replay.timeline(cases)), facts=markdown(replay.facts(cases, sizes)),
                         n=len(cases), surgery_median=float(cases["surgery_min"].median()))


def _audit(scale: Scale) -> str:
    cases = audit.run(scale.audit_replications)
    return AUDIT.format(n=scale.audit_replications, distribution=markdown(audit.distribution(cases), 1),
                        comparison=markdown(audit.comparison(cases), 1),
                        parts_cat1=audit.component_medians("cat1"), parts_cat2=audit.component_medians("cat2"))


def _soak(scale: Scale) -> str:
    # A fresh process, so that its memory figures are the soak's own, not the earlier checks'.
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        yearly, checks, totals = pool.submit(soak.soak, scale.soak_years).result()
    first, last = yearly.iloc[0], yearly.iloc[-1]
    per_row = (last["resident MB"] - first["resident MB"]) * 1e6 / max(last["event rows"] - first["event rows"], 1)
    load, rule = soak.nicu_load(), soak.nicu_rule()
    if load < 1:
        note = "below 1, so its queue stays bounded"
    elif rule == "wait":
        note = ("so its queue grows for as long as the run lasts (`ihsim validate scenarios/double-demand.yaml` "
                "warns of it): a finding about the scenario, not a leak")
    else:
        note = (f"so the unit is full for good (`ihsim validate scenarios/double-demand.yaml` warns of it), but "
                f"under the '{rule}' rule no newborn waits beyond the wait limit, so its queue stays bounded")
    facts = {"scheduled_low": int(yearly["scheduled now"].min()), "scheduled_high": int(yearly["scheduled now"].max()),
             "waiting_first": int(first["requests waiting"]), "waiting_last": int(last["requests waiting"]),
             "nicu_last": int(last["of which for a NICU cot"]), "nicu_load": load, "nicu_note": note}
    return SOAK.format(yearly=markdown(yearly, 1), checks=markdown(checks),
                       held=int(checks["holds"].sum()), total=len(checks), per_row=per_row, **facts,
                       **{k.replace(" ", "_"): v for k, v in totals.items()})


def build_page(scale: Scale = Scale(), command: str = "ihsim validation --out docs/validation.md") -> str:
    """Run every check at ``scale`` and return ``docs/validation.md`` as text."""
    started = dt.datetime.now(dt.UTC)
    wall: dict[str, float] = {}
    checks: list[tuple[str, Callable[[Scale], str]]] = [
        ("M/M/c", _mmc), ("Little", _little), ("replay", _replay), ("audit", _audit), ("soak", _soak)]
    sections = [_timed(wall, name, functools.partial(check, scale)) for name, check in checks]
    return "\n\n".join([HEAD.format(provenance=provenance(command, started, wall)), *sections]) + "\n"
