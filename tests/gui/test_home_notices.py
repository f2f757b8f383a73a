"""What the window says first about its data directory: the sentence `prepare_home` had for a home that was open
to other users, shown in the window's messages."""

from __future__ import annotations

from pathlib import Path

from connmgr.gui.startup.window import build_window
from connmgr.storage import LocalStore, prepare_home
from tests.storage.fakes import FixedDataKey


def test_the_window_says_its_home_was_open_to_others(qtbot, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    home = prepare_home(shared)
    with LocalStore(home.path, FixedDataKey(home.path)) as store:
        window = build_window(store, home.notices)
        qtbot.addWidget(window)
        assert window.statusBar().currentMessage() == (
            f"Warning: {shared} was open to other users (mode 0755); it is private now, and so is everything in it."
        )
