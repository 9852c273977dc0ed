"""results.xlsx: numbers stored as numbers with the format of their unit, in every folder kind.

Expected values come from the CSV files read with the standard ``csv``
module (not through the code under test) and from formats written out here.
"""

from __future__ import annotations

import csv
import json
import math
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from sim.report.run_workbook import costs_sheet
from sim.report.workbook import about_sheet, save, table_sheet
from tests.conftest import SCENARIOS
from tests.report.conftest import run_cli

RUN_SHEETS = ["About", "Summary", "By urgency", "Resources", "Costs", "Replications"]


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def sheet_rows(ws) -> tuple[list[str], list[tuple]]:
    """``(headers, rows of cells)`` of a sheet whose first row is its header."""
    rows = list(ws.iter_rows())
    return [c.value for c in rows[0]], [tuple(r) for r in rows[1:]]


def cell(ws, key_column: str, key: str, column: str):
    """The cell in ``column`` of the row whose ``key_column`` holds ``key``."""
    headers, rows = sheet_rows(ws)
    found = [r for r in rows if r[headers.index(key_column)].value == key]
    assert len(found) == 1, key
    return found[0][headers.index(column)]


@pytest.fixture(scope="module")
def book(results: Path) -> openpyxl.Workbook:
    return openpyxl.load_workbook(results / "results.xlsx")


