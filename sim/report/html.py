"""The results report: figures saved beside the data and one self-contained ``report.html``.

``build_report(folder)`` reads a results folder (nothing is rerun): its tables,
and the waits and occupancy the replications derived from their event logs
(``waits.parquet``, ``occupancy.parquet``); draws every chart (PNG at 300 dpi
under ``figures/``, and SVG beside it when asked), and renders
``templates/report.html.j2`` with the PNGs inlined as base64, so the page can
be emailed on its own.  The
template autoescapes everything; scenario text is never marked safe.
"""

from __future__ import annotations

import base64
import io
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import pandas as pd
from jinja2 import Environment, PackageLoader, select_autoescape
from matplotlib.figure import Figure

from sim import store
from sim.analysis import attribution, occupancy
from sim.analysis import report_tables as derived
from sim.analysis.kpis import shown_interval
from sim.analysis.labels import kpi_label
from sim.analysis.precision import headline_of
from sim.report import charts, economics, narrative
from sim.scenario.fastest import fastest_ddi_min, fastest_for_kpi
from sim.scenario.schema import Scenario

DEFAULT_SERVICE_LEVEL = 90.0
"""Share of cases (%) that must be within target where a scenario does not say (``urgency.<u>.service_level_pct``)."""
OCCUPANCY_POOLS = 6
"""How many of the busiest pools the time-of-day chart shows."""
HOME_WAIT_ROWS = 8
CHART_REPLICATIONS = 100
"""Charts and wait tables draw on at most this many replications (the first), so that building the
report takes the same memory however many replications ran; KPIs and the resources table use all."""


def figure_file_name(name: str) -> str:
    """``name`` as a file name: every run of characters other than letters, digits and ``_ . + = -`` (a ``/``
    of a hospital id in an old results folder, a space) becomes ``_``; never empty, never starting with ``.``."""
    return re.sub(r"[^A-Za-z0-9_.+=-]+", "_", name).lstrip(".") or "figure"


def save_figure(fig: Figure, folder: Path, name: str, svg: bool = False) -> str:
    """Save a PNG (300 dpi, at most :data:`charts.MAX_PNG_WIDTH_PX` wide), and with ``svg`` an SVG, under
    ``folder/figures`` as :func:`figure_file_name` of ``name``; return the PNG as base64.

    Without ``svg``, an SVG of that name left by an earlier save is removed, so that none is older than
    its PNG.
    """
    figures = folder / "figures"
    figures.mkdir(exist_ok=True)
    name = figure_file_name(name)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=charts.png_dpi(fig))
    store.write_bytes(figures, f"{name}.png", buf.getvalue())  # each file whole or not at all
    if svg:
        vector = io.BytesIO()
        fig.savefig(vector, format="svg", metadata={"Date": None})
        store.write_bytes(figures, f"{name}.svg", vector.getvalue())
    else:
        (figures / f"{name}.svg").unlink(missing_ok=True)
    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode("ascii")


@dataclass
class RunData:
    """A results folder's tables and what the report derives from them."""

    manifest: dict[str, Any]
    summary: pd.DataFrame
    cases: pd.DataFrame
    resources: pd.DataFrame
    waits: pd.DataFrame
    home: pd.DataFrame
    occupancy: pd.DataFrame
    picked: pd.DataFrame
    """The median cases (:func:`median_cases`), whole rows."""

    @property
    def scenario(self) -> dict[str, Any]:
        return self.manifest["scenario"]

    @property
    def targets(self) -> dict[str, float]:
        return {u: float(v["target_min"]) for u, v in self.scenario["urgency"].items()}

    @property
    def labels(self) -> dict[str, str]:
        return {u: v.get("label") or u for u, v in self.scenario["urgency"].items()}

    @property
    def service_levels(self) -> dict[str, float]:
        """Urgency -> the share of cases (%) that must be within target (90 where a scenario does not say)."""
        urgency = self.scenario["urgency"]
        return {u: float(v.get("service_level_pct", DEFAULT_SERVICE_LEVEL)) for u, v in urgency.items()}

    @property
    def fastest(self) -> dict[str, dict[str, float]]:
        """The fastest possible DDI by pathway and urgency (:func:`sim.scenario.fastest.fastest_ddi_min`);
        empty when the folder's scenario no longer validates (a folder written by an older version)."""
        try:
            return fastest_ddi_min(Scenario.model_validate(self.scenario))
        except ValueError:
            return {}

    @property
    def days(self) -> float:
        run = self.scenario["run"]
        return float(run["horizon_days"]) - float(run.get("warmup_days", 0.0))


