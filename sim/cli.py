"""The ``ihsim`` command line.  Each command parses, calls one library function, prints.

Exit codes: 0 success; 1 a check found a problem; 2 bad usage or bad input.
"""

from __future__ import annotations

import functools
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from sim import __version__

EXIT_PROBLEM = 1
EXIT_BAD_INPUT = 2


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn known failures into a clear message and the contract's exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sim.scenario import ScenarioError
        from sim.store import ResultsExistError

        try:
            return func(*args, **kwargs)
        except ScenarioError as exc:
            click.echo("error: invalid scenario input", err=True)
            for problem in exc.problems:
                click.echo(f"  {problem}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except ResultsExistError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(EXIT_BAD_INPUT)
        except KeyboardInterrupt:
            click.echo("interrupted: no complete results folder was written "
                       "(finished replications are kept for --resume)", err=True)
            sys.exit(130)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ihsim")
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to stderr.")
def cli(verbose: bool) -> None:
    """ihsim: simulate inter-hospital emergency obstetric outreach."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def run_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """Options shared by commands that run replications."""
    for option in reversed([
        click.option("-n", "--replications", type=click.IntRange(1, 1_000_000), default=None,
                     help="Replications (default: the scenario's run.replications)."),
        click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
                     help="Base seed (default: the scenario's run.seed)."),
        click.option("-w", "--workers", type=click.IntRange(1, 512), default=1, show_default=True,
                     help="Parallel worker processes."),
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True),
        click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786."),
        click.option("--out", type=click.Path(path_type=Path), default=None,
                     help="Results folder (default: results/<scenario name>)."),
        click.option("--force", is_flag=True, help="Replace an existing results folder."),
        click.option("--precision", type=click.FloatRange(0, 1, min_open=True), default=0.05, show_default=True,
                     help="Relative CI half-width asked of each KPI."),
    ]):
        func = option(func)
    return func


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@run_options
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario key, e.g. --set hospitals.NHOG.ambulances=3 (repeatable).")
@click.option("--resume", is_flag=True, help="Reuse replications finished by an interrupted run of --out.")
@handle_errors
def run(scenario: Path, overrides: tuple[str, ...], **opts: Any) -> None:
    """Run SCENARIO and write its results folder and report."""
    from sim.app import RunOptions, run_scenario

    out = run_scenario(scenario, list(overrides), RunOptions(**opts))
    click.echo(f"results: {out}")
    click.echo(f"report:  {out / 'report.html'}")


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a key (repeatable).")
@click.option("--show", is_flag=True, help="Print each resolved scenario as JSON.")
@handle_errors
def validate(scenarios: tuple[Path, ...], overrides: tuple[str, ...], show: bool) -> None:
    """Check scenario files; exit 2 and list every problem if one is invalid."""
    from sim.scenario import ScenarioError, load_scenario, scenario_dict

    problems = []
    for path in scenarios:
        try:
            sc = load_scenario(path, list(overrides))
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        click.echo(f"ok: {path} ({sc.name})")
        if show:
            click.echo(json.dumps(scenario_dict(sc), indent=2))
    if problems:
        raise ScenarioError(problems)


@cli.command()
def schema() -> None:
    """Print the JSON Schema of scenario files."""
    from sim.scenario import Scenario

    click.echo(json.dumps(Scenario.model_json_schema(by_alias=True), indent=2))


@cli.command()
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@handle_errors
def report(results_dir: Path) -> None:
    """Rebuild the charts and report.html of RESULTS_DIR without rerunning."""
    from sim import store
    from sim.report import build_report

    if not store.is_results_folder(results_dir):
        click.echo(f"error: {results_dir} is not a results folder (no manifest.json)", err=True)
        sys.exit(EXIT_BAD_INPUT)
    click.echo(f"report: {build_report(results_dir)}")


def main() -> None:
    cli(prog_name="ihsim")
