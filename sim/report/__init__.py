"""Presentation: charts (DataFrames in, Figures out) and the HTML report."""

from sim.report.html import build_report

__all__ = ["build_report"]