def busiest_pools(resources: pd.DataFrame, n: int = OCCUPANCY_POOLS) -> list[tuple[str, str]]:
    """The ``n`` pools with the highest mean utilisation (staffed pools only)."""
    res = resources[resources["capacity_mean"] > 0]
    mean = res.groupby(["hospital", "resource"], observed=True)["utilisation"].mean().dropna()
    return [(str(h), str(r)) for h, r in mean.sort_values(ascending=False).head(n).index]


HOME_COLUMNS = ["replication", "case_id", "hospital", "urgency", "decision_min", "decision_to_delivery_min"]
"""The columns of the home emergencies the report keeps (with ``team_away``): the most numerous cases."""
REPORT_CASE_COLUMNS = ["replication", "case_id", "case_type", "hospital", "urgency_initial", "urgency", "pathway",
                       "team_home", "decision_to_delivery_min", "deteriorated_min", "team_assembled_min",
                       "team_returned_min", *attribution.MILESTONE_COLUMNS]
"""The cases-table columns the report reads for every charted case (the median cases are read whole)."""


def load(folder: Path, manifest: dict[str, Any] | None = None) -> RunData:
    """Read a results folder: the cases, waits and occupancy the charts and tables show.

    Cases, waits and occupancy are read for the first :data:`CHART_REPLICATIONS` only, and of the cases
    only :data:`REPORT_CASE_COLUMNS` (the median cases whole), so that the memory does not grow with
    the horizon or the replications.  A folder without ``waits.parquet`` or ``occupancy.parquet``
    (written by an older version) has them derived again from its event log, one replication at a
    time.  With ``manifest`` (at least its ``scenario``) given, the folder's is not read, nor its summary
    (empty): enough to draw the charts of a folder still being written.
    """
    summary = pd.DataFrame() if manifest is not None else store.read_table(folder, "summary")
    manifest = manifest or store.read_json(folder)
    run = manifest["scenario"]["run"]
    start, end = 1440.0 * float(run.get("warmup_days", 0.0)), 1440.0 * float(run["horizon_days"])
    columns = [c for c in REPORT_CASE_COLUMNS if c in store.table_columns(folder, "cases")]
    cases = store.read_replications(folder, "cases", CHART_REPLICATIONS, columns)
    resources = store.read_table(folder, "resources")
    waits, hourly = report_tables(folder, cases, start, end)
    home = cases.loc[cases["case_type"] == "home", HOME_COLUMNS]
    home["team_away"] = occupancy.flag_team_away(home, occupancy.team_away_intervals(cases, end))
    occ = occupancy.pooled_occupancy(hourly, busiest_pools(resources))
    picked = median_cases(folder, cases, list(manifest["scenario"]["urgency"]))
    return RunData(manifest, summary, cases, resources, waits, home, occ, picked)


def report_tables(folder: Path, cases: pd.DataFrame, start: float, end: float) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(waits, hourly occupancy)`` of the first :data:`CHART_REPLICATIONS` replications
    (:func:`sim.analysis.report_tables.report_tables`): read from the folder, or for an older folder
    derived from its event log, one replication at a time."""
    if store.has_table(folder, "waits") and store.has_table(folder, "occupancy"):
        return (store.read_replications(folder, "waits", CHART_REPLICATIONS),
                store.read_replications(folder, "occupancy", CHART_REPLICATIONS))
    waits, hourly = [], []
    for events in store.iter_replications(folder, "events", CHART_REPLICATIONS):
        mine = cases[cases["replication"] == events["replication"].iloc[0]]
        tables = derived.report_tables(events, mine, start, end)
        waits.append(tables["waits"])
        hourly.append(tables["occupancy"])
    return pd.concat(waits, ignore_index=True), pd.concat(hourly, ignore_index=True)


def median_cases(folder: Path, cases: pd.DataFrame, urgencies: list[str]) -> pd.DataFrame:
    """:func:`sim.analysis.attribution.median_cases` of ``cases``, each picked case with its whole row
    of the folder's cases table."""
    picked = attribution.median_cases(cases, urgencies)
    if picked.empty:
        return picked
    keys = list(zip(picked["replication"].astype(int), picked["case_id"].astype(int), strict=True))
    rows = store.read_rows(folder, "cases", keys).set_index(["replication", "case_id"]).loc[keys].reset_index()
    return rows.assign(**{c: picked[c].to_numpy() for c in ("group", "urgency_group", "n_cases")})