@pytest.fixture(scope="module")
def comparison(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The baseline against the lean team: two replications of ten days."""
    out = tmp_path_factory.mktemp("compare") / "cmp"
    result = run_cli(["compare", str(SCENARIOS / "baseline.yaml"), str(SCENARIOS / "lean-team.yaml"), "-n", "2",
                      "--seed", "5", "--out", str(out), "--set", "run.horizon_days=10"])
    assert result.exit_code == 0, result.output
    return out


def test_a_run_folder_has_one_workbook_with_every_sheet(results, book):
    assert (results / "results.xlsx").is_file()
    assert book.sheetnames == RUN_SHEETS


def test_summary_headers_carry_units_and_keep_the_unit_column_where_units_mix(book):
    headers, _ = sheet_rows(book["Summary"])
    assert {"kpi", "unit", "mean", "ci_low", "ci_high", "n (replications)", "successes (cases)",
            "trials (cases)"} <= set(headers)
    assert book["Summary"].freeze_panes == "A2"
    assert book["Summary"].auto_filter.ref.startswith("A1:")


@pytest.mark.parametrize(("kpi", "number_format"), [
    ("decision_to_delivery_min_cat1", "0.0"),
    ("home_ddi_within_target_pct_cat1", "0.0"),
    ("utilisation_NHOG_operating_room", "0.000"),
    ("home_cases", "0.00"),
])
def test_a_summary_value_is_the_csv_number_stored_as_a_number_in_its_unit_format(results, book, kpi,
                                                                                   number_format):
    row = next(r for r in csv_rows(results / "summary.csv") if r["kpi"] == kpi)
    mean = cell(book["Summary"], "kpi", kpi, "mean")
    assert mean.data_type == "n"
    assert mean.value == pytest.approx(float(row["mean"]), abs=1e-9)
    assert mean.number_format == number_format
    n = cell(book["Summary"], "kpi", kpi, "n (replications)")
    assert (n.value, n.data_type, n.number_format) == (int(row["n"]), "n", "0")


def test_by_urgency_has_a_row_per_case_type_and_urgency_with_the_summary_means(results, book):
    means = {r["kpi"]: r["mean"] for r in csv_rows(results / "summary.csv")}
    headers, rows = sheet_rows(book["By urgency"])
    assert "DDI mean (min)" in headers
    by_key = {(r[0].value, r[1].value): r for r in rows}
    for case_type, kpi in [("outreach", "decision_to_delivery_min_cat1"),
                           ("home", "home_decision_to_delivery_min_cat1")]:
        ddi = by_key[(case_type, "cat1")][headers.index("DDI mean (min)")]
        assert ddi.value == pytest.approx(float(means[kpi]), abs=1e-9)
        assert (ddi.data_type, ddi.number_format) == ("n", "0.0")


def test_resources_are_averaged_over_replications_in_hours(results, book):
    pool = pd.read_parquet(results / "resources.parquet").query("hospital == 'NHOG' and resource == 'operating_room'")
    rows = [r for r in sheet_rows(book["Resources"])[1] if (r[0].value, r[1].value) == ("NHOG", "operating_room")]
    headers = sheet_rows(book["Resources"])[0]
    busy = rows[0][headers.index("busy (h per replication)")]
    assert busy.value == pytest.approx(pool["busy_min"].sum() / len(pool) / 60.0, abs=1e-9)
    assert rows[0][headers.index("utilisation (fraction)")].number_format == "0.000"


def test_costs_are_numbers_in_the_scenario_currency_beside_the_hours(results, book):
    summary = {r["kpi"]: r for r in csv_rows(results / "summary.csv")}
    cost = cell(book["Costs"], "kpi", "cost_per_year", "mean (VND)")  # baseline.yaml: costs.currency VND
    assert cost.data_type == "n"
    assert cost.number_format == "#,##0"
    assert cost.value == pytest.approx(float(summary["cost_per_year"]["mean"]), rel=1e-12)
    hours = cell(book["Costs"], "kpi", "staff_hours_away_per_year", "mean (h)")
    assert hours.value == pytest.approx(float(summary["staff_hours_away_per_year"]["mean"]), rel=1e-12)


def test_a_summary_without_hours_or_costs_gives_a_one_line_costs_sheet():
    import pandas as pd

    from sim.report.run_workbook import costs_sheet

    sheet = costs_sheet(pd.DataFrame({"kpi": ["decision_to_delivery_min"], "unit": ["min"], "mean": [1.0],
                                      "ci_low": [0.5], "ci_high": [1.5], "n": [2]}), None)
    assert "No staff-hour, cost or outcome KPIs" in sheet.note


def test_replications_are_numbers_with_units_in_headers(results, book):
    first = csv_rows(results / "replications.csv")[0]
    value = cell(book["Replications"], "replication", 0, "home_decision_to_delivery_min (min)")
    assert value.data_type == "n"
    assert value.value == pytest.approx(float(first["home_decision_to_delivery_min"]), abs=1e-9)


def test_about_carries_the_provenance(results, book):
    about = {r[0].value: r[1].value for r in sheet_rows(book["About"])[1]}
    assert about["seed"] == 3
    assert about["replications"] == 2
    assert about["horizon (days)"] == 20
    assert "run.horizon_days=20" in about["overrides"]


def test_cost_rows_show_hours_and_the_currency_in_their_headers(tmp_path):
    summary = pd.DataFrame({"kpi": ["staff_hours_away", "cost_per_year", "home_cases"], "unit": ["h", "cost", "count"],
                            "mean": [12.5, 1234567.0, 3.0], "ci_low": [10.0, 1e6, 2.0], "ci_high": [15.0, 1.5e6, 4.0],
                            "n": [5, 5, 5]})
    ws = openpyxl.load_workbook(save(tmp_path, [costs_sheet(summary, "VND")]))["Costs"]
    assert len(sheet_rows(ws)[1]) == 2
    hours = cell(ws, "kpi", "staff_hours_away", "mean (h)")
    cost = cell(ws, "kpi", "cost_per_year", "mean (VND)")
    assert (hours.value, hours.number_format) == (12.5, "0.0")
    assert (cost.value, cost.number_format) == (1234567.0, "#,##0")
    assert cell(ws, "kpi", "staff_hours_away", "mean (VND)").value is None


def test_text_is_never_a_formula_and_missing_numbers_are_empty(tmp_path):
    table = pd.DataFrame({"kpi": ["a_min", "b_min"], "unit": ["min", "min"], "mean": [math.nan, math.inf]})
    path = save(tmp_path, [about_sheet([("description", "=HYPERLINK(\"x\")")]), table_sheet("T", table)])
    book = openpyxl.load_workbook(path)
    assert book["About"]["B2"].data_type == "s"
    headers, rows = sheet_rows(book["T"])
    assert "mean (min)" in headers  # one unit for every row: in the header, not in a column
    assert "unit" not in headers
    assert rows[0][headers.index("mean (min)")].value is None
    assert not list(tmp_path.glob("*.tmp"))


def test_a_comparison_workbook_has_the_paired_differences(comparison):
    book = openpyxl.load_workbook(comparison / "results.xlsx")
    assert book.sheetnames == ["About", "Differences", "Summaries"]
    row = next(r for r in csv_rows(comparison / "differences.csv") if r["kpi"] == "home_decision_to_delivery_min")
    diff = cell(book["Differences"], "kpi", "home_decision_to_delivery_min", "diff_mean")
    assert diff.data_type == "n"
    assert diff.value == pytest.approx(float(row["diff_mean"]), abs=1e-9)
    assert cell(book["Differences"], "kpi", "home_decision_to_delivery_min", "p_holm (probability)").number_format \
        == "0.0000"


def test_a_comparison_workbook_about_carries_each_trade_off(comparison):
    ws = openpyxl.load_workbook(comparison / "results.xlsx")["About"]
    about = {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True)}
    record = json.loads((comparison / "comparison.json").read_text(encoding="utf-8"))
    (name, line), = record["trade_offs"].items()
    assert about[f"trade-off of {name}"] == line


@pytest.mark.parametrize("kind", ["run", "comparison"])
def test_report_writes_a_deleted_workbook_again(results, comparison, tmp_path, kind):
    copy = shutil.copytree(results if kind == "run" else comparison, tmp_path / kind)
    (copy / "results.xlsx").unlink()
    result = run_cli(["report", str(copy)])
    assert result.exit_code == 0, result.output
    assert str(copy / "results.xlsx") in result.output
    assert openpyxl.load_workbook(copy / "results.xlsx").sheetnames[0] == "About"
