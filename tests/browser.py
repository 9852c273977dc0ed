"""Headless Chromium for the browser tests: Debian's ``chromium`` (installed by ``.ci/run`` when missing),
driven by Python playwright with ``executable_path``, so no browser download is needed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
NEEDS_CHROMIUM = pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium (Debian package "
                                                                  "'chromium'; .ci/run installs it)")


def launch_chromium() -> Iterator[Any]:
    """A headless Chromium browser for the length of a fixture."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield chromium
        chromium.close()
