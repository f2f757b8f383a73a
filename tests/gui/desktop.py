"""The whole window on a qasync loop, and a person using it: clicking, typing, answering dialogs, signing in.

The loop is created "already running": pytest-qt's waits spin Qt, and asyncio tasks advance with it, as they
do in the app under `loop.run_until_complete`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import pytest
import qasync
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit, QMessageBox, QToolButton, QWidget

from connmgr.gui.connect import ConnectDialog
from connmgr.gui.startup.assembly import App, build_app
from connmgr.listing import Column
from connmgr.oauth.client import OAuthClient
from connmgr.storage import LocalStore
from connmgr.team import team_of
from tests.gui.connect_driver import Driver
from tests.gui.webdriver import PageDriver
from tests.storage.fakes import FixedDataKey

TIMEOUT_MS = 15000
T = TypeVar("T")


class Desktop:
    def __init__(self, qtbot, assembled: App) -> None:
        self.qtbot = qtbot
        self.app = assembled
        self.window = assembled.window
        self.model = assembled.window.model

    # -- finding what is on screen

    def _visible(self, kind: type[QWidget]) -> list[QWidget]:
        widgets = [w for w in QApplication.topLevelWidgets() if isinstance(w, kind) and w.isVisible()]
        return widgets + [w for w in self.window.findChildren(kind) if w.isVisible() and w not in widgets]

    def wait_for(self, kind: type[QWidget]) -> QWidget:
        self.qtbot.waitUntil(lambda: bool(self._visible(kind)), timeout=TIMEOUT_MS)
        return self._visible(kind)[0]

    def toolbar_button(self, action: str) -> QToolButton:
        for button in self.window.findChildren(QToolButton):
            if button.defaultAction() is self.window.actions_[action]:
                return button
        raise AssertionError(f"no toolbar button for {action}")

    def click_toolbar(self, action: str) -> None:
        self.qtbot.mouseClick(self.toolbar_button(action), Qt.MouseButton.LeftButton)

    # -- dialogs

    def start_connect(self) -> Driver:
        self.click_toolbar("connect")
        return self.connect_dialog()

    def connect_dialog(self) -> Driver:
        dialog = self.wait_for(ConnectDialog)
        assert isinstance(dialog, ConnectDialog)
        return Driver(self.qtbot, dialog)

    def answer(self, button_text: str) -> str:
        """Press a button of the message box on screen; returns its text."""
        box = self.wait_for(QMessageBox)
        assert isinstance(box, QMessageBox)
        text = box.text()
        (button,) = [b for b in box.buttons() if b.text().replace("&", "") == button_text]
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        self.qtbot.waitUntil(lambda: not box.isVisible(), timeout=TIMEOUT_MS)
        return text

    def save_as(self, path: Path) -> None:
        dialog = self.wait_for(QFileDialog)
        assert isinstance(dialog, QFileDialog)
        dialog.setDirectory(str(path.parent))
        name = dialog.findChild(QLineEdit, "fileNameEdit")  # typed, as a person names the file
        name.clear()
        self.qtbot.keyClicks(name, path.name)
        self.qtbot.keyClick(name, Qt.Key.Key_Return)

    def sign_in_and_press(self, button: str, username: str, password: str) -> None:
        """Sign in on the vendor's page in the sign-in window, then press `button` on the page that follows."""
        person = self.sign_in_page()
        person.sign_in(username, password)
        person.wait_for_page()
        person.click(button)

    def sign_in_page(self) -> PageDriver:
        from connmgr.gui.signin.window import SignInWindow

        window = self.wait_for(SignInWindow)
        assert isinstance(window, SignInWindow)
        person = PageDriver(self.qtbot, window.page)
        person.wait_for_page()
        return person

    # -- the table

    def press(self, keys: QKeySequence | Qt.Key, widget: QWidget | None = None) -> None:
        """Press a shortcut in the window: it must be the active one (offscreen, nothing reactivates it after a
        dialog closes)."""
        self.window.activateWindow()
        self.qtbot.waitUntil(self.window.isActiveWindow, timeout=TIMEOUT_MS)
        if isinstance(keys, QKeySequence):
            self.qtbot.keySequence(widget or self.window, keys)
        else:
            self.qtbot.keyClick(widget or self.window, keys)

    def select(self, name: str) -> None:
        self.window.select(name)

    def cell(self, name: str, column: Column) -> str:
        row = self.model.rows.position_of(name)
        assert row is not None, f"no row {name!r}"
        return str(self.model.data(self.model.index(row, column)))

    def wait_for_row(self, name: str) -> None:
        self.qtbot.waitUntil(lambda: self.model.rows.position_of(name) is not None, timeout=TIMEOUT_MS)

    def wait_idle(self) -> None:
        """Until every action the controller started has finished."""
        self.qtbot.waitUntil(lambda: not self.app.controller.tasks, timeout=TIMEOUT_MS)

    def message(self) -> str:
        return self.window.statusBar().currentMessage()


