"""report.html: self-contained, escaped, complete, and rebuilt from a folder without rerunning."""

from __future__ import annotations

import base64
import math
import shutil
from html.parser import HTMLParser
from pathlib import Path

import pandas as pd
import pytest

from sim.report import narrative
from tests.conftest import SCENARIOS
from tests.report.conftest import HOSTILE_DESCRIPTION, HOSTILE_NAME, run_cli


class Page(HTMLParser):
    """Tags, attributes, ids and text of a page (entities decoded, as a browser would)."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)

    @property
    def ids(self) -> set[str]:
        return {a["id"] for _, a in self.tags if "id" in a}


@pytest.fixture(scope="module")
def html(results: Path) -> str:
    return (results / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page(html: str) -> Page:
    return Page(html)


def test_every_image_is_inline_png_and_nothing_is_fetched(page, results):
    images = [a["src"] for t, a in page.tags if t == "img"]
    assert len(images) == len(list((results / "figures").glob("*.png"))) >= 5
    for src in images:
        assert src.startswith("data:image/png;base64,")
        assert base64.b64decode(src.split(",", 1)[1])[:8] == b"\x89PNG\r\n\x1a\n"
    assert not [t for t, _ in page.tags if t in ("script", "link", "iframe", "object")]
    links = [a.get("href", "") for _, a in page.tags if "href" in a]
    assert all(h.startswith("#") for h in links)


def test_scenario_text_appears_as_text_never_as_markup(html, page):
    assert HOSTILE_NAME not in html
    assert "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert f"ihsim report: {HOSTILE_NAME}" in page.text
    assert any(HOSTILE_DESCRIPTION in t for t in page.text)
    assert sum(1 for t, _ in page.tags if t == "img") == sum(1 for t, a in page.tags if t == "img" and "alt" in a)


def test_report_has_every_section(page):
    assert {"kpi-table", "precision-note", "hospital-table", "roster-table", "waits-table", "home-waits-table",
            "resource-table", "sources-table", "stress", "provenance", "all-kpis-table"} <= page.ids
    words = " ".join(page.text)
    for heading in ("1 Objectives", "2 Logic", "3 Data", "4 Experimentation", "5 Implementation", "6 Code access"):
        assert heading in words
    assert "20 simulated days per replication" in words
    assert "Are the replications enough?" in words
    assert "NICE CG132" in words  # a source from the scenario's sources mapping


def test_costs_section_shows_costs_in_the_currency_and_each_proxy_with_its_source(page):
    assert {"use-table", "cost-table", "proxy-table"} <= page.ids
    assert "no-costs" not in page.ids
    words = " ".join(page.text)
    assert "Costs in VND" in words
    assert "BMJ 2004;328:665" in words  # the Apgar proxy's source (baseline.yaml)


def test_without_costs_the_report_gives_hours_and_says_so(tmp_path):
    out = tmp_path / "nocost"
    result = run_cli(["run", str(SCENARIOS / "baseline.yaml"), "-n", "1", "--out", str(out), "--set",
                      "run.horizon_days=10", "--set", "costs=null"])
    assert result.exit_code == 0, result.output
    html = (out / "report.html").read_text(encoding="utf-8")
    assert 'id="no-costs"' in html
    assert 'id="use-table"' in html
    assert 'id="cost-table"' not in html
    section = html[html.index('id="costs"'):html.index('id="stress"')]
    assert "<td> to </td>" not in section  # one replication: no interval, and no empty one
    assert "( to )" not in section
    summary = pd.read_csv(out / "summary.csv")
    assert "staff_hours_away_per_year" in set(summary["kpi"])
    assert not summary["kpi"].str.startswith("cost_").any()


def test_report_command_rebuilds_the_same_report_without_rerunning(results, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(results, copy)
    before = (copy / "report.html").read_text(encoding="utf-8")
    events_mtime = (copy / "events.parquet").stat().st_mtime_ns
    (copy / "report.html").unlink()
    shutil.rmtree(copy / "figures")
    result = run_cli(["report", str(copy), "--svg"])
    assert result.exit_code == 0, result.output
    assert str(copy / "report.html") in result.output
    assert (copy / "report.html").read_text(encoding="utf-8") == before
    pngs, svgs = ({p.stem for p in (copy / "figures").glob(f"*.{kind}")} for kind in ("png", "svg"))
    assert "median_case_waterfall" in svgs
    assert svgs == pngs
    assert (copy / "events.parquet").stat().st_mtime_ns == events_mtime
    assert run_cli(["report", str(copy)]).exit_code == 0  # without --svg: the SVGs, now older than the PNGs, go
    assert not list((copy / "figures").glob("*.svg"))


def test_report_of_a_folder_without_results_is_refused(tmp_path):
    result = run_cli(["report", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a results folder" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(("mean", "low", "high", "target", "verdict"), [
    (20, 15, 25, 30, "met"), (40, 35, 45, 30, "missed"), (30, 25, 35, 30, "uncertain"),
    (20, math.nan, math.nan, 30, "uncertain"), (20, 20, 20, 30, "uncertain"),  # no interval: no verdict
    (math.nan, math.nan, math.nan, 30, ""), (20, 15, 25, math.nan, ""),
])
def test_a_target_is_met_only_when_the_whole_interval_is_under_it(mean, low, high, target, verdict):
    assert narrative.verdict(mean, low, high, target) == verdict


def test_an_interval_beyond_what_a_kpi_can_take_is_shown_cut_and_marked():
    import pandas as pd

    from sim.analysis.stats import SUMMARY_COLUMNS
    from sim.report.html import kpi_rows

    rows = [("ddi_within_target_pct", -110.1, 176.8), ("decision_to_delivery_min", -173.1, 2494.8),
            ("utilisation_NHOG_operating_room", 0.1, 0.3), ("delivery_to_nicu_min", math.nan, math.nan),
            ("decision_to_delivery_min_cat1", 20.0, 40.0)]
    summary = pd.DataFrame([{c: math.nan for c in SUMMARY_COLUMNS} | {
        "kpi": k, "unit": "", "mean": 1.0, "ci_low": lo, "ci_high": hi, "n": 3, "precision_met": False}
        for k, lo, hi in rows])
    shown = {r["kpi"]: (r["ci_low"], r["ci_high"], r["ci_cut"]) for r in kpi_rows(summary, {"cat1": 30.0})[1]}
    assert shown["ddi_within_target_pct"] == (0.0, 100.0, True)
    assert shown["decision_to_delivery_min"] == (0.0, 2494.8, True)
    assert shown["utilisation_NHOG_operating_room"] == (0.1, 0.3, False)
    assert str(shown["delivery_to_nicu_min"]) == "(nan, nan, False)"  # no interval stays no interval
    assert shown["decision_to_delivery_min_cat1"] == (20.0, 40.0, False)
    verdicts = {r["kpi"]: r["verdict"] for r in kpi_rows(summary, {"cat1": 30.0})[1]}
    assert verdicts["decision_to_delivery_min_cat1"] == ""  # no per-case share: no verdict from the mean


def test_a_ddi_verdict_uses_the_share_of_cases_within_target_never_the_mean():
    import pandas as pd

    from sim.analysis.stats import SUMMARY_COLUMNS
    from sim.report.html import kpi_rows

    base = {c: math.nan for c in SUMMARY_COLUMNS} | {"n": 3, "precision_met": False}
    summary = pd.DataFrame([
        base | {"kpi": "decision_to_delivery_min_cat2", "unit": "min", "mean": 60.0, "ci_low": 55.0, "ci_high": 65.0},
        base | {"kpi": "ddi_within_target_pct_cat2", "unit": "%", "mean": 65.0, "per_case": 65.0,
                "per_case_low": 60.0, "per_case_high": 70.0}])
    key, _ = kpi_rows(summary, {"cat2": 75.0}, {"cat2": 90.0})
    assert [r["kpi"] for r in key] == ["decision_to_delivery_min_cat2"]
    assert key[0]["verdict"] == "missed"  # the mean (60 min) is under 75 min, but only 65% of cases are
    assert kpi_rows(summary, {"cat2": 75.0}, {"cat2": 60.0})[0][0]["verdict"] == "met"
    assert kpi_rows(summary, {"cat2": 75.0}, {"cat2": 60.0}, {"outreach": {"cat2": 80.0}, "transfer": {
        "cat2": 90.0}})[0][0]["verdict"] == "cannot be met"


def test_distributions_are_described_in_words():
    assert narrative.describe_dist({"dist": "triangular", "low": 15, "mode": 30, "high": 60}) == \
        "triangular 15 / 30 / 60 min (low / mode / high)"
    assert narrative.describe_dist({"dist": "lognormal", "median": 25, "p90": 49.5}) == \
        "lognormal, median 25, 90th percentile 49.5 min"
    assert narrative.describe_dist({"dist": "fixed", "value": 30, "shift": 5}) == "fixed 30 min, shifted by 5 min"
