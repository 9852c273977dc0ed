"""``ihsim app``: a local web page (Streamlit) in front of the command line's own code.

The page (:mod:`sim.webapp.page`) is thin; what it does lives in plain functions:

- :mod:`sim.webapp.levers`: the key levers of a scenario as form fields, generated from the pydantic
  schema (kind, bounds, choices, description, unit) with each value's source or ASSUMPTION mark;
- :mod:`sim.webapp.workspace`: the scenario files the page may read and write (shipped copies,
  uploads through the safe YAML reader and schema, edited variants that ``extends`` their base);
- :mod:`sim.webapp.jobs`: runs and comparisons as ``ihsim run`` / ``ihsim compare`` subprocesses
  writing the CLI's results folders, with progress and cancel;
- :mod:`sim.webapp.results`: the key results, waits, precision advice, charts and downloads of a
  results or comparison folder, read through the report's own functions.

Every path the page reads or writes is inside the results folder given to ``ihsim app --results``.
"""

from __future__ import annotations

from pathlib import Path

PAGE = Path(__file__).with_name("page.py")
"""The Streamlit script that ``ihsim app`` serves."""
RESULTS_ENV = "IHSIM_APP_RESULTS"
"""Environment variable through which ``ihsim app`` gives the page its results folder."""

_MARKDOWN = str.maketrans({ch: "\\" + ch for ch in "\\`*_{}[]()#+-.!|<>~:$&"})


def escape_markdown(text: object) -> str:
    """``text`` with every character that Streamlit's markdown (labels, help, captions) would act on
    escaped by a backslash, so scenario text shows as written: no link, image, emphasis, colour or HTML."""
    return str(text).translate(_MARKDOWN)
