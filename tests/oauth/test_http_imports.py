"""The engine loads httpx without httpx's command line, whatever else is installed."""

from __future__ import annotations

import subprocess
import sys

# A fresh interpreter: this one may have imported rich or click for reasons of its own.
PROBE = """
import sys
import connmgr.oauth.client
import httpx
print(*(name in sys.modules for name in ("rich", "click", "pygments")), callable(httpx.main))
"""


def test_the_engine_imports_no_command_line_libraries() -> None:
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True, timeout=60)
    assert done.stdout.split() == ["False", "False", "False", "True"]
