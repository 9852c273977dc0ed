"""Starting the page: ``python -m streamlit run sim/webapp/page.py`` with the app's settings."""

from __future__ import annotations

import importlib.util
import ipaddress
import os
import signal
import subprocess
import sys
from pathlib import Path

from sim.webapp import PAGE, RESULTS_ENV

MAX_UPLOAD_MB = 1
"""Streamlit's upload limit (MB): a scenario file holds at most
:data:`sim.scenario.load.MAX_FILE_BYTES` (1,000,000 bytes)."""


def streamlit_installed() -> bool:
    return importlib.util.find_spec("streamlit") is not None


def is_local(host: str) -> bool:
    """Whether ``host`` is a loopback address (only this computer can reach the page)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def command(port: int, host: str, browser: bool) -> list[str]:
    """The Streamlit command line that serves the page."""
    return [sys.executable, "-m", "streamlit", "run", str(PAGE), "--server.port", str(port),
            "--server.address", host, "--server.headless", "false" if browser else "true",
            "--browser.gatherUsageStats", "false", "--server.maxUploadSize", str(MAX_UPLOAD_MB),
            "--server.fileWatcherType", "none", "--global.developmentMode", "false", "--client.toolbarMode", "minimal"]


def serve(results: Path, port: int, host: str, browser: bool) -> int:
    """Serve the page until it is stopped; returns Streamlit's exit code.  ``results`` is the folder
    every run, comparison and scenario file of the page goes into."""
    env = {**os.environ, RESULTS_ENV: str(Path(results).resolve())}
    process = subprocess.Popen(command(port, host, browser), env=env)
    previous = signal.signal(signal.SIGTERM, lambda *_: process.terminate())  # stopping ihsim stops the server
    try:
        return process.wait()
    except KeyboardInterrupt:  # Ctrl-C reaches Streamlit too; let it stop on its own
        return process.wait()
    finally:
        signal.signal(signal.SIGTERM, previous)
