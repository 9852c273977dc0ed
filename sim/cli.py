"""The ``ihsim`` command line.  Each command parses, calls one library function, prints.

Exit codes: 0 success; 1 a check found a problem; 2 bad usage or bad input.
"""

from __future__ import annotations

import functools
import json
import logging
import signal
import sys
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

import click

from sim import __version__
from sim.clitypes import FiniteFloatRange, OutFile, OutFolder
from sim.faults import EXIT_PROBLEM, explain
from sim.scenario.text import printable


def handle_errors(func: Callable[..., Any]) -> Callable[..., Any]:
    """Turn known failures (:func:`sim.faults.explain`) into a clear message and the contract's exit code,
    never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from sim.folders import Interrupted

        try:
            return func(*args, **kwargs)
        except KeyboardInterrupt as exc:
            click.echo(str(exc) if isinstance(exc, Interrupted) else "interrupted: no complete results folder was "
                       "written (finished replications are kept for --resume)", err=True)
            sys.exit(130)
        except Exception as exc:
            fault = explain(exc)
            if fault is None:
                raise
            for line in fault.lines:
                click.echo(line, err=True)
            sys.exit(fault.code)

    return wrapper


def lock_results(folder: Path, sensitivity: bool = False) -> AbstractContextManager[None]:
    """The lock of a results or comparison folder (or, with ``sensitivity``, a sensitivity folder) that a
    command writes into; InputError if it is none of these."""
    from sim import store
    from sim.errors import InputError
    from sim.folders import locked

    if not (store.is_results_folder(folder) or store.is_comparison_folder(folder)
            or (sensitivity and store.is_sensitivity_folder(folder))):
        also = " nor a sensitivity folder (no sensitivity.json)" if sensitivity else ""
        raise InputError(f"{folder} is not a results folder (no manifest.json) nor a comparison folder "
                         f"(no comparison.json){also}")
    return locked(folder)


def say(text: str) -> None:
    """Echo ``text`` with each line :func:`~sim.scenario.text.printable`: what it shows comes from files and
    folders a user names (results tables, manifests, paths), which must not act on the terminal."""
    click.echo("\n".join(printable(line) for line in str(text).split("\n")))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ihsim")
@click.option("-v", "--verbose", is_flag=True, help="Log more detail to stderr.")
def cli(verbose: bool) -> None:
    """ihsim: simulate inter-hospital emergency obstetric outreach."""
    logging.basicConfig(level=logging.INFO if verbose else logging.WARNING, format="%(levelname)s %(message)s")


def run_options(out_default: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Options shared by commands that run replications; ``out_default`` is said in --out's help."""
    return lambda func: _with_run_options(func, out_default)


def _with_run_options(func: Callable[..., Any], out_default: str) -> Callable[..., Any]:
    for option in reversed([
        click.option("-n", "--replications", type=click.IntRange(1, 1_000_000), default=None,
                     help="Replications (default: the scenario's run.replications)."),
        click.option("--seed", type=click.IntRange(0, 2**63 - 1), default=None,
                     help="Base seed (default: the scenario's run.seed)."),
        click.option("-w", "--workers", type=click.IntRange(1, 512), default=1, show_default=True,
                     help="Parallel worker processes (more than 4 per CPU needs --yes)."),
        click.option("--engine", type=click.Choice(["local", "dask"]), default="local", show_default=True),
        click.option("--scheduler", default=None, help="Dask scheduler address, e.g. tcp://host:8786."),
        click.option("--out", type=OutFolder(), default=None,
                     help=f"Results folder (default: {out_default}; with --set, +N-overrides-<hash> added)."),
        click.option("--force", is_flag=True, help="Replace an existing results folder."),
        click.option("--precision", type=FiniteFloatRange(0, 1, min_open=True), default=0.05, show_default=True,
                     help="Relative CI half-width asked of each KPI."),
        click.option("--svg", is_flag=True, help="Save every chart as SVG too (beside its PNG, in figures/)."),
        click.option("--yes", "allow_large", is_flag=True,
                     help="Run work beyond the sane limits (more than 10,000 scenario runs or 5 million expected "
                          "cases, or more than 4 workers per CPU); its size is said before it starts."),
    ]):
        func = option(func)
    return func


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@run_options("results/<scenario name>")
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
              help="Override a scenario key, e.g. --set hospitals.NHOG.ambulances=3 (repeatable).")
@click.option("--resume", is_flag=True, help="Reuse replications finished by an interrupted run of --out.")
@click.option("--max-replications", type=click.IntRange(1, 1_000_000), default=None,
              help="Add replications until every headline KPI meets --precision, up to this many.")
