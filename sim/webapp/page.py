"""The ``ihsim app`` page (Streamlit): Scenario, Run, Results and Compare tabs over :mod:`sim.webapp`.

Scenario text is shown only through ``st.text``, ``st.code``, ``st.table`` or
:func:`sim.webapp.escape_markdown`, never as markdown or HTML of its own.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import streamlit as st

from sim import store
from sim.experiment.single import safe_name
from sim.report import html
from sim.scenario import ScenarioError, load_scenario, scenario_dict
from sim.scenario.diff import describe_changes
from sim.scenario.feasibility import scenario_warnings
from sim.webapp import RESULTS_ENV, escape_markdown, jobs, results
from sim.webapp.levers import GROUPS, Lever, changed, levers
from sim.webapp.workspace import FOLDER, Workspace, WorkspaceError, overrides_of

md = escape_markdown


@st.cache_resource
def workspace(folder: str) -> Workspace:
    """The app's scenario folder, prepared once per server."""
    ws = Workspace(Path(folder))
    ws.prepare()
    return ws


@st.cache_resource(max_entries=4)
def run_data(path: str, stamp: float) -> html.RunData:
    """A results folder's tables as the report reads them (``stamp``: the manifest's time, so a rerun reloads)."""
    return html.load(Path(path))


def lever_widget(lever: Lever, base: str) -> Any:
    """The form field of one lever; returns its value."""
    tag = "ASSUMPTION" if lever.mark.startswith("ASSUMPTION") else "sourced" if lever.source else "no source"
    label = md(f"{lever.label}" + (f" ({lever.unit})" if lever.unit else "") + f" · {tag}")
    key, helptext = f"lever|{base}|{lever.key}", md(lever.help())
    if lever.kind == "bool":
        return st.checkbox(label, value=bool(lever.value), key=key, help=helptext)
    if lever.kind == "choice":
        return st.selectbox(label, lever.choices, index=lever.choices.index(str(lever.value)), key=key,
                            help=helptext)
    if lever.kind == "int":
        return st.number_input(label, value=int(lever.value), step=1, key=key, help=helptext)
    return st.number_input(label, value=float(lever.value), format="%g", key=key, help=helptext)


def lever_form(found: list[Lever], base: str, problems: dict[str, list[str]]) -> None:
    """Every lever by group (three columns); each field's schema problems under it."""
    for group, _ in GROUPS:
        members = [lv for lv in found if lv.group == group]
        if not members:
            continue
        with st.expander(f"{group} ({len(members)})"):
            cols = st.columns(3)
            for i, lever in enumerate(members):
                with cols[i % 3]:
                    lever_widget(lever, base)
                    for message in problems.get(lever.key, []):
                        st.error(md(message))


def check_edits(path: Path, edits: dict[str, Any]) -> tuple[Any, list[Any]]:
    """``(scenario, [])`` when the edits validate as ``--set`` overrides, else ``(None, problems)``."""
    try:
        return load_scenario(path, overrides_of(edits)), []
    except ScenarioError as exc:
        return None, exc.problems


def problems_by_lever(found: list[Lever], edits: dict[str, Any], problems: list[Any]) -> dict[str, list[str]]:
    """Each problem under the levers it concerns (its key or one under it), edited ones first."""
    out: dict[str, list[str]] = {}
    for p in problems:
        hit = [lv.key for lv in found if lv.key == p.key or lv.key.startswith(p.key + ".")]
        for key in [k for k in hit if k in edits] or hit:
            out.setdefault(key, []).append(p.message)
    return out


def upload_box(ws: Workspace) -> None:
    """Upload a scenario file; it is kept only if the CLI's reader and schema accept it."""
    upload = st.file_uploader("Upload a scenario file (YAML)", type=["yaml", "yml"], key="upload")
    if upload is None or st.session_state.get("uploaded_id") == upload.file_id:
        return
    st.session_state["uploaded_id"] = upload.file_id
    try:
        name = ws.upload(upload.name, upload.getvalue())
    except ScenarioError as exc:
        st.error("The file was not accepted:")
        st.code("\n".join(str(p) for p in exc.problems), language=None)
        return
    except WorkspaceError as exc:
        st.error(md(exc))
        return
    st.session_state["base"] = name
    st.success(md(f"Accepted {name}"))