CHARTS: dict[str, str] = {
    "ddi_by_urgency": "Outreach decision-to-delivery interval by urgency, against its target.",
    "median_case_waterfall": "Where the time goes: the outreach case with the median DDI of each urgency "
    "(among cases decided at it; those that deteriorated into it apart), step by step; each wait names what "
    "it waited for (the binding resource, the schedule or the mother). Each panel names its case and "
    "replication: the table below gives the command that draws its whole timeline.",
    "home_ddi": "The obstetric hospital's own emergency caesareans, by whether an outreach team was away "
    "(between assembling and returning) when the decision was made.",
    "utilisation": "Utilisation of every pool by hospital, and the on-call call-outs it needed.",
    "occupancy_by_hour": "Busy and staffed units by time of day for the busiest pools (night shift shaded).",
}
"""Every chart of the report, in the report's order: file name -> caption."""
SLOW_CHARTS = ("median_case_waterfall",)
"""Charts that take about as long to draw and save (at 300 dpi) as all the others: a worker draws them while
another draws the rest (:func:`draw_and_save`)."""


def _drawers(data: RunData) -> dict[str, Callable[[], Figure]]:
    """How to draw each chart of :data:`CHARTS` from ``data``."""
    sc = data.scenario
    names = {h: v.get("name", h) for h, v in sc["hospitals"].items()}
    staff = {r for h in sc["hospitals"].values() for r in (h.get("staff") or {})}
    return {
        "ddi_by_urgency": lambda: charts.ddi_by_urgency(data.cases, data.targets, data.labels),
        "median_case_waterfall": lambda: charts.median_case_waterfall(data.picked, data.waits, data.targets,
                                                                      data.labels),
        "home_ddi": lambda: charts.home_ddi_team_away(data.home, data.targets, data.labels),
        "utilisation": lambda: charts.utilisation_by_pool(data.resources, data.days, staff, names),
        "occupancy_by_hour": lambda: charts.occupancy_by_hour(data.occupancy),
    }


def chart_names(share: int | None = None) -> list[str]:
    """The file names of the report's charts, in order: all of them (``share=None``), the slow ones
    (:data:`SLOW_CHARTS`, ``share=0``) or the others (``share=1``)."""
    if share is None:
        return list(CHARTS)
    return [n for n in CHARTS if (n in SLOW_CHARTS) == (share == 0)]


def in_report_order(figures: list[dict[str, str]]) -> list[dict[str, str]]:
    """Saved charts (each with its ``name``) in the report's order."""
    order = list(CHARTS)
    return sorted(figures, key=lambda f: order.index(f["name"]))


def draw_figures(data: RunData, names: list[str] | None = None) -> list[tuple[str, str, Figure]]:
    """The report's charts (only ``names``, in that order, when given): ``(file name, caption, figure)``."""
    draw = _drawers(data)
    return [(n, CHARTS[n], draw[n]()) for n in (chart_names() if names is None else names)]


def figures_for(folder: Path, data: RunData | None = None, svg: bool = False,
                share: int | None = None) -> list[dict[str, str]]:
    """Draw and save the run's charts (one share of them, see :func:`chart_names`; with ``svg``, an SVG
    beside each PNG); return name, caption and inline PNG of each, in the report's order."""
    data = data or load(folder)
    return [{"name": n, "caption": c, "png": save_figure(f, folder, n, svg)}
            for n, c, f in draw_figures(data, chart_names(share))]


