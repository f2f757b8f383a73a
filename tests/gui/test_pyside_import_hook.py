"""The window's start-up keeps no module's source text: PySide6's import hook no longer reads it into linecache."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

# A fresh interpreter: in this one, PySide6 and the start-up package were imported long ago.
PROBE = """
import linecache, sys
import connmgr.gui.startup
from PySide6 import QtWidgets  # as the window's modules do
sys.path.insert(0, sys.argv[1])
import imported_after_start_up
print(imported_after_start_up.__file__ in linecache.cache, imported_after_start_up.ANSWER)
"""


def test_a_module_imported_after_start_up_is_not_kept_as_text(tmp_path: Path) -> None:
    (tmp_path / "imported_after_start_up.py").write_text("ANSWER = 42\n")
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path)], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split() == ["False", "42"]
