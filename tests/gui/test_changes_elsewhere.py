"""The open window shows what another process changed in its data directory: a connection saved there, and
`connmgr rename` and `connmgr remove` run in a terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.gui.desktop import TIMEOUT_MS

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def in_a_terminal(home: Path, *args: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNMGR_")}
    done = subprocess.run(
        [sys.executable, "-m", "connmgr", "--home", str(home), *args], env=env, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr


def saved_by_another_process(home: Path, *names: str) -> None:
    commands = "".join(f"save {name}\n" for name in names)
    done = subprocess.run(
        [sys.executable, "-m", "tests.storage.contract.child", "local", str(home)], cwd=PROJECT_ROOT,
        input=commands, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert done.returncode == 0 and done.stdout.split() == ["saved"] * len(names), done.stderr


def test_the_window_shows_what_a_terminal_changed(desktop):
    home = desktop.app.connections.store.home
    model, rows, qtbot = desktop.model, desktop.model.rows, desktop.qtbot

    saved_by_another_process(home, "Acme", "Zeta")
    desktop.wait_for_row("Acme")
    desktop.wait_for_row("Zeta")

    in_a_terminal(home, "rename", "Zeta", "Zeta prod")
    qtbot.waitUntil(lambda: rows.position_of("Zeta prod") is not None, timeout=TIMEOUT_MS)
    assert rows.position_of("Zeta") is None and model.rowCount() == 2  # the same row, renamed

    in_a_terminal(home, "remove", "Acme")
    qtbot.waitUntil(lambda: rows.position_of("Acme") is None, timeout=TIMEOUT_MS)
    assert model.rowCount() == 1