def draw_and_save(folder: Path, manifest: dict[str, Any], svg: bool = False,
                  share: int | None = None) -> list[dict[str, str]]:
    """:func:`figures_for` a folder whose manifest and summary are not written yet (``manifest``: at least
    its ``scenario``); a task for a worker process (``share``: 0 or 1, see :func:`chart_names`)."""
    return figures_for(folder, load(folder, manifest), svg, share)


def share_kpi(kpi: str) -> str:
    """The per-case within-target KPI of a DDI KPI (``decision_to_delivery_min_cat1`` ->
    ``ddi_within_target_pct_cat1``), else ``""``."""
    for ddi, share in (("home_decision_to_delivery_min_", "home_ddi_within_target_pct_"),
                       ("decision_to_delivery_min_", "ddi_within_target_pct_")):
        if kpi.startswith(ddi):
            return share + kpi[len(ddi):]
    return ""


def _clock(kpi: str) -> str:
    """Which decision a KPI's clock starts from, in words (empty for KPIs that are not intervals from one)."""
    if kpi.startswith("home_"):
        return "from the decision" if "decision_to_delivery" in kpi else ""
    if "decision_to_delivery" in kpi:
        return "from the last decision (for a deteriorated mother, the deterioration)"
    if kpi.startswith(("decision_to_team_on_site", "decision_to_mother_arrived")):
        return "from the decision that sent the team (the consultation's, or a booked mother's deterioration)"
    return ""


def _kpi_row(r: Any, targets: dict[str, float], shares: dict[str, Any], headline: list[str],
             levels: dict[str, float], fastest: dict[str, dict[str, float]]) -> dict[str, Any]:
    share = shares.get(share_kpi(r.kpi))
    target = narrative.kpi_target(r.kpi, targets) if share is not None else math.nan
    low, high, cut = shown_interval(r.kpi, r.ci_low, r.ci_high)
    clipped = getattr(r, "ci_clipped", False)  # summary.csv cuts and says so (older ones have no column)
    cut = cut or bool(pd.notna(clipped) and clipped)
    within = getattr(share, "per_case", math.nan) if share is not None else math.nan
    w_low = getattr(share, "per_case_low", math.nan) if share is not None else math.nan
    w_high = getattr(share, "per_case_high", math.nan) if share is not None else math.nan
    level = levels.get(narrative.kpi_urgency(r.kpi, list(targets)), DEFAULT_SERVICE_LEVEL)
    quick = fastest_for_kpi(r.kpi, fastest) if fastest else math.nan
    verdict, words = narrative.target_verdict(within, w_low, w_high, level, quick, target)
    return {"kpi": r.kpi, "label": kpi_label(r.kpi), "unit": r.unit, "mean": r.mean, "clock": _clock(r.kpi),
            "ci_low": low, "ci_high": high, "ci_cut": cut, "n": r.n, "p50": r.p50, "p90": r.p90,
            "p50_low": getattr(r, "p50_low", math.nan), "p50_high": getattr(r, "p50_high", math.nan),
            "p90_low": getattr(r, "p90_low", math.nan), "p90_high": getattr(r, "p90_high", math.nan),
            "precision_met": bool(r.precision_met), "needed": r.replications_needed, "headline": r.kpi in headline,
            "target": target, "within": within, "within_low": w_low, "within_high": w_high, "service_level": level,
            "fastest": quick, "verdict": verdict, "verdict_words": words}


KEY_STEMS = ("decision_to_delivery_min_", "decision_to_team_on_site_min_", "decision_to_mother_arrived_min_",
             "home_decision_to_delivery_min_")
"""Per-urgency KPIs that make the key-results table (with no shift split; a pathway split only when
both pathways have cases)."""


