"""Phase 1 of start-up: the store opened and the window over its metadata, with nothing the first paint can do without.

What the first paint needs (Qt, SQLite, the templates, the table) is imported here; the OAuth engine, httpx and the
services only in phase 2 (`assembly`), once the window is on screen.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QInputDialog, QLineEdit

from connmgr.gui.connections_model import ConnectionsModel
from connmgr.gui.main_window import MainWindow
from connmgr.gui.resources import vendor_icon
from connmgr.listing import ConnectionRows
from connmgr.storage import KeyringDataKey, KeySourceKind, LocalStore, PassphraseDataKey, recorded_key_source
from connmgr.storage.home import WINDOW_SETTINGS
from connmgr.templates import load_catalog
from connmgr.templates.cache import CACHE_NAME


def open_store(home: Path) -> LocalStore | None:
    """The store in `home`; None if its secrets are protected by a passphrase the person did not give."""
    if recorded_key_source(home) is not KeySourceKind.PASSPHRASE:
        return LocalStore(home, KeyringDataKey(home))
    passphrase, accepted = QInputDialog.getText(
        None,
        "connmgr",
        "connmgr's secrets on this computer are protected by a passphrase:",
        QLineEdit.EchoMode.Password,
    )
    return LocalStore(home, PassphraseDataKey(home, passphrase)) if accepted and passphrase else None


def build_window(store: LocalStore, notices: Sequence[str] = (), *, first_rows: int | None = None) -> MainWindow:
    """The window over `store` from metadata alone, listed synchronously before asyncio is even imported: start-up
    never waits on the keyring or the network. `notices`: sentences about the data directory to show (it was open
    to others, ...). `first_rows`: list only that many, the first shown, when the store's order is the window's;
    `list_the_rest` lists them all."""
    loaded = load_catalog(store.home / "templates", cache=store.home / CACHE_NAME)
    rows = ConnectionRows(loaded.catalog)
    model = ConnectionsModel(rows, vendor_icon)
    settings = QSettings(str(store.home / WINDOW_SETTINGS), QSettings.Format.IniFormat)
    window = MainWindow(model, loaded.catalog, settings)  # restores the order the rows are shown in
    rows.reset(store.database.list_connections(first=first_rows if rows.in_name_order() else None))
    for sentence in (*(problem.sentence for problem in loaded.problems), *notices):  # the last one stays in view
        window.show_message(sentence)
    return window


def list_the_rest(window: MainWindow, store: LocalStore, first_rows: int) -> None:
    """Every connection, where `build_window` listed only its `first_rows`."""
    if len(window.model.rows) == first_rows:  # there may be more
        window.model.rows.reset(store.database.list_connections())
