"""Headless Chromium for the browser tests: Debian's ``chromium`` (installed by ``.ci/run`` when missing),
driven by Python playwright with ``executable_path``, so no browser download is needed."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]

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


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def app_server(results: Path, log: Path, start_s: float = 90.0) -> Iterator[str]:
    """``ihsim app --port P --no-browser --results RESULTS`` as a planner starts it (output to ``log``);
    yields its URL once it answers, and stops it afterwards."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with log.open("w") as out:
        server = subprocess.Popen([sys.executable, "-m", "sim", "app", "--port", str(port), "--no-browser",
                                   "--results", str(results)], stdout=out, stderr=subprocess.STDOUT, env=env,
                                  cwd=ROOT)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_healthy(url, server, start_s)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)


def _wait_healthy(url: str, server: subprocess.Popen, start_s: float) -> None:
    deadline = time.monotonic() + start_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError("ihsim app exited")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.5)
    raise AssertionError(f"ihsim app did not answer at {url} within {start_s:g} s")
