"""The results report: figures saved beside the data and one self-contained ``report.html``."""

from __future__ import annotations

import base64
import io
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from sim import store
from sim.analysis.kpis import HEADLINE
from sim.report import charts

CASE_COLUMNS = [
    "replication", "case_id", "case_type", "urgency", "pathway", "decision_to_delivery_min",
    *[f"{a}_min" for a, _, _ in charts.WATERFALL_STEPS], "delivery_min",
]


def save_figure(fig: Figure, folder: Path, name: str) -> str:
    """Save PNG (300 dpi) and SVG under ``folder/figures``; return the PNG as base64."""
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=300)
    (figures / f"{name}.png").write_bytes(buf.getvalue())
    fig.savefig(figures / f"{name}.svg", format="svg", metadata={"Date": None})
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def figures_for(folder: Path, manifest: dict) -> list[dict[str, str]]:
    """Make the run's charts from its tables."""
    cases = store.read_table(folder, "cases", CASE_COLUMNS)
    resources = store.read_table(folder, "resources")
    targets = {u: v["target_min"] for u, v in manifest["scenario"]["urgency"].items()}
    made = [
        ("ddi_by_urgency", "Outreach decision-to-delivery interval against targets",
         charts.ddi_by_urgency(cases, targets)),
        ("median_case_waterfall", "Where the time goes in the median outreach case",
         charts.median_case_waterfall(cases)),
        ("utilisation", "Utilisation by role, equipment and hospital", charts.utilisation_by_pool(resources)),
        ("home_ddi", "The obstetric hospital's own emergency caesareans", charts.home_ddi(cases, targets)),
    ]
    return [{"name": n, "caption": c, "png": save_figure(f, folder, n)} for n, c, f in made]


def _kpi_rows(summary: pd.DataFrame, targets: dict[str, float]) -> list[dict]:
    rows = []
    for r in summary.itertuples(index=False):
        rows.append({"kpi": r.kpi, "unit": r.unit, "mean": r.mean, "ci_low": r.ci_low, "ci_high": r.ci_high,
                     "n": r.n, "p50": r.p50, "p90": r.p90, "precision_met": r.precision_met,
                     "needed": r.replications_needed, "headline": r.kpi in HEADLINE})
    return rows


def _resource_rows(resources: pd.DataFrame) -> list[dict]:
    g = resources.groupby(["hospital", "resource"], observed=True)
    agg = g.agg(capacity=("capacity_mean", "mean"), utilisation=("utilisation", "mean"),
                mean_wait=("mean_wait_min", "mean"), max_queue=("max_queue", "max"),
                call_ins=("call_ins", "mean")).reset_index()
    return agg.sort_values("utilisation", ascending=False).to_dict("records")


def render(folder: Path) -> str:
    manifest = store.read_json(folder)
    summary = store.read_table(folder, "summary")
    resources = store.read_table(folder, "resources")
    targets = {u: v["target_min"] for u, v in manifest["scenario"]["urgency"].items()}
    env = Environment(loader=PackageLoader("sim.report", "templates"), autoescape=select_autoescape(default=True))
    env.filters["num"] = lambda x, d=1: "" if pd.isna(x) else f"{x:,.{d}f}"
    template = env.get_template("report.html.j2")
    return template.render(
        m=manifest, sc=manifest["scenario"], kpis=_kpi_rows(summary, targets),
        resources=_resource_rows(resources), figures=figures_for(folder, manifest), targets=targets,
    )


def build_report(folder: str | Path) -> Path:
    """Write ``figures/`` and ``report.html`` in a results folder from its tables."""
    folder = Path(folder)
    html = render(folder)
    out = folder / "report.html"
    out.write_text(html, encoding="utf-8")
    return out