def _is_key(row: dict[str, Any], urgencies: list[str], both_pathways: bool) -> bool:
    kpi = row["kpi"]
    stem = next((s for s in KEY_STEMS if kpi.startswith(s)), "")
    if not stem or not row["n"] or any(f"_{sh}_team_" in kpi for sh in ("day", "night", "weekend")):
        return False
    rest = kpi[len(stem):]
    u = max((u for u in urgencies if rest == u or rest.startswith(u + "_")), key=len, default="")
    tail = rest[len(u):]
    return bool(u) and (tail == "" or tail.startswith("_team_") or (both_pathways and tail in ("_outreach",
                                                                                              "_transfer")))


def kpi_rows(summary: pd.DataFrame, targets: dict[str, float], levels: dict[str, float] | None = None,
             fastest: dict[str, dict[str, float]] | None = None) -> tuple[list[dict], list[dict]]:
    """``(key KPIs, all KPIs)``: the key ones by urgency and pathway (outreach first, then home), each DDI
    with its per-case share within target and a verdict against the service level (``levels``: urgency ->
    %, default 90) or, where ``fastest`` (:func:`sim.scenario.fastest.fastest_ddi_min`) shows the target
    out of reach, "cannot be met".  All-urgency means are in the second list only."""
    shares = {r.kpi: r for r in summary.itertuples(index=False) if "within_target_pct" in r.kpi}
    headline = headline_of(summary)
    rows = [_kpi_row(r, targets, shares, headline, levels or {}, fastest or {})
            for r in summary.itertuples(index=False)]
    n = {r["kpi"]: r["n"] for r in rows}
    both = all(any(n.get(f"decision_to_delivery_min_{u}_{p}", 0) for u in targets) for p in ("outreach", "transfer"))
    order = {u: i for i, u in enumerate(targets)}
    key = [r for r in rows if _is_key(r, list(targets), both)]
    key.sort(key=lambda r: (r["kpi"].startswith("home"), order.get(
        narrative.kpi_urgency(r["kpi"], list(targets), narrative.URGENCY_PREFIXES), 99), r["kpi"]))
    return key, rows


def flag_deteriorated(key: list[dict[str, Any]], cases: pd.DataFrame, urgencies: list[str]) -> None:
    """Add to each outreach key row ``deteriorated``: how many of the (charted) cases of its final urgency
    reached it by deteriorating, in words (empty when none did)."""
    outreach = cases[cases["case_type"] == "outreach"]
    for row in key:
        u = narrative.kpi_urgency(row["kpi"], urgencies, narrative.URGENCY_PREFIXES)
        sel = outreach[outreach["urgency"] == u]
        det = int(sel["deteriorated_min"].notna().sum()) if not row["kpi"].startswith("home") else 0
        row["deteriorated"] = f"{det} of {len(sel)} cases deteriorated into {u}" if det else ""


def shown_cases(data: RunData) -> list[dict[str, Any]]:
    """The cases the median-case chart shows, with the ``ihsim timeline`` command that draws each one
    (``DIR`` stands for the results folder, so that the page reads the same wherever the folder moves)."""
    picked = data.picked
    return [{"group": r.group, "replication": int(r.replication), "case_id": int(r.case_id),
             "ddi": float(r.decision_to_delivery_min),
             "command": f"ihsim timeline DIR --replication {int(r.replication)} --case {int(r.case_id)}"}
            for r in picked.itertuples(index=False)]


def wait_rows(data: RunData, case_type: str, limit: int | None = None) -> list[dict[str, Any]]:
    """What cases of one type wait for, with the binding pools in words."""
    cases = data.cases.loc[data.cases["case_type"] == case_type, ["replication", "case_id"]]
    table = attribution.binding_summary(data.waits, cases)
    if limit:
        table = table.head(limit)
    return [{**r, "binding": charts.binding_text(r["binding"]) or "(none found)"}
            for r in table.to_dict("records")]


def team_away_note(home: pd.DataFrame) -> dict[str, Any]:
    """Home cases decided while an outreach team was away, and their mean DDI against the others'."""
    done = home[home["decision_to_delivery_min"].notna()]
    by = done.groupby("team_away")["decision_to_delivery_min"]
    mean, count = by.mean(), by.size()
    return {"away_n": int(count.get(True, 0)), "home_n": int(count.get(False, 0)),
            "away_pct": 100.0 * count.get(True, 0) / max(len(done), 1),
            "away_mean": float(mean.get(True, math.nan)), "home_mean": float(mean.get(False, math.nan))}


