"""Progress for long runs: a tqdm bar on a terminal, a plain line every few seconds otherwise."""

from __future__ import annotations

import logging
import sys
import time

from tqdm import tqdm

log = logging.getLogger("sim.progress")


class Progress:
    """Counts finished replications (or other units: ``unit`` in the plain line, ``short`` on the bar).
    ``enabled=False`` keeps quiet (tests, libraries)."""

    def __init__(self, total: int, label: str, enabled: bool = True, every_s: float = 5.0,
                 unit: str = "replications", short: str = "rep"):
        self.total, self.label, self.every_s, self.unit = total, label, every_s, unit
        self.done = 0
        self._last = time.monotonic()
        self._start = self._last
        tty = enabled and sys.stderr.isatty()
        self._bar = tqdm(total=total, desc=label, unit=short, file=sys.stderr, disable=not tty, leave=False)
        self._plain = enabled and not tty

    def update(self, n: int = 1) -> None:
        self.done += n
        self._bar.update(n)
        now = time.monotonic()
        if self._plain and (now - self._last >= self.every_s or self.done == self.total):
            self._last = now
            sys.stderr.write(f"{self.label}: {self.done}/{self.total} {self.unit}, {now - self._start:.0f} s\n")
            sys.stderr.flush()

    def close(self) -> None:
        self._bar.close()