def save_box(ws: Workspace, base: str, edits: dict[str, Any], name: str) -> None:
    """Save the variant (so that it can run) and offer it for download."""
    if st.button("Save variant", key="save", disabled=not edits):
        try:
            written = ws.save_edited(base, name, edits)
        except (WorkspaceError, ScenarioError) as exc:
            st.error(md(exc))
            return
        st.session_state["saved"] = written
        st.session_state["run_file"] = written
    saved = st.session_state.get("saved")
    if isinstance(saved, str) and saved in ws.names():
        st.text(f"Saved {saved} in {ws.root}. It extends its base: run it there, or save it beside its base.")
        st.download_button(f"Download {saved}", ws.path(saved).read_bytes(), file_name=saved,
                           mime="application/x-yaml", key="download_yaml")


def scenario_tab(ws: Workspace) -> None:
    names = ws.names()
    left, right = st.columns([2, 1])
    with right:
        upload_box(ws)
    with left:
        base = st.selectbox("Base scenario", names, key="base")
    if base is None:
        return
    path = ws.path(base)
    try:
        resolved = scenario_dict(load_scenario(path))
    except ScenarioError as exc:
        st.code("\n".join(str(p) for p in exc.problems), language=None)
        return
    st.text(resolved.get("description") or "")
    found = levers(resolved)
    edits = changed(found, {lv.key: st.session_state.get(f"lever|{base}|{lv.key}", lv.value) for lv in found})
    scenario, problems = check_edits(path, edits)
    top, form = st.container(), st.container()  # fixed places: the open groups stay open as the diff grows
    with top:
        changes_box(resolved, scenario, edits, problems)
        name = st.text_input("Name of the variant", value=f"{Path(base).stem}-edited", key=f"name|{base}")
        if scenario is not None:
            save_box(ws, base, edits, name)
    with form:
        st.subheader("Levers")
        lever_form(found, base, problems_by_lever(found, edits, problems))


def changes_box(resolved: dict[str, Any], scenario: Any, edits: dict[str, Any], problems: list[Any]) -> None:
    """The edits as plain-English changes against the base, with the feasibility warnings, or every
    problem the schema found."""
    st.subheader("Changes against the base")
    if scenario is not None and edits:
        st.code("\n".join(describe_changes(resolved, scenario_dict(scenario))) or "(no input differs)", language=None)
        warnings = scenario_warnings(scenario)
        if warnings:
            st.text("Warnings (the run goes ahead):\n" + "\n".join(f"- {w}" for w in warnings))
    elif problems:
        st.error("The edits do not validate:")
        st.code("\n".join(str(p) for p in problems), language=None)
    else:
        st.text("No changes yet: edit a lever below.")


def may_write(out: Path, key: str) -> bool:
    """True when ``out`` is new, or when the user ticks that its earlier results may be replaced."""
    if not out.exists():
        return True
    return st.checkbox(f"{out.name} holds earlier results: replace them", value=False, key=f"replace|{key}|{out.name}")


CONTINUE, START_AGAIN = "Continue it", "Start again"


def writing(out: Path) -> bool:
    """Whether a job of this session is still writing ``out``."""
    return any(job.out == out and job.state == "running" for job in st.session_state.get("jobs", []))


def kept_work(out: Path, fields: dict[str, str]) -> str | None:
    """What an interrupted job left in ``out.partial`` to continue, in words (None: nothing, or a job is
    writing it now).  The first time a folder's kept work is seen, the widgets in ``fields`` (``seed`` or
    ``replications`` -> widget key) are set to what it was made with, so that it can be continued."""
    words = None if writing(out) else jobs.interrupted(out)
    kept = jobs.kept_settings(out) if words else {}
    mark = f"kept|{out}|{sorted(kept.items())}"
    if kept and mark not in st.session_state:
        st.session_state[mark] = True
        st.session_state.update({key: kept[name] for name, key in fields.items() if name in kept})
    return words


