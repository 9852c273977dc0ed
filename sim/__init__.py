"""ihsim: discrete-event simulation of inter-hospital emergency obstetric response.

The Python API for notebooks (``docs/api.md``)::

    import sim
    base = sim.load("baseline", {"run.horizon_days": 30})
    results = sim.run(base, replications=3)
    sim.summarise(results, headline=True)

The names below are imported on first use, so ``import sim`` stays light.
"""

from __future__ import annotations

from typing import Any

__version__ = "0.1.0"

__all__ = [
    "Comparison",
    "InputError",
    "Results",
    "Scenario",
    "ScenarioError",
    "compare",
    "edit",
    "file_schema",
    "load",
    "read",
    "run",
    "shipped",
    "summarise",
]

_HOMES = {"InputError": "sim.errors", "Scenario": "sim.scenario", "ScenarioError": "sim.scenario",
          "file_schema": "sim.scenario.fileschema"}
"""Where the API's names live (the rest are in :mod:`sim.api`)."""


def __getattr__(name: str) -> Any:
    """The API's names, imported when first used."""
    if name not in __all__:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(_HOMES.get(name, "sim.api")), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
