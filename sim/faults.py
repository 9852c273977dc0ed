"""Known failures as a short message and the contract's exit code (DESIGN.md section 3).

:func:`explain` is what :func:`sim.cli.handle_errors` asks of every exception
a command raises: bad input (an invalid scenario, a damaged results file, a
path that cannot be used) is exit code 2, a run that failed on the way (a
worker process killed, the disk full) is 1.  Each message is printed on its
own lines, names the file, key or option where it is known, and is escaped
so that nothing in it acts on the terminal.  An exception it does not know
is left alone (a bug: its traceback is the report).  ``docs/faults.md``
lists every kind, with an example and the test that exercises it.
"""

from __future__ import annotations

import errno
import json
from dataclasses import dataclass

from sim.errors import InputError, first_line
from sim.scenario.text import printable

EXIT_PROBLEM = 1
EXIT_BAD_INPUT = 2
RUN_FAILURES = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EIO, errno.EROFS})
"""OS errors that mean the machine failed the run, not that the input was wrong."""


@dataclass(frozen=True)
class Fault:
    """What to print (one line each, ``error:`` first) and the exit code."""

    code: int
    lines: tuple[str, ...]


def explain(exc: BaseException) -> Fault | None:
    """The message and exit code of a known failure, or None for an unknown one."""
    from concurrent.futures.process import BrokenProcessPool

    import pyarrow as pa
    from pandas.errors import EmptyDataError, ParserError

    from sim.folders import FolderError, WriteFailedError
    from sim.scenario import ScenarioError

    if isinstance(exc, ScenarioError):
        return Fault(EXIT_BAD_INPUT, ("error: invalid scenario input", *(f"  {p}" for p in exc.problems)))
    if isinstance(exc, FolderError | InputError):
        return _bad(str(exc))
    if isinstance(exc, WriteFailedError):
        return Fault(EXIT_PROBLEM, (f"error: {printable(str(exc))}",))
    if isinstance(exc, BrokenProcessPool):
        return Fault(EXIT_PROBLEM, ("error: a worker process died during the run (killed, or out of memory); "
                                    "no complete results folder was written, finished replications are kept "
                                    "for --resume",))
    if isinstance(exc, MemoryError):
        return Fault(EXIT_PROBLEM, ("error: out of memory; run fewer replications or a shorter horizon at once",))
    if isinstance(exc, OSError):
        return _os_error(exc)
    if isinstance(exc, pa.ArrowException | EmptyDataError | ParserError | json.JSONDecodeError | UnicodeDecodeError):
        return _bad(f"a file could not be read ({type(exc).__name__}: {first_line(exc)})")
    return None


def _bad(message: str) -> Fault:
    return Fault(EXIT_BAD_INPUT, tuple(f"{'error: ' if i == 0 else '  '}{printable(line)}"
                                       for i, line in enumerate(message.split("\n"))))


def _os_error(exc: OSError) -> Fault:
    """A file that cannot be read or written, named: the run failed (1) when the machine did (disk full),
    else the input is bad (2: no such file, no permission, a file where a folder is needed)."""
    names = [str(n) for n in (exc.filename, exc.filename2) if n is not None]
    where = " -> ".join(names)
    reason = exc.strerror or first_line(exc)
    if exc.errno in RUN_FAILURES:
        return Fault(EXIT_PROBLEM, (f"error: the run failed writing {printable(where or 'its files')}: "
                                    f"{printable(reason)}",))
    return _bad(f"{where}: {reason}" if where else f"{reason} ({type(exc).__name__})")