@handle_errors
def run(scenario: Path, overrides: tuple[str, ...], **opts: Any) -> None:
    """Run SCENARIO and write its results folder and report."""
    from sim.app import RunOptions, run_scenario

    out = run_scenario(scenario, list(overrides), RunOptions(**opts))
    # imported after the run: sim.checks loads scipy.stats, which the workers need not wait for
    from sim.checks import precision_report

    click.echo(f"results: {out}")
    click.echo(f"report:  {out / 'report.html'}")
    click.echo(f"workbook: {out / 'results.xlsx'}")
    click.echo("\n".join(precision_report(out)))


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE", help="Override a key (repeatable).")
@click.option("--show", is_flag=True, help="Print each resolved scenario as JSON.")
@handle_errors
def validate(scenarios: tuple[Path, ...], overrides: tuple[str, ...], show: bool) -> None:
    """Check scenario files; exit 2 and list every problem if one is invalid."""
    from sim.scenario import ScenarioError, load_scenario, scenario_dict
    from sim.scenario.feasibility import scenario_warnings

    problems = []
    for path in scenarios:
        try:
            sc = load_scenario(path, list(overrides))
        except ScenarioError as exc:
            problems.extend(exc.problems)
            continue
        click.echo(f"ok: {printable(path)} ({sc.name})")
        for note in scenario_warnings(sc):
            click.echo(f"warning: {printable(path)}: {note}", err=True)
        if show:
            click.echo(json.dumps(scenario_dict(sc), indent=2))
    if problems:
        raise ScenarioError(problems)


@cli.command()
@click.option("--out", type=OutFile(), default=None,
              help="Write it to this file instead of printing it (the repository ships "
                   "scenarios/ihsim-scenario.schema.json).")
@click.option("--resolved", is_flag=True,
              help="The schema of a resolved scenario (extends and --set applied: every required key present, "
                   "as `validate --show` prints it) instead of that of scenario files.")
@handle_errors
def schema(out: Path | None, resolved: bool) -> None:
    """Print the JSON Schema (draft 2020-12) of scenario files, for editors and validators: a file with
    extends holds only changes, so every key is optional there; every key has a description and a unit."""
    from sim.scenario import Scenario
    from sim.scenario.fileschema import schema_text

    text = json.dumps(Scenario.model_json_schema(by_alias=True), indent=2) + "\n" if resolved else schema_text()
    if out is None:
        click.echo(text, nl=False)
        return
    from sim import store

    out.parent.mkdir(parents=True, exist_ok=True)
    store.write_text(out.parent, out.name, text)
    say(f"schema: {out}")


@cli.command()
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--svg", is_flag=True, help="Save every chart as SVG too (beside its PNG, in figures/).")
@handle_errors
def report(results_dir: Path, svg: bool) -> None:
    """Rebuild the charts, report and results.xlsx of RESULTS_DIR without rerunning: report.html of a run's
    folder, comparison.html of a compare or sweep folder, the figures of a sensitivity folder."""
    from sim.report import rebuild_report

    with lock_results(results_dir, sensitivity=True):
        out = rebuild_report(results_dir, svg)
    assert out is not None  # lock_results took only a results, comparison or sensitivity folder
    label = "figures:" if out[0].name == "figures" else "report:"
    say(f"{label:<10}{out[0]}\nworkbook: {out[1]}")


@cli.command()
@click.argument("results_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-r", "--replication", type=click.IntRange(0), required=True, help="Replication number (from 0).")
@click.option("-c", "--case", "case_id", type=int, required=True, help="Case id (case_id in cases.parquet).")
@click.option("--out", type=OutFile(), default=None,
              help="PNG to write, SVG beside it (default: RESULTS_DIR/figures/timeline-r<R>-c<ID>.png).")
@handle_errors
def timeline(results_dir: Path, replication: int, case_id: int, out: Path | None) -> None:
    """Draw one case's Gantt chart across hospitals and resources, with clock times."""
    from sim.report.timeline import write_timeline

    with lock_results(results_dir):  # it writes into the folder, or reads it while a run might replace it
        say(f"timeline: {write_timeline(results_dir, replication, case_id, out)}")


