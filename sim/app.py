"""Use cases behind the command line: each is one function the CLI calls.

``run_scenario`` loads and validates a scenario file, refuses work beyond the
sane limits, and runs it into its results folder with
:func:`sim.experiment.single.run_loaded`, the use case the studies share
(this module calls down to it, never the reverse).
"""

from __future__ import annotations

from pathlib import Path

from sim.experiment import workload
from sim.experiment.single import (
    DEPENDENCIES,
    RunOptions,
    case_values,
    default_out,
    finish_folder,
    git_commit,
    run_loaded,
    safe_name,
    versions,
    warn_all,
)
from sim.scenario import load_scenario

__all__ = ["DEPENDENCIES", "RunOptions", "case_values", "default_out", "finish_folder", "git_commit", "run_loaded",
           "run_scenario", "safe_name", "versions", "warn_all"]


def run_scenario(path: str | Path, overrides: list[str] | None, opts: RunOptions) -> Path:
    """Load, validate and run one scenario file (see :func:`run_loaded`); work beyond the sane limits
    (:mod:`sim.experiment.workload`) is refused unless ``opts.allow_large``."""
    scenario = load_scenario(path, overrides)
    workload.check(workload.workload("run", [scenario], workload.replications_asked(scenario, opts)), opts)
    return run_loaded(scenario, opts, overrides)
