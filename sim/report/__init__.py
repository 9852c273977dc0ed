"""Presentation: charts (DataFrames in, Figures out), the HTML report and the Excel workbook."""

from pathlib import Path

from sim import store
from sim.report.compare_html import build_comparison_report
from sim.report.html import build_report
from sim.report.manifest import checked_manifest
from sim.report.run_workbook import write_run_workbook
from sim.report.sensitivity import rebuild_sensitivity
from sim.report.workbook import write_study_workbook

__all__ = ["build_comparison_report", "build_report", "rebuild_report"]


def rebuild_report(folder: str | Path, svg: bool = False) -> tuple[Path, Path] | None:
    """Rebuild the report and ``results.xlsx`` of a results folder (``report.html``), of a comparison or
    sweep folder (``comparison.html``) or of a sensitivity folder (its ``figures/``) from its tables,
    without rerunning (with ``svg``, an SVG of every chart beside its PNG); returns ``(report or figures,
    workbook)``, or ``None`` when the folder is none of these."""
    folder = Path(folder)
    if store.is_results_folder(folder):
        checked_manifest(folder)
        workbook = write_run_workbook(folder)
        return build_report(folder, svg), workbook
    if store.is_comparison_folder(folder):
        workbook = write_study_workbook(folder)
        return build_comparison_report(folder, svg), workbook
    if store.is_sensitivity_folder(folder):
        return rebuild_sensitivity(folder, svg)
    return None