def resource_rows(resources: pd.DataFrame, days: float) -> list[dict]:
    """Per pool, averaged over replications: capacity, utilisation, waits, queue, call-outs per week."""
    g = resources.groupby(["hospital", "resource"], observed=True)
    agg = g.agg(capacity=("capacity_mean", "mean"), utilisation=("utilisation", "mean"),
                requests=("requests", "mean"), mean_wait=("mean_wait_min", "mean"), max_wait=("max_wait_min", "max"),
                max_queue=("max_queue", "max"), call_ins=("call_ins", "mean")).reset_index()
    agg["call_ins_week"] = agg["call_ins"] * 7.0 / max(days, 1e-9)
    agg["utilisation"] = agg["utilisation"].where(agg["capacity"] <= 0, agg["utilisation"].fillna(0.0))
    agg = agg[(agg["capacity"] > 0) | (agg["requests"] > 0)]
    agg["resource"] = agg["resource"].map(attribution.pool_words)
    return agg.sort_values("utilisation", ascending=False).to_dict("records")


def context(folder: Path, data: RunData, svg: bool = False,
            figures: list[dict[str, str]] | None = None) -> dict[str, Any]:
    """Everything the template shows (drawing and saving the figures, with SVGs if ``svg``, unless
    ``figures`` were drawn already)."""
    m, sc = data.manifest, data.scenario
    key, every = kpi_rows(data.summary, data.targets, data.service_levels, data.fastest)
    flag_deteriorated(key, data.cases, list(data.targets))
    note = narrative.precision_note(data.summary, int(m["replications"]), float(m.get("precision", 0.05)))
    return {
        "m": m, "sc": sc, "targets": data.targets, "labels": data.labels, "kpis": key, "all_kpis": every,
        "figures": figures if figures is not None else figures_for(folder, data, svg),
        "resources": resource_rows(data.resources, data.days),
        "outreach_waits": wait_rows(data, "outreach"), "home_waits": wait_rows(data, "home", HOME_WAIT_ROWS),
        "away": team_away_note(data.home), "shown_cases": shown_cases(data), "precision": note,
        "stress": narrative.stress_des(m, note),
        "hospitals": narrative.hospitals(sc), "rosters": narrative.rosters(sc), "team": narrative.team(sc),
        "demand": narrative.demand(sc), "clinical": narrative.clinical(sc),
        "policies": narrative.policies(sc), "sources": sorted((sc.get("sources") or {}).items()),
        "outreach_cases": sum(int((part["case_type"] == "outreach").sum())
                              for part in store.iter_table(folder, "cases", ["case_type"])),
        "chart_replications": min(CHART_REPLICATIONS, int(m["replications"])),
        "stress_reference": narrative.STRESS_REFERENCE,
        "warnings": list(m.get("warnings") or []),
        "economics": economics.section(data.summary, sc),
    }



def _num(x: Any, digits: int = 1) -> str:
    try:
        x = float(x)
    except (TypeError, ValueError):
        return ""
    return "" if math.isnan(x) else f"{x:,.{digits}f}"


def render(folder: Path, svg: bool = False, figures: list[dict[str, str]] | None = None) -> str:
    """The report's HTML for a results folder (also writes its figures, with SVGs if ``svg``, unless
    ``figures`` were drawn already by :func:`figures_for`)."""
    env = Environment(loader=PackageLoader("sim.report", "templates"), autoescape=select_autoescape(default=True))
    env.filters["num"] = _num
    env.filters["duration"] = charts.fmt_duration
    return env.get_template("report.html.j2").render(**context(folder, load(folder), svg, figures))


def build_report(folder: str | Path, svg: bool = False, figures: list[dict[str, str]] | None = None) -> Path:
    """Write ``figures/`` (PNG; SVG too with ``svg``) and ``report.html`` in a results folder from its tables
    (``figures``: those :func:`figures_for` drew already, if it ran elsewhere)."""
    folder = Path(folder)
    return store.write_text(folder, "report.html", render(folder, svg, figures))
