"""Files made unwritable for real, and made writable again after the test."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest


class ReadOnly:
    """Makes files and directories unwritable for real: by mode bits, or for root (whom mode bits do not stop)
    with the immutable attribute."""

    def __init__(self) -> None:
        self._undo: list[Callable[[], object]] = []

    def freeze(self, path: Path) -> None:
        if os.name != "posix":
            pytest.skip("needs POSIX file modes")
        if os.geteuid() != 0:
            mode = path.stat().st_mode
            path.chmod(0o500 if path.is_dir() else 0o400)
            self._undo.append(lambda: path.chmod(mode))
        elif subprocess.run(["chattr", "+i", str(path)], capture_output=True).returncode == 0:
            self._undo.append(lambda: subprocess.run(["chattr", "-i", str(path)], check=True))
        else:
            pytest.skip("running as root on a file system without the immutable attribute")

    def thaw(self) -> None:
        while self._undo:
            self._undo.pop()()
