"""Phase 2 of start-up: everything behind the window's actions, made on the running event loop once the window is on
screen, each part handed what it works with when it is made (see the package's docstring)."""

from __future__ import annotations

import asyncio
import gc
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QGuiApplication

from connmgr.domain.errors import ConnmgrError
from connmgr.gui.clipboard import SecretClipboard
from connmgr.gui.controller import Controller
from connmgr.gui.health import watch_health
from connmgr.gui.main_window import MainWindow
from connmgr.gui.prompts import Prompts, workspace_password
from connmgr.gui.quit_signals import quitting_on_signals
from connmgr.gui.shared_rows import LastKnownFile, SharedRows
from connmgr.gui.startup.sources import drop_imported_sources
from connmgr.gui.startup.window import build_window
from connmgr.gui.tray import Tray
from connmgr.gui.workspace_controller import WorkspaceController
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.services.health_watch import HealthWatch
from connmgr.services.scheduler import RefreshScheduler
from connmgr.storage import LocalStore
from connmgr.storage.interface import ConnectionStore
from connmgr.storage.workspace.last_known import load_last_known, save_last_known
from connmgr.team import Team, team_of


@dataclass(frozen=True)
class App:
    """The window app, as both phases made it."""

    window: MainWindow
    connections: Connections
    clipboard: SecretClipboard
    tray: Tray
    controller: Controller
    scheduler: RefreshScheduler
    health_watch: HealthWatch
    shared_rows: SharedRows | None  # where the home belongs to a workspace
    workspace: WorkspaceController | None  # the Workspace menu's, likewise

    async def serve(self) -> None:
        """Keep connections fresh until the person quits: File > Quit (the tray's too), a signal, or closing the
        window where there is no tray (with one, closing it only hides it)."""
        closed = asyncio.Event()
        self.window.quit_requested.connect(closed.set)
        self.window.closing.connect(closed.set)
        self.tray.start()
        self.scheduler.start()
        self.health_watch.start()
        if self.shared_rows is not None:
            self.shared_rows.start()
        # What start-up made (modules, classes, Qt's wrappers) lives as long as the window: a full collection
        # need not walk it again each time, pausing the window now and then. Start-up collected nothing (app.main).
        gc.freeze()
        gc.enable()
        with quitting_on_signals(asyncio.get_running_loop(), closed.set):
            await closed.wait()
        self.window.save_state()  # quitting from the tray or by a signal never closes the window
        await self.scheduler.stop()  # lets a refresh in flight reach its save
        await self.health_watch.stop()
        self.clipboard.clear()  # a copied token does not outlive the app
        for task in list(self.controller.tasks):
            task.cancel()


def assemble(window: MainWindow, store: ConnectionStore, client: OAuthClient, team: Team | None = None) -> App:
    """Behind the painted `window`, on the running event loop (the store tells the controller of its changes). With
    a `team`, its store over this home and the workspace takes the place of `store`."""
    drop_imported_sources()  # phase 2's
    catalog = window.catalog
    if team is not None:
        store = team.store
    connections = Connections(store, catalog, client)
    clipboard = SecretClipboard(QGuiApplication.clipboard(), parent=window)
    tray = Tray(window, window.model)
    controller = Controller(
        window,
        connections,
        clipboard,
        Prompts(window, catalog, window.settings),
        open_url=lambda url: QDesktopServices.openUrl(QUrl(url)),
        notify=tray.notify,
    )
    scheduler = RefreshScheduler(
        store, connections.refresher, on_refreshed=controller.on_refreshed, on_failed=controller.on_refresh_failed
    )
    health_watch = watch_health(_application(), connections, controller)  # long-lived tokens, at the vendor
    if team is None:
        return App(window, connections, clipboard, tray, controller, scheduler, health_watch, None, None)
    shared_rows = _shared_rows(window, team, controller)
    workspace = WorkspaceController(
        controller, team.store, team.members, shared_rows, member=team.settings.member, trust=team.trust,
        record=team.record,
    )  # fmt: skip
    return App(window, connections, clipboard, tray, controller, scheduler, health_watch, shared_rows, workspace)


def _shared_rows(window: MainWindow, team: Team, controller: Controller) -> SharedRows:
    async def name() -> str:
        return (await team.members.info()).name

    home = team.home
    last_known = LastKnownFile(lambda: load_last_known(home), lambda known: save_last_known(home, known))
    shared = SharedRows(window.model.rows, team.store, name, last_known, controller.tell, controller)
    team.workspace.on_reachable(shared.on_reachable)
    return shared


def _application() -> QGuiApplication:
    application = QGuiApplication.instance()
    assert isinstance(application, QGuiApplication)  # a window exists, so Qt's application with a screen does
    return application


@asynccontextmanager
async def app_behind(window: MainWindow, store: ConnectionStore, home: Path) -> AsyncIterator[App]:
    """`assemble` with an OAuth client of the app's own and, if `home` belongs to a workspace, its team, closed once
    the app is done."""
    async with OAuthClient() as client, AsyncExitStack() as joined:
        try:
            team = await joined.enter_async_context(team_of(home, store, workspace_password(window)))
        except ConnmgrError as error:  # its settings unreadable, or no keyring for the device key: this home's work
            window.show_message(error.sentence)
            team = None
        yield assemble(window, store, client, team)


def build_app(store: LocalStore, client: OAuthClient, team: Team | None = None) -> App:
    """Both phases in one go, for what needs the app but not its start-up (the tests, the screenshots, the
    benchmarks): the same objects a person's start-up makes, the window not yet shown, nothing started."""
    return assemble(build_window(store), store, client, team)