def study_options(out_default: str, resumable: bool = True) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Options of commands that run several scenarios: the run options, --set and (``resumable``) --resume."""
    def decorate(func: Callable[..., Any]) -> Callable[..., Any]:
        func = click.option("--set", "overrides", multiple=True, metavar="KEY=VALUE",
                            help="Override a key in every scenario (repeatable).")(func)
        if resumable:
            func = click.option("--resume", is_flag=True,
                                help="Reuse the scenario runs, and the replications of the run it stopped in, "
                                     "that an interrupted study of --out finished.")(func)
        return _with_run_options(func, out_default)
    return decorate


@cli.command()
@click.argument("scenarios", nargs=-1, required=True, type=click.Path(path_type=Path))
@study_options("results/compare-<first scenario name>")
@handle_errors
def compare(scenarios: tuple[Path, ...], overrides: tuple[str, ...], **opts: Any) -> None:
    """Compare SCENARIOS against the first, paired under common random numbers."""
    from sim.app import RunOptions
    from sim.experiment.compare import compare_files

    if len(scenarios) < 2:
        raise click.UsageError("compare needs at least two scenarios")
    out = compare_files(list(scenarios), list(overrides), RunOptions(**opts))
    click.echo((out / "comparison.txt").read_text(encoding="utf-8"))
    click.echo(f"differences: {out / 'differences.csv'}\nreport:      {out / 'comparison.html'}")
    click.echo(f"workbook:    {out / 'results.xlsx'}")


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--vary", "varies", multiple=True, required=True, metavar="KEY=V1,V2,...",
              help="A key and its values (repeatable; the grid is every combination).")
@study_options("results/sweep-<scenario name>")
@handle_errors
def sweep(scenario: Path, varies: tuple[str, ...], overrides: tuple[str, ...], **opts: Any) -> None:
    """Run a grid of variants of SCENARIO under common random numbers."""
    from sim.app import RunOptions
    from sim.experiment.sweep import sweep as run_sweep

    out = run_sweep(scenario, list(overrides), list(varies), RunOptions(**opts))
    click.echo(f"sweep table: {out / 'sweep.csv'}\nreport:      {out / 'comparison.html'}")
    click.echo(f"workbook:    {out / 'results.xlsx'}")


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--lever", required=True, metavar="KEY", help="Scenario key to vary, e.g. team.ambulances.")
@click.option("--range", "range_text", required=True, metavar="LO..HI", help="Values to search, e.g. 1..4.")
@click.option("--goal", required=True, metavar="'KPI OP NUMBER'", help="e.g. 'ddi_within_target_pct >= 90'.")
@click.option("--tolerance", type=FiniteFloatRange(0, min_open=True), default=None,
              help="Continuous levers: stop when the bracket is this narrow (default: range/64; at most 30 halvings "
                   "of the range).")
@click.option("--confirm/--no-confirm", default=True, show_default=True,
              help="Confirm the answer with an independent run (seed + 1).")
@study_options("results/target-<scenario name>", resumable=False)
@handle_errors
def target(scenario: Path, lever: str, range_text: str, goal: str, tolerance: float | None, confirm: bool,
           overrides: tuple[str, ...], **opts: Any) -> None:
    """Find the lever value at which GOAL holds with 95% confidence."""
    from sim.app import RunOptions
    from sim.experiment.target import format_outcome, solve

    out, outcome = solve(scenario, list(overrides), lever, range_text, goal, RunOptions(**opts),
                         tolerance, confirm)
    click.echo("\n".join(format_outcome(outcome)))
    click.echo(f"evidence: {out / 'target.csv'}")
    if outcome.answer is None or (outcome.confirm is not None and not outcome.confirm.holds):
        sys.exit(EXIT_PROBLEM)


@cli.command()
@click.argument("scenario", type=click.Path(path_type=Path))
@click.option("--parameters", "spec", default="ASSUMPTION", show_default=True, metavar="ASSUMPTION|KEY,...",
              help="Keys to scale: every sources: entry marked Assumption, or named keys (a subtree scales all "
                   "under it; '*' matches any key).")
@click.option("--range", "range_text", default="0.75..1.25", show_default=True, metavar="LOW..HIGH",
              help="Scale factors of the low and high variants.")
@click.option("--method", type=click.Choice(["oneway", "morris"]), default="oneway", show_default=True,
              help="One parameter at a time, or Morris screening of all together.")
@click.option("--trajectories", type=click.IntRange(2, 1000), default=4, show_default=True,
              help="Morris: trajectories (runs: trajectories x (parameters + 1)).")
@click.option("--levels", type=click.IntRange(2, 20), default=4, show_default=True, help="Morris: grid levels.")
@click.option("--against", type=click.Path(path_type=Path), default=None, metavar="OTHER",
              help="Also run OTHER at every scaled setting: does OTHER - SCENARIO keep its sign?")
@study_options("results/sensitivity-<scenario name>[-against-<other>|-morris]")
@handle_errors
def sensitivity(scenario: Path, spec: str, range_text: str, method: str, trajectories: int, levels: int,
                against: Path | None, overrides: tuple[str, ...], **opts: Any) -> None:
    """Which assumptions of SCENARIO move its KPIs: scale each to LOW and HIGH (common random numbers)."""
    from sim.app import RunOptions
    from sim.experiment.sensitivity import study

    out = study(scenario, list(overrides), RunOptions(**opts), spec, range_text, method=method, against=against,
                trajectories=trajectories, levels=levels, note=lambda line: click.echo(line, err=True))
    click.echo((out / "sensitivity.txt").read_text(encoding="utf-8"))
    click.echo(f"table:   {out / ('morris.csv' if method == 'morris' else 'sensitivity.csv')}\n"
               f"figures: {out / 'figures'}")


@cli.command()
@click.argument("baseline_dir", type=click.Path(path_type=Path))
@click.argument("candidate_dir", type=click.Path(path_type=Path))
@click.option("--mode", type=click.Choice(["auto", "exact", "statistical"]), default="auto", show_default=True)
@click.option("--alpha", type=FiniteFloatRange(0, 1, min_open=True, max_open=True), default=0.05,
              show_default=True, help="Family-wise false-alarm rate (Holm) of the statistical mode.")
@click.option("--tolerance", type=FiniteFloatRange(0), default=0.05, show_default=True,
              help="Practical tolerance: smallest relative change of a KPI mean that counts.")
@click.option("--all", "all_rows", is_flag=True, help="Print every KPI, not only headline and flagged ones.")
@click.option("--update", is_flag=True, help="Replace BASELINE_DIR's files by the candidate's (needs --reason).")
@click.option("--reason", default="", help="Why the baseline changes (recorded in the ledger).")
@click.option("--ledger", type=click.Path(path_type=Path), default=None,
              help="Ledger file (default: ledger.csv beside BASELINE_DIR).")
@handle_errors
def regress(baseline_dir: Path, candidate_dir: Path, mode: str, alpha: float, tolerance: float, all_rows: bool,
            update: bool, reason: str, ledger: Path | None) -> None:
    """Check CANDIDATE_DIR against BASELINE_DIR: exit 0 no regression, 1 regression, 2 bad input."""
    from sim import checks
    from sim.analysis.regress import Rule

    if update and not reason.strip():
        raise click.UsageError("--update needs --reason")
    report = None
    if not update or (baseline_dir / "manifest.json").is_file():
        report = checks.regress(baseline_dir, candidate_dir, Rule(alpha, tolerance), mode)
        say(f"mode: {report.mode}" + (f" ({'; '.join(report.reasons)})" if report.reasons else ""))
        say("\n".join([*checks.format_verdicts(report, all_rows), *report.table_diffs]))
        say(f"regressions: {report.regressions}")
    if update:
        ledger_path = checks.update_baseline(baseline_dir, candidate_dir, report, reason, ledger)
        say(f"updated {baseline_dir}; recorded in {ledger_path}")
    elif report is not None and report.regressions:
        sys.exit(EXIT_PROBLEM)


@cli.command()
@click.argument("results_dir", type=click.Path(path_type=Path))
@click.option("--pool", default=None, metavar="HOSPITAL.POOL",
              help="Units in use of a pool (default: the team's home NICU cots).")
@click.option("--kpi", default=None, help="Instead, a case interval KPI, e.g. home_decision_to_delivery_min.")
@click.option("--bin-days", type=FiniteFloatRange(0, min_open=True), default=1.0, show_default=True,
              help="Width of the series' bins (days); at most 100,000 bins over the horizon.")
@click.option("--svg", is_flag=True, help="Save the chart as SVG too (beside its PNG).")
@handle_errors
def warmup(results_dir: Path, pool: str | None, kpi: str | None, bin_days: float, svg: bool) -> None:
    """Suggest a warm-up for RESULTS_DIR by MSER-5 and save its chart."""
    from sim.checks import warmup as diagnose

    with lock_results(results_dir):  # the chart is saved in the folder
        found = diagnose(results_dir, pool, kpi, bin_days, svg)
    say(f"MSER-5 on {found.series}: warm-up of {found.warmup_days:g} days")
    if not found.reliable:
        click.echo("warning: the minimum is at the end of the searched half; the horizon may be too short")
    say(f"chart: {found.figure}\nset it with: --set run.warmup_days={found.warmup_days:g}")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="End with one line of JSON holding every figure.")
@click.option("--replications", type=click.IntRange(1, 10_000), default=16, show_default=True,
              help="Baseline replications timed on 1 and on 2 workers.")
@click.option("--repeats", type=click.IntRange(1, 100), default=10, show_default=True,
              help="Runs of the model and of the reference, in turn (the medians count).")
@click.option("--load-days", type=FiniteFloatRange(0, 3650, min_open=True), default=3.5, show_default=True,
              help="Simulated days of each run of the load-scaling table (stress at x1, x4, x16).")
@click.option("--stress", type=click.Path(path_type=Path), default=None, help="Default: scenarios/stress.yaml.")
@click.option("--baseline", type=click.Path(path_type=Path), default=None, help="Default: scenarios/baseline.yaml.")
@click.option("--yes", "allow_large", is_flag=True,
              help="Run even beyond the size limits (more than 5,000,000 expected cases).")
@handle_errors
def bench(as_json: bool, replications: int, repeats: int, load_days: float, stress: Path | None,
          baseline: Path | None, allow_large: bool) -> None:
    """Measure the model's cost per SimPy event against plain SimPy, its growth with load, throughput and
    memory."""
    from types import SimpleNamespace

    from sim.bench import default_scenario, format_result, run_bench
    from sim.bench.core import bench_workload
    from sim.experiment import workload
    from sim.scenario import load_scenario

    stress_sc, baseline_sc = (load_scenario(path or default_scenario(f"{name}.yaml"))
                              for path, name in ((stress, "stress"), (baseline, "baseline")))
    work = bench_workload(stress_sc, baseline_sc, replications, repeats, load_days)
    workload.check(work, SimpleNamespace(allow_large=allow_large), "fewer --replications or --repeats, shorter "
                   "--load-days")
    result = run_bench(stress_sc, baseline_sc, replications, repeats, note=lambda line: click.echo(line, err=True),
                       load_days=load_days)
    click.echo("\n".join(format_result(result)))
    if as_json:
        click.echo(json.dumps(result.as_dict()))


@cli.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8501, show_default=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but a loopback address lets other computers open the page.")
@click.option("--no-browser", is_flag=True, help="Do not open a browser window.")
@click.option("--results", type=OutFolder(), default=Path("results"), show_default=True,
              help="Folder of every run, comparison and scenario file the page writes or reads.")
def app(port: int, host: str, no_browser: bool, results: Path) -> None:
    """Serve the web app: edit a scenario, run it, read the results, compare scenarios."""
    from sim.webapp import launch

    if not launch.streamlit_installed():
        click.echo("ihsim app needs Streamlit, an optional extra: pip install 'ihsim[app]'", err=True)
        sys.exit(2)
    where = ("local: only this computer can open it" if launch.is_local(host)
             else "NOT local: other computers on the network can open it")
    say(f"ihsim app on http://{host}:{port} ({where}); results in {results}; Ctrl-C stops it")
    sys.exit(launch.serve(results, port, host, not no_browser))


@cli.command()
@click.option("--out", type=OutFile(), default=Path("docs/validation.md"),
              show_default=True, help="Where to write the page.")
@click.option("--quick", is_flag=True, help="Small runs, a one-year soak: a smoke test of the page, not a validation.")
@handle_errors
def validation(out: Path, quick: bool) -> None:
    """Run the validation checks from fresh runs and write the validation page."""
    from sim import store
    from sim.folders import check_file_ours, locked
    from sim.validation.page import MARK, QUICK, Scale, build_page

    command = f"ihsim validation --out {out}" + (" --quick" if quick else "")
    out.parent.mkdir(parents=True, exist_ok=True)
    with locked(out):
        check_file_ours(out, MARK)  # before the long runs, not after them
        store.write_text(out.parent, out.name, build_page(QUICK if quick else Scale(), command))
    click.echo(f"validation page: {out}")


def stop_as_interrupted(signum: int, frame: FrameType | None) -> NoReturn:
    """SIGTERM handler: stop as Ctrl-C stops a command (workers stopped, finished work kept, exit 130)."""
    raise KeyboardInterrupt


def main() -> None:
    """The ``ihsim`` command.  SIGTERM (``kill``, a job scheduler's time limit, ``docker stop``) stops it as
    Ctrl-C does; by default it would end the driver at once and leave its worker processes running."""
    signal.signal(signal.SIGTERM, stop_as_interrupted)
    cli(prog_name="ihsim")
