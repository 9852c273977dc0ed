"""The comparison (and sweep) report: one self-contained ``comparison.html``.

Reads a comparison folder written by :mod:`sim.experiment.compare` or
:mod:`sim.experiment.sweep`, draws its charts (saved under ``figures/`` as
PNG at 300 dpi, at most 2,000 px wide, and SVG, and inlined as base64) and renders
``templates/comparison.html.j2``.  The table of differences has
``id="differences-table"``.
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from sim import store
from sim.analysis.kpis import HEADLINE, shown_interval
from sim.analysis.labels import kpi_label
from sim.report import compare_charts
from sim.report.html import save_figure

CHART_KPI = re.compile(r"^(home_)?(decision_to_delivery_min|ddi_within_target_pct)_[A-Za-z0-9]+$")
"""The KPIs the comparison charts show: DDI and per-case share within target, per urgency, outreach and home."""
MOST_PANELS = 9


def chart_kpis(with_values: set[str]) -> list[str]:
    """The per-urgency DDI and within-target KPIs that have values (at most :data:`MOST_PANELS`, outreach
    first); the headline KPIs with values when there are none."""
    found = sorted((k for k in with_values if CHART_KPI.match(k)), key=lambda k: (k.startswith("home"), k))
    return found[:MOST_PANELS] or [k for k in HEADLINE if k in with_values]


def _figures(folder: Path, record: dict[str, Any], diff: pd.DataFrame, svg: bool = False) -> list[dict[str, str]]:
    reps = {s["name"]: store.read_table(folder / s["folder"], "replications") for s in record["scenarios"]}
    made: list[tuple[str, str, Figure]] = []
    if len(diff):
        kpis = chart_kpis(set(diff.loc[diff["diff_mean"].notna(), "kpi"]))
        made.append(("forest", "Paired differences against the first scenario by urgency: paired 95% CI (dark) "
                     "and unpaired CI (pale) for contrast", compare_charts.forest_plot(diff, kpis)))
    filled = set.intersection(*({c for c in r.columns if r[c].notna().any()} for r in reps.values()))
    made.append(("distributions", "Per-replication values by urgency; grey lines join the same "
                 "replication (same patients) across scenarios",
                 compare_charts.distribution_plot(reps, chart_kpis(filled))))
    if (folder / "sweep.csv").exists():
        table = store.read_table(folder, "sweep")
        keys = list(store.read_json(folder, "sweep.json")["vary"])
        hue = keys[1] if len(keys) > 1 else None
        made.append(("sweep", f"KPIs by urgency against {keys[0]}: mean and 95% CI band (upper panels); paired "
                     "difference against the first variant with its paired 95% CI (lower panels); bands cut to "
                     "possible values",
                     compare_charts.sweep_chart(table, keys[0], chart_kpis(set(table.loc[table["mean"].notna(),
                                                                                         "kpi"])), hue)))
    return [{"name": n, "caption": c, "png": save_figure(f, folder, n, svg)} for n, c, f in made]


def _num(x: Any, digits: int = 2) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return ""
    return f"{x:,.{digits}f}"


def render(folder: Path, svg: bool = False) -> str:
    """The comparison report's HTML text (also writes its figures, with SVGs if ``svg``)."""
    folder = Path(folder)
    record = store.read_json(folder, "comparison.json")
    diff = store.read_table(folder, "differences")
    summary = store.read_table(folder, "summaries")
    diff = diff.assign(headline=diff["kpi"].isin(HEADLINE), label=diff["kpi"].map(kpi_label))
    diff = diff.sort_values(["headline", "scenario"], ascending=[False, True], kind="stable")
    head = summary[summary["kpi"].isin(HEADLINE)].assign(label=lambda d: d["kpi"].map(kpi_label))
    shown = [shown_interval(*row) for row in zip(head["kpi"], head["ci_low"], head["ci_high"], strict=True)]
    was_cut = head["ci_clipped"].fillna(False).astype(bool) if "ci_clipped" in head else [False] * len(head)
    head = head.assign(ci_low=[s[0] for s in shown], ci_high=[s[1] for s in shown],
                       ci_cut=[s[2] or bool(c) for s, c in zip(shown, was_cut, strict=True)])
    env = Environment(loader=PackageLoader("sim.report", "templates"), autoescape=select_autoescape(default=True))
    env.filters["num"] = _num
    return env.get_template("comparison.html.j2").render(
        r=record, diffs=diff.to_dict("records"), summary=head.to_dict("records"),
        figures=_figures(folder, record, diff, svg))


def build_comparison_report(folder: str | Path, svg: bool = False) -> Path:
    """Write ``figures/`` (PNG; SVG too with ``svg``) and ``comparison.html`` in a comparison or sweep folder."""
    folder = Path(folder)
    return store.write_text(folder, "comparison.html", render(folder, svg))
