"""The scenario a results folder's manifest holds, checked before a report is drawn from it.

The report, the workbook and the timeline read the resolved scenario from
``manifest.json`` deep down (urgency targets, hospitals, teams, run
length).  A manifest that was edited by hand, damaged, or written by a
version of ihsim whose scenarios this one cannot read would fail halfway
through a chart; :func:`checked_manifest` refuses it first, naming the file
and the key.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import ValidationError

from sim import store
from sim.errors import InputError
from sim.scenario import Scenario


def checked_manifest(folder: Path) -> dict[str, Any]:
    """``manifest.json`` of ``folder`` (:func:`sim.store.read_json`) whose ``scenario`` this version's
    schema accepts; :class:`InputError` naming the file and the first faulty key otherwise."""
    manifest = store.read_json(folder)
    try:
        Scenario.model_validate(manifest["scenario"])
    except ValidationError as exc:
        err = exc.errors()[0]
        key = ".".join(str(part) for part in ("scenario", *err["loc"]))
        raise InputError(f"{Path(folder) / 'manifest.json'} [{key}]: {err['msg']}; not a scenario this version "
                         "of ihsim can read (rerun the scenario to rebuild the folder)") from None
    return manifest
