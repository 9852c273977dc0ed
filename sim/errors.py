"""Errors that mean "bad input" outside a scenario file.

A scenario file's faults are :class:`sim.scenario.ScenarioError`; everything
else a user can get wrong on the command line (a goal that does not parse, a
folder that is not a results folder, a sweep value of the wrong type) raises
:class:`InputError`.  The CLI turns both into a message and exit code 2.
"""

from __future__ import annotations


class InputError(Exception):
    """Bad input that is not a scenario file: the message says what and where."""


def first_line(exc: BaseException) -> str:
    """The first line of an exception's message (at most 200 characters), or its type's name."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