def continue_or_start_again(out: Path, words: str | None, what: str, needs: str) -> bool:
    """When ``out.partial`` keeps finished work (``words``) of an interrupted ``what``, say so and offer
    to continue it (the default) or start again; True to continue (``--resume``), False to discard it
    (``--force``).  ``needs``: what must stay as it was for the work to be continued."""
    if words is None:
        return False
    st.info(md(f"An interrupted {what} left {out.parent.name}/{store.partial_dir(out).name}: it keeps {words}"))
    choice = st.radio(f"The interrupted {what}", [CONTINUE, START_AGAIN], key=f"resume|{out}", horizontal=True,
                      help=md(f"{CONTINUE} runs only what is missing; it needs the same {needs} as before. "
                              f"{START_AGAIN} discards the finished work and runs everything."))
    return choice == CONTINUE


def number_field(where: Any, label: str, key: str, default: int, **limits: int) -> int:
    """An integer field starting at ``default`` (unless :func:`kept_work` set it)."""
    st.session_state.setdefault(key, default)
    return int(where.number_input(label, step=1, key=key, **limits))


def run_tab(ws: Workspace, root: Path) -> None:
    names = ws.names()
    if st.session_state.get("run_file") not in names:
        st.session_state["run_file"] = names[0] if names else None
    chosen = st.selectbox("Scenario file", names, key="run_file")
    if chosen is None:
        return
    scenario = ws.load(chosen)
    out = root / safe_name(scenario.name)
    kept = kept_work(out, {"seed": f"seed|{chosen}"})
    cols = st.columns(2)
    n = number_field(cols[0], "Replications", f"n|{chosen}", scenario.run.replications, min_value=1,
                     max_value=10_000)
    seed = number_field(cols[1], "Seed", f"seed|{chosen}", scenario.run.seed, min_value=0)
    st.text(f"Results folder: {out}; horizon {scenario.run.horizon_days:g} days")
    resume = continue_or_start_again(out, kept, "run", "scenario and seed")
    if st.button("Run", key="run", type="primary", disabled=writing(out) or not may_write(out, "run")):
        command = jobs.run_command(ws.path(chosen), out, n, seed, resume)
        job = jobs.Job.start("run", scenario.name, command, out, n, n, ws.root / "logs" / f"{out.name}.log")
        st.session_state.setdefault("jobs", []).append(job)


@st.fragment(run_every=1.0)
def jobs_panel() -> None:
    """Every job of this session with its progress; a finished one refreshes the whole page once."""
    all_jobs: list[jobs.Job] = st.session_state.get("jobs", [])
    if not all_jobs:
        st.text("No runs yet.")
        return
    for i, job in enumerate(reversed(all_jobs)):
        state = job.state
        st.progress(job.progress(), text=f"{job.kind} {job.out.name}: {state}")
        if state == "running" and st.button("Cancel", key=f"cancel|{job.out}|{job.started}"):
            job.cancel()
        problem = job.problem()
        if problem is not None:
            st.error(md(f"The {job.kind} of {job.out.name} stopped: {problem}"))
            if "--resume" in problem:
                st.text(f"To discard the interrupted work instead, choose \"{START_AGAIN}\" and start it again.")
        if state in ("failed", "cancelled") or i == 0:
            st.code(job.tail() or "(no output yet)", language=None)
        seen = st.session_state.setdefault("seen_done", set())
        if state != "running" and id(job) not in seen:
            seen.add(id(job))
            st.rerun()


def downloads(path: Path, files: list[tuple[str, str, str]]) -> None:
    """Download buttons for the folder's files that exist, and its zip."""
    cols = st.columns(len(files) + 1)
    for col, (name, label, mime) in zip(cols, files, strict=False):
        data = results.file_bytes(path, name)
        if data is not None:
            col.download_button(label, data, file_name=f"{path.name}-{name}", mime=mime, key=f"dl|{path}|{name}")
    zip_key = f"zip|{path}"
    if cols[-1].button("Zip the folder", key=f"zipbtn|{path}"):
        try:
            st.session_state[zip_key] = results.zipped(path)
        except ValueError as exc:
            st.error(md(exc))
    if zip_key in st.session_state:
        cols[-1].download_button("Download the zip", st.session_state[zip_key], file_name=f"{path.name}.zip",
                                 mime="application/zip", key=f"dlzip|{path}")