@pytest.fixture(scope="session")
def qasync_loop(qapp) -> Iterator[qasync.QEventLoop]:
    """One loop for the session, never stopped: stopping calls QApplication.exit(), after which every
    QEventLoop.exec() returns at once (Qt's quitNow), which would break every later wait."""
    loop = qasync.QEventLoop(qapp, already_running=True)
    asyncio.events._set_running_loop(None)  # running only inside a window test; other tests run their own loops
    # Plain threads for asyncio.to_thread: qasync's own QThreads would outlive this never-closed loop and abort
    # the interpreter at exit.
    executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="window-test")
    loop.set_default_executor(executor)
    yield loop
    executor.shutdown(wait=True)


@pytest.fixture
def desktop(qtbot, qasync_loop, tmp_path) -> Iterator[Desktop]:
    home = tmp_path / "home"
    home.mkdir()
    with desktop_over(qtbot, qasync_loop, lambda: LocalStore(home, FixedDataKey(home))) as opened:
        yield opened


def on_the_loop(qtbot, work: Awaitable[T]) -> T:
    """`work`'s result, awaited on the window's loop while Qt spins (as a window test's loop runs)."""
    future = asyncio.ensure_future(work)
    qtbot.waitUntil(future.done, timeout=TIMEOUT_MS)
    return future.result()


@contextmanager
def desktop_over(qtbot, qasync_loop, open_store: Callable[[], LocalStore], *, team: bool = False) -> Iterator[Desktop]:
    """The window app over the store `open_store` opens (closed after), shown; with `team`, joined to the workspace
    its home belongs to, as a person's start-up does."""
    asyncio.events._set_running_loop(qasync_loop)
    asyncio.set_event_loop(qasync_loop)
    store = open_store()
    client = OAuthClient()
    joining = team_of(store.home, store, None) if team else None
    joined = on_the_loop(qtbot, joining.__aenter__()) if joining is not None else None
    assembled = build_app(store, client, joined)
    # Not qtbot.addWidget: pytest-qt deletes those before fixture teardown, which still needs the window.
    assembled.window.show()
    assembled.window.activateWindow()  # shortcuts reach only the active window
    qtbot.waitUntil(assembled.window.isActiveWindow, timeout=TIMEOUT_MS)
    if assembled.shared_rows is not None:
        assembled.shared_rows.start()  # as serving the app does
    try:
        yield Desktop(qtbot, assembled)
    finally:
        for task in [*assembled.controller.tasks, *(assembled.shared_rows.tasks if assembled.shared_rows else ())]:
            task.cancel()
        closing = asyncio.ensure_future(client.aclose())
        qtbot.waitUntil(closing.done, timeout=TIMEOUT_MS)
        if joining is not None:
            on_the_loop(qtbot, joining.__aexit__(None, None, None))
        assembled.window.close()
        assembled.window.deleteLater()
        store.close()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
