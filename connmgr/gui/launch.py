"""Starting the window: Qt and the store, the window painted, then asyncio, the engine and the services wired.

What the first paint needs (Qt, SQLite, the templates, the table) is imported at
module level; the rest (about 250 ms of imports) only once the window is on screen.
"""

from __future__ import annotations

import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit

from connmgr import logs
from connmgr.domain.errors import ConnmgrError
from connmgr.gui.connections_model import ConnectionsModel
from connmgr.gui.main_window import MainWindow
from connmgr.gui.qt_start import start_application, start_event_loop
from connmgr.gui.resources import vendor_icon
from connmgr.listing import ConnectionRows
from connmgr.storage import KeyringDataKey, KeySourceKind, LocalStore, PassphraseDataKey, recorded_key_source
from connmgr.storage.home import WINDOW_SETTINGS
from connmgr.templates import load_catalog


def build_window(store: LocalStore, notices: Sequence[str] = ()) -> MainWindow:
    """The window over `store` from metadata alone, listed synchronously before asyncio is even imported: start-up
    never waits on the keyring or the network. `notices`: sentences about the data directory to show (it was open
    to others, ...)."""
    loaded = load_catalog(store.home / "templates")
    rows = ConnectionRows(loaded.catalog)
    rows.reset(store.database.list_connections())
    model = ConnectionsModel(rows, vendor_icon)
    settings = QSettings(str(store.home / WINDOW_SETTINGS), QSettings.Format.IniFormat)
    window = MainWindow(model, loaded.catalog, settings)
    for sentence in (*(problem.sentence for problem in loaded.problems), *notices):  # the last one stays in view
        window.show_message(sentence)
    return window


def _open_store(home: Path) -> LocalStore | None:
    if recorded_key_source(home) is not KeySourceKind.PASSPHRASE:
        return LocalStore(home, KeyringDataKey(home))
    passphrase, accepted = QInputDialog.getText(
        None,
        "connmgr",
        "connmgr's secrets on this computer are protected by a passphrase:",
        QLineEdit.EchoMode.Password,
    )
    return LocalStore(home, PassphraseDataKey(home, passphrase)) if accepted and passphrase else None


def run(home: Path, notices: Sequence[str] = (), *, verbose: bool = False) -> int:
    """The window over `home` until the user quits; `notices`: see `build_window`."""
    logs.configure(logging.DEBUG if verbose else logging.WARNING)
    try:
        app = start_application()
        store = _open_store(home)
        if store is None:
            return 1
        with store:
            window = build_window(store, notices)
            window.show()
            QApplication.processEvents()  # the first paint, before asyncio, the OAuth engine and the services load
            loop = start_event_loop(app)
            with loop:
                loop.run_until_complete(_serve(app, window, store))
    except ConnmgrError as exc:  # no window system, or a store that cannot be opened or read, said as the CLI does
        print(exc.sentence, file=sys.stderr)
        return 1
    return 0


async def _serve(app: QApplication, window: MainWindow, store: LocalStore) -> None:
    """Wire the painted window to the services and keep connections fresh until the user quits."""
    import asyncio

    from connmgr.gui.health import watch_health
    from connmgr.gui.quit_signals import quitting_on_signals
    from connmgr.gui.tray import Tray
    from connmgr.gui.wiring import wire
    from connmgr.oauth.client import OAuthClient
    from connmgr.services.scheduler import RefreshScheduler

    closed = asyncio.Event()
    async with OAuthClient() as client:
        assembled = wire(window, store, client)
        controller = assembled.controller
        tray = Tray(window, window.model)
        if tray.available:
            tray.start()
            window.close_to_tray = True
            window.hidden_to_tray.connect(
                lambda: tray.notify("connmgr", "connmgr keeps your connections fresh from the tray.", warning=False)
            )
            controller.notify = lambda title, text: tray.notify(title, text)
        else:
            window.closing.connect(closed.set)
        window.quit_requested.connect(closed.set)
        scheduler = RefreshScheduler(
            store,
            assembled.connections.refresher,
            on_refreshed=controller.on_refreshed,
            on_failed=controller.on_refresh_failed,
        )
        scheduler.start()
        health_watch = watch_health(app, assembled.connections, controller)  # long-lived tokens, at the vendor
        health_watch.start()
        # What start-up made (modules, classes, Qt's wrappers) lives as long as the window: a full collection
        # need not walk it again each time, which was a 30 ms pause of the window now and then.
        gc.freeze()
        with quitting_on_signals(asyncio.get_running_loop(), closed.set):
            await closed.wait()
        window.save_state()  # quitting from the tray or by a signal never closes the window
        await scheduler.stop()  # lets a refresh in flight reach its save
        await health_watch.stop()
        assembled.clipboard.clear()  # a copied token does not outlive the app
        for task in list(controller.tasks):
            task.cancel()
