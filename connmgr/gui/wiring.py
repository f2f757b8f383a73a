"""Everything behind the window's actions, wired to a window already on screen.

Kept apart from `launch` so that the first paint never waits for these imports (the OAuth engine, httpx's TLS
set-up, joserfc, the services): the window shows first, then this module is imported and wired.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from connmgr.gui.clipboard import SecretClipboard
from connmgr.gui.controller import Controller
from connmgr.gui.launch import build_window
from connmgr.gui.main_window import MainWindow
from connmgr.gui.prompts import Prompts
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.storage import LocalStore
from connmgr.storage.interface import ConnectionStore


@dataclass
class Assembled:
    window: MainWindow
    controller: Controller
    connections: Connections
    clipboard: SecretClipboard


def wire(window: MainWindow, store: ConnectionStore, client: OAuthClient) -> Assembled:
    """On the running event loop, which the store tells of its changes."""
    catalog = window.catalog
    connections = Connections(store, catalog, client)
    clipboard = SecretClipboard(QGuiApplication.clipboard(), parent=window)
    controller = Controller(
        window,
        connections,
        clipboard,
        Prompts(window, catalog, window.settings),
        open_url=lambda url: QDesktopServices.openUrl(QUrl(url)),
    )
    store.subscribe(controller.on_stored_change)  # for as long as the store is open
    return Assembled(window, controller, connections, clipboard)


def assemble(store: LocalStore, client: OAuthClient) -> Assembled:
    """The window over `store`, wired and ready to show (tests and the screenshots build it in one go)."""
    return wire(build_window(store), store, client)
