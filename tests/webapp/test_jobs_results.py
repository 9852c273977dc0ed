"""Runs started by the web app, what it reads of results folders, and ``ihsim app`` itself."""

from __future__ import annotations

import io
import time
import zipfile

import pytest
from click.testing import CliRunner

from sim.cli import cli
from sim.report import html
from sim.webapp import jobs, launch, results
from sim.webapp.workspace import Workspace

SHORT = {"run.horizon_days": 20, "demand.outreach.rate_per_day": 0.5}


def wait_for(job: jobs.Job, limit_s: float = 240.0) -> None:
    deadline = time.monotonic() + limit_s
    while job.state == "running":
        assert time.monotonic() < deadline, job.tail()
        time.sleep(0.2)


@pytest.fixture(scope="module")
def finished(tmp_path_factory):
    """A short variant run by the app's job machinery: ``(results folder, workspace, job)``."""
    root = tmp_path_factory.mktemp("app") / "results"
    ws = Workspace(root)
    ws.prepare()
    name = ws.save_edited("baseline.yaml", "short", SHORT)
    out = root / "short"
    job = jobs.Job.start("run", "short", jobs.run_command(ws.path(name), out, 2, 3), out, 2, 2, ws.root / "logs/x.log")
    wait_for(job)
    return root, ws, job


def test_a_run_writes_the_clis_results_folder_and_reports_progress(finished):
    root, _, job = finished
    assert job.state == "done", job.tail()
    assert job.progress() == 1.0
    assert results.folders(root) == ["short"]
    assert (root / "short" / "report.html").is_file()
    assert (root / "short" / "results.xlsx").is_file()
    assert not (root / "short.partial").exists()


def test_the_key_results_are_the_reports_key_rows(finished):
    root, _, _ = finished
    data = html.load(results.folder(root, "short"))
    key, _ = html.kpi_rows(data.summary, data.targets, data.service_levels, data.fastest)
    html.flag_deteriorated(key, data.cases, list(data.targets))
    table = results.key_results(data)
    assert len(table) == len(key) > 0
    assert list(table["KPI"]) == [k["label"] for k in key]
    assert list(table["note"]) == [k["deteriorated"] for k in key]
    assert set(table["verdict"]) <= {k["verdict_words"] or k["verdict"] for k in key}


def test_precision_advice_and_charts_are_those_of_the_run(finished):
    root, _, _ = finished
    path = results.folder(root, "short")
    assert results.precision(path).startswith("precision 5% (CI half-width / mean), 2 replications:")
    assert {p.stem for p in results.figures(path)} >= {"ddi_by_urgency", "utilisation"}


def test_the_zip_holds_the_folders_files_and_nothing_it_links_to(finished, tmp_path):
    root, _, _ = finished
    path = results.folder(root, "short")
    secret = tmp_path / "secret.txt"
    secret.write_text("not yours")
    (path / "link.txt").symlink_to(secret)
    try:
        names = zipfile.ZipFile(io.BytesIO(results.zipped(path))).namelist()
    finally:
        (path / "link.txt").unlink()
    assert {"short/manifest.json", "short/report.html", "short/results.xlsx"} <= set(names)
    assert "short/link.txt" not in names


@pytest.mark.parametrize("name", ["..", ".", "app-scenarios", "/etc", "short/../short", "missing"])
def test_only_results_folders_directly_in_the_results_folder_can_be_opened(finished, name):
    root, _, _ = finished
    with pytest.raises(ValueError, match="no run folder"):
        results.folder(root, name)


def test_a_link_to_a_results_folder_is_not_opened(finished, tmp_path):
    root, _, _ = finished
    (root / "linked").symlink_to(root / "short")
    try:
        assert "linked" not in results.folders(root)
    finally:
        (root / "linked").unlink()


@pytest.mark.slow
def test_cancel_stops_a_run_and_leaves_no_complete_folder(finished):
    root, ws, _ = finished
    out = root / "long"
    job = jobs.Job.start("run", "long", jobs.run_command(ws.path("baseline.yaml"), out, 200, 3), out, 200, 200,
                         ws.root / "logs/long.log")
    deadline = time.monotonic() + 120
    while job.progress() == 0 and job.state == "running" and time.monotonic() < deadline:
        time.sleep(0.2)
    job.cancel()
    assert job.state == "cancelled"
    assert not (out / "manifest.json").exists()
    assert "interrupted" in job.tail()


def test_ihsim_app_without_streamlit_says_how_to_install_it(monkeypatch):
    monkeypatch.setattr(launch, "streamlit_installed", lambda: False)
    result = CliRunner().invoke(cli, ["app", "--no-browser"])
    assert result.exit_code == 2
    assert "pip install 'ihsim[app]'" in result.output


def test_ihsim_app_serves_on_the_loopback_address_by_default(monkeypatch, tmp_path):
    calls = []
    monkeypatch.setattr(launch, "serve", lambda *args: calls.append(args) or 0)
    result = CliRunner().invoke(cli, ["app", "--port", "8600", "--no-browser", "--results", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert "http://127.0.0.1:8600 (local: only this computer can open it)" in result.output
    assert calls == [(tmp_path / "r", 8600, "127.0.0.1", False)]
    command = launch.command(8600, "127.0.0.1", False)
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.headless") + 1] == "true"
    assert command[command.index("--browser.gatherUsageStats") + 1] == "false"


def test_ihsim_app_says_when_it_is_not_local(monkeypatch):
    monkeypatch.setattr(launch, "serve", lambda *args: 0)
    result = CliRunner().invoke(cli, ["app", "--host", "0.0.0.0", "--no-browser"])
    assert "NOT local" in result.output


def test_a_comparison_started_by_the_app_shows_paired_differences_with_verdicts_and_the_forest_plot(finished):
    root, ws, _ = finished
    base = ws.save_edited("baseline.yaml", "short-base", SHORT)
    other = ws.save_edited("baseline.yaml", "short-lean", {**SHORT, "hospitals.NHOG.staff.anaesthetist.night": 1})
    out = root / "compare-short-base"
    job = jobs.Job.start("compare", out.name, jobs.compare_command([ws.path(base), ws.path(other)], out, 2, 5),
                         out, 4, 2, ws.root / "logs/compare.log")
    wait_for(job)
    assert job.state == "done", job.tail()
    assert results.folders(root, "compare") == [out.name]
    assert out.name not in results.folders(root, "run")  # a comparison is not offered as a run
    diff = results.differences(results.folder(root, out.name, "compare"))
    assert set(diff["scenario"]) == {"short-lean"}
    assert len(diff) > 0
    assert diff["verdict"].notna().all()
    assert "short-lean" in results.comparison_text(out)
    assert any("forest" in png.stem for png in results.figures(out))