def results_tab(root: Path) -> None:
    names = results.folders(root, "run")
    if not names:
        st.text("No results folder yet: run a scenario.")
        return
    name = st.selectbox("Results folder", names, key="results_folder")
    path = results.folder(root, name)
    data = run_data(str(path), (path / "manifest.json").stat().st_mtime)
    st.text(f"{path}: {data.manifest.get('title', data.manifest.get('scenario_name'))}, "
            f"{data.manifest['replications']} replications, seed {data.manifest['seed']}")
    downloads(path, [("report.html", "Download the report", "text/html"),
                     ("results.xlsx", "Download the workbook", "application/vnd.openxmlformats-officedocument."
                                                                "spreadsheetml.sheet")])
    st.subheader("Key results")
    st.table(results.key_results(data))
    for note in data.manifest.get("warnings") or []:
        st.text(f"warning: {note}")
    st.subheader("Are the replications enough?")
    st.text(results.precision(path))
    st.subheader("What outreach cases wait for")
    st.table(results.waits(data, "outreach"))
    st.subheader("What home emergencies wait for")
    st.table(results.waits(data, "home").head(html.HOME_WAIT_ROWS))
    st.subheader("Charts")
    for png in results.figures(path):
        st.image(png.read_bytes(), caption=png.stem.replace("_", " "))


def compare_tab(ws: Workspace, root: Path) -> None:
    chosen = st.multiselect("Scenarios to compare (the first is the base of the paired differences)", ws.names(),
                            key="compare_files")
    out = root / f"compare-{safe_name(Path(chosen[0]).stem)}" if len(chosen) >= 2 else None
    kept = kept_work(out, {"seed": "cmp_seed", "replications": "cmp_n"}) if out is not None else None
    cols = st.columns(2)
    n = number_field(cols[0], "Replications each", "cmp_n", 10, min_value=1, max_value=10_000)
    seed = number_field(cols[1], "Seed", "cmp_seed", 12345, min_value=0)
    if out is not None:
        st.text(f"Comparison folder: {out}")
        resume = continue_or_start_again(out, kept, "comparison", "scenarios, seed and replications")
        if st.button("Compare", key="compare", type="primary", disabled=writing(out) or not may_write(out, "compare")):
            command = jobs.compare_command([ws.path(c) for c in chosen], out, n, seed, resume)
            job = jobs.Job.start("compare", out.name, command, out, n * len(chosen), n,
                                 ws.root / "logs" / f"{out.name}.log")
            st.session_state.setdefault("jobs", []).append(job)
    names = results.folders(root, "compare")
    if not names:
        return
    name = st.selectbox("Comparison folder", names, key="compare_folder")
    path = results.folder(root, name, "compare")
    downloads(path, [("comparison.html", "Download the comparison report", "text/html"),
                     ("results.xlsx", "Download the workbook", "application/vnd.openxmlformats-officedocument."
                                                                "spreadsheetml.sheet")])
    st.subheader("Paired differences of the headline KPIs, with verdicts")
    st.table(results.differences(path))
    st.code(results.comparison_text(path), language=None)
    for png in results.figures(path):
        st.image(png.read_bytes(), caption=png.stem.replace("_", " "))


def main() -> None:
    st.set_page_config(page_title="ihsim", layout="wide")
    root = Path(os.environ.get(RESULTS_ENV, "results")).resolve()
    ws = workspace(str(root))
    st.title("ihsim: inter-hospital emergency obstetric response")
    st.text(f"Results folder: {root} (scenario files in {FOLDER}/)")
    with st.sidebar:
        st.header("Runs")
        jobs_panel()
    scenario, run, done, compare = st.tabs(["Scenario", "Run", "Results", "Compare"])
    with scenario:
        scenario_tab(ws)
    with run:
        run_tab(ws, root)
    with done:
        results_tab(root)
    with compare:
        compare_tab(ws, root)


main()
