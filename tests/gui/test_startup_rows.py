"""The window's first paint lists only the rows it can show, when the store's order is the window's; the rest follow
before the window answers anything."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt

from connmgr.domain.connection import Status
from connmgr.gui.startup.window import build_window, list_the_rest
from connmgr.listing import Column
from connmgr.storage import LocalStore, prepare_home
from tests.gui.table_rows import names
from tests.storage.fakes import FixedDataKey
from tests.storage.samples import connection, secrets

SAVED = {"delta": Status.CONNECTED, "Alpha": Status.REVOKED, "echo": Status.ERROR, "Charlie": Status.CONNECTED,
         "bravo": Status.NEEDS_SIGN_IN}  # fmt: skip
BY_NAME = ["Alpha", "bravo", "Charlie", "delta", "echo"]


def _store(tmp_path: Path) -> LocalStore:
    home = prepare_home(tmp_path / "home").path
    store = LocalStore(home, FixedDataKey(home))
    for name, status in SAVED.items():
        store.database.save(connection(name, status=status), secrets(name))
    return store


def test_the_first_paint_lists_the_first_rows_by_name_and_then_the_rest(qtbot, tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        window = build_window(store, first_rows=2)
        qtbot.addWidget(window)
        assert names(window) == BY_NAME[:2]

        list_the_rest(window, store, 2)
        assert names(window) == BY_NAME
        assert window.pages.currentWidget() is window.splitter


def test_a_window_last_sorted_otherwise_lists_every_row_at_once_in_its_order(qtbot, tmp_path: Path) -> None:
    with _store(tmp_path) as store:
        before = build_window(store)
        qtbot.addWidget(before)
        before.table.sortByColumn(Column.STATUS, Qt.SortOrder.AscendingOrder)
        by_status = names(before)
        before.save_state()
        assert by_status[:2] != BY_NAME[:2]

        window = build_window(store, first_rows=2)
        qtbot.addWidget(window)
        assert names(window) == by_status
