"""Presentation: charts (DataFrames in, Figures out) and the HTML report."""

from pathlib import Path

from sim import store
from sim.report.compare_html import build_comparison_report
from sim.report.html import build_report

__all__ = ["build_comparison_report", "build_report", "rebuild_report"]


def rebuild_report(folder: str | Path) -> Path | None:
    """Rebuild the report of a results folder (``report.html``) or of a comparison or sweep folder
    (``comparison.html``) from its tables, without rerunning; ``None`` when the folder is neither."""
    folder = Path(folder)
    if store.is_results_folder(folder):
        return build_report(folder)
    if store.is_comparison_folder(folder):
        return build_comparison_report(folder)
    return None
