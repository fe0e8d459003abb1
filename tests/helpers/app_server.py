"""The Streamlit app and the HTTP service on free loopback ports, for tests and benchmarks; Chromium's flags."""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from tests.helpers import ROOT

CHROMIUM = "/usr/bin/chromium"
LOGS = ROOT / "artifacts" / "logs"
# The closed network refuses Chromium's background connections; these keep it quiet and fast.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
    "--disable-sync",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.contextmanager
def serving(command: list[str], port: int, health: str, startup_timeout: float, env: dict | None, cwd: Path = ROOT):
    """Run ``command`` (a server on ``port`` of 127.0.0.1) in ``cwd``; yield (url, process) once
    ``health`` answers; always stopped afterwards."""
    LOGS.mkdir(parents=True, exist_ok=True)
    with open(LOGS / f"{command[2]}-{port}.log", "wb") as log:  # read it when a test against this server fails
        process = subprocess.Popen(
            command, cwd=cwd, stdout=log, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + startup_timeout
            while True:
                try:
                    if urllib.request.urlopen(url + health, timeout=2).status == 200:
                        break
                except OSError:
                    if time.monotonic() > deadline or process.poll() is not None:
                        raise RuntimeError(f"{command[2]} did not start within {startup_timeout:.0f} s") from None
                    time.sleep(0.5)
            yield url, process
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def running_app(startup_timeout: float = 60, env: dict | None = None):
    """``streamlit run app.py`` on 127.0.0.1; yields (url, process) once it answers its health check."""
    port = free_port()
    command = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
               "--server.address", "127.0.0.1", "--server.headless", "true"]  # fmt: skip
    return serving(command, port, "/_stcore/health", startup_timeout, env)


def running_service(*flags: str, startup_timeout: float = 60, env: dict | None = None):
    """``nst serve`` on a free port of 127.0.0.1 with ``flags``; yields (url, process)."""
    port = free_port()
    command = [sys.executable, "-m", "nst", "serve", "--port", str(port), *flags]
    return serving(command, port, "/healthz", startup_timeout, env)


def app_for_pytest(env: dict | None = None):
    """A pytest fixture's body: the app's url while the module's tests run; a start failure fails them."""
    import pytest

    try:
        with running_app(env=env) as (url, _):
            yield url
    except RuntimeError as exc:
        pytest.fail(str(exc))


def chromium_for_pytest(*flags: str):
    """A pytest fixture's body: Debian's Chromium under Playwright with our flags and ``flags``."""
    import pytest

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS + list(flags))
        yield chromium
        chromium.close()
