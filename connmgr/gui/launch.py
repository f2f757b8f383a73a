"""Starting the window: Qt, the qasync loop, the store, and the pieces wired together."""

from __future__ import annotations

import asyncio
import sys
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QSettings, QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication
from PySide6.QtWidgets import QInputDialog, QLineEdit

from connmgr.domain.errors import ConnmgrError
from connmgr.gui.clipboard import SecretClipboard
from connmgr.gui.connections_model import ConnectionsModel
from connmgr.gui.controller import Controller
from connmgr.gui.main_window import MainWindow
from connmgr.gui.prompts import Prompts
from connmgr.gui.qt_start import start_qt
from connmgr.gui.resources import vendor_icon
from connmgr.gui.tray import Tray
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.services.scheduler import RefreshScheduler
from connmgr.storage import ConnectionStore, KeyringDataKey, KeySourceKind, PassphraseDataKey, recorded_key_source
from connmgr.templates import load_catalog


@dataclass
class Assembled:
    window: MainWindow
    controller: Controller
    connections: Connections
    clipboard: SecretClipboard


def assemble(store: ConnectionStore, client: OAuthClient) -> Assembled:
    """The window over `store`, ready to show; the caller runs the loop."""
    loaded = load_catalog(store.home / "templates")
    model = ConnectionsModel(loaded.catalog, vendor_icon)
    model.set_connections(store.list_connections())  # metadata only: start-up never waits on the keyring
    settings = QSettings(str(store.home / "window.ini"), QSettings.Format.IniFormat)
    window = MainWindow(model, loaded.catalog, settings)
    connections = Connections(store, loaded.catalog, client)
    clipboard = SecretClipboard(QGuiApplication.clipboard(), parent=window)
    controller = Controller(
        window,
        connections,
        clipboard,
        Prompts(window, loaded.catalog),
        open_url=lambda url: QDesktopServices.openUrl(QUrl(url)),
    )
    for problem in loaded.problems:
        window.show_message(problem.sentence)
    return Assembled(window, controller, connections, clipboard)


def _open_store(home: Path) -> ConnectionStore | None:
    if recorded_key_source(home) is not KeySourceKind.PASSPHRASE:
        return ConnectionStore(home, KeyringDataKey(home))
    passphrase, accepted = QInputDialog.getText(
        None,
        "connmgr",
        "connmgr's secrets on this computer are protected by a passphrase:",
        QLineEdit.EchoMode.Password,
    )
    return ConnectionStore(home, PassphraseDataKey(home, passphrase)) if accepted and passphrase else None


def run(home: Path) -> int:
    _, loop = start_qt()
    store = _open_store(home)
    if store is None:
        return 1
    closed = asyncio.Event()

    async def main() -> None:
        async with OAuthClient() as client:
            assembled = assemble(store, client)
            tray = Tray(assembled.window, assembled.window.model, closed.set)
            if tray.available:
                tray.start()
                assembled.window.close_to_tray = True
                assembled.window.hidden_to_tray.connect(
                    lambda: tray.notify("connmgr", "connmgr keeps your connections fresh from the tray.", warning=False)
                )
            else:
                assembled.window.closing.connect(closed.set)
            controller = assembled.controller
            scheduler = RefreshScheduler(
                store,
                assembled.connections.refresher,
                on_refreshed=controller.on_refreshed,
                on_failed=controller.on_refresh_failed,
            )
            if tray.available:
                controller.notify = lambda title, text: tray.notify(title, text)
            assembled.window.show()
            scheduler.start()
            await closed.wait()
            await scheduler.stop()  # lets a refresh in flight reach its save
            assembled.clipboard.clear()  # a copied token does not outlive the app
            for task in list(assembled.controller.tasks):
                task.cancel()

    try:
        with loop:
            loop.run_until_complete(main())
    except ConnmgrError as exc:
        print(exc.sentence, file=sys.stderr)
        return 1
    finally:
        store.close()
    return 0
