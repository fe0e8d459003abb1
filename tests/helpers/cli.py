"""The command line as a user runs it: the installed ``nst`` command, in a subprocess, outside the checkout."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

NST = str(Path(sys.executable).with_name("nst"))  # the console script pip installed beside this Python


def run_cli(*args: str, cwd=None, timeout: float = 300) -> subprocess.CompletedProcess:
    env = {**os.environ, "NST_OFFLINE": "1"}  # tests never download
    return subprocess.run(
        [NST, *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd or tempfile.gettempdir(),
        timeout=timeout,
        env=env,
    )
