"""Questions the window asks a person, as coroutines.

Each dialog is opened window-modal with `open()` and awaited through its
`finished` signal, never `exec()`: a nested event loop inside a coroutine on
the qasync loop would re-enter it. It also lets tests answer the real dialogs.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Collection
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from PySide6.QtCore import QSettings, Qt
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from connmgr.domain.template import TemplateCatalog
from connmgr.gui.connect import ConnectDialog, ConnectRequest, Failure
from connmgr.gui.first_signal import FirstSignal
from connmgr.gui.resources import vendor_icon
from connmgr.services.connecting import Stopped

T = TypeVar("T")
STOPPED = Failure(Stopped().sentence, by_person=True)
EXPORT_FOLDER_KEY = "export/folder"


async def answer(dialog: QDialog) -> int:
    """Show `dialog` window-modal and wait for its result code without blocking the loop."""
    done = FirstSignal[int]()
    dialog.finished.connect(done.set)
    dialog.open()
    try:
        return await done
    finally:
        dialog.deleteLater()


class ConnectSession:
    """The Connect dialog through every attempt at one connection, from the first to the one that connects.

    Between attempts it stays as the person left it, secret fields too: they live in its widgets, in memory, for
    as long as the session, and go with it. Use it as `async with`; leaving closes the dialog.
    """

    def __init__(self, dialog: ConnectDialog) -> None:
        self.dialog = dialog
        self._answer: FirstSignal[bool] | None = None  # True: submitted; False: closed
        self._stop: FirstSignal[None] | None = None
        dialog.submitted.connect(lambda: self._settle(True))
        dialog.finished.connect(lambda _code: self._settle(False))
        dialog.stop_requested.connect(self._on_stop_requested)

    async def __aenter__(self) -> ConnectSession:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        if self.dialog.isVisible():
            self.dialog.finish()
        self.dialog.deleteLater()

    async def request(self, failure: Failure | None = None) -> ConnectRequest | None:
        """The values of the next attempt once the person submits them (after `failure` is shown, when there was
        one); None once they close the dialog."""
        self._answer = FirstSignal()
        if failure is not None:
            self.dialog.show_failure(failure)
        if not self.dialog.isVisible():
            self.dialog.open()
        if not await self._answer:
            return None
        request: ConnectRequest = self.dialog.request()
        return request

    async def attempt(self, work: Awaitable[T]) -> T | Failure:
        """What `work` comes to, unless the person stops it first (Cancel while the dialog is busy)."""
        task = asyncio.ensure_future(work)
        self._stop = FirstSignal()
        try:
            either: list[asyncio.Future[Any]] = [task, self._stop.future]
            await asyncio.wait(either, return_when=asyncio.FIRST_COMPLETED)
        finally:
            if not task.done():  # stopped, or this coroutine itself cancelled
                task.cancel()
        if task.done() and not task.cancelled():
            return task.result()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        return STOPPED

    def _settle(self, submitted: bool) -> None:
        if self._answer is not None:
            self._answer.set(submitted)

    def _on_stop_requested(self) -> None:
        if self._stop is not None:
            self._stop.set(None)


class Prompts:
    def __init__(self, parent: QWidget, catalog: TemplateCatalog, settings: QSettings) -> None:
        self._parent = parent
        self._catalog = catalog
        self._settings = settings  # the window's: the last export folder is kept there

    def connection(
        self, existing: Collection[str], preset: ConnectRequest | None = None, filled: ConnectRequest | None = None
    ) -> ConnectSession:
        dialog = ConnectDialog(self._catalog, vendor_icon, existing, self._parent, preset=preset, filled=filled)
        return ConnectSession(dialog)

    async def confirm(
        self, title: str, text: str, action: str, *, parent: QWidget | None = None, rich: bool = False
    ) -> bool:
        """`parent`: the window the question is about, when not the main one (the Connect dialog); `rich`: `text`
        is HTML (whatever came from outside in it escaped by the caller)."""
        box = QMessageBox(
            QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent or self._parent
        )
        box.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
        yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        await answer(box)
        return box.clickedButton() is yes

    async def inform(self, title: str, text: str, *, warning: bool = False) -> None:
        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        await answer(QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent))

    async def save_path(self, suggested: str) -> Path | None:
        """A .env file to export to, named `suggested` in the folder last used (else the home folder): never the
        folder connmgr happened to be started from."""
        dialog = await self._file_dialog("Export credentials to a .env file", "Environment files (*.env .env*)")
        dialog.selectFile(suggested)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)  # the export merges into an existing file
        return await self._chosen(dialog)

    async def settings_path(self, suggested: str | None = None) -> Path | None:
        """A connection settings file to save as `suggested`, or to open (`suggested` None)."""
        caption = "Save connection settings (no secrets)" if suggested else "Connect from a settings file"
        dialog = await self._file_dialog(caption, "Connection settings (*.toml)")
        if suggested:
            dialog.selectFile(suggested)
            dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        else:
            dialog.setFileMode(QFileDialog.FileMode.ExistingFile)
        return await self._chosen(dialog)

    async def _file_dialog(self, caption: str, files: str) -> QFileDialog:
        last = self._settings.value(EXPORT_FOLDER_KEY)
        # Off the loop's thread: the folder may be on a network mount that has gone away.
        kept = isinstance(last, str) and await asyncio.to_thread(Path(last).is_dir)
        return QFileDialog(self._parent, caption, str(Path(str(last)) if kept else Path.home()), files)

    async def _chosen(self, dialog: QFileDialog) -> Path | None:
        if await answer(dialog) != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return None
        chosen = Path(dialog.selectedFiles()[0])
        self._settings.setValue(EXPORT_FOLDER_KEY, str(chosen.parent))
        return chosen

    async def new_name(self, current: str) -> str | None:
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle("Rename")
        dialog.setLabelText(f"New name for “{current}”:")
        dialog.setTextValue(current)
        if await answer(dialog) != QDialog.DialogCode.Accepted:
            return None
        return dialog.textValue().strip()

    async def choose(self, title: str, label: str, items: list[str]) -> str | None:
        """One of `items` (None: the person cancelled)."""
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle(title)
        dialog.setLabelText(label)
        dialog.setComboBoxItems(items)
        dialog.setComboBoxEditable(False)
        if await answer(dialog) != QDialog.DialogCode.Accepted:
            return None
        return dialog.textValue()

    async def passphrase(self, *, new: bool) -> str | None:
        dialog = QInputDialog(self._parent)
        dialog.setWindowTitle("Passphrase")
        dialog.setLabelText(
            "Choose a passphrase to protect connmgr's secrets on this computer:"
            if new
            else "connmgr's secrets on this computer are protected by a passphrase:"
        )
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        if await answer(dialog) != QDialog.DialogCode.Accepted or not dialog.textValue():
            return None
        return dialog.textValue()


def workspace_password(parent: QWidget) -> Callable[[str], Awaitable[str | None]]:
    """How the window asks for a workspace's password, where neither libpq nor the keyring has it (None:
    declined)."""

    async def ask(shown: str) -> str | None:
        dialog = QInputDialog(parent)
        dialog.setWindowTitle("Workspace password")
        dialog.setLabelText(f"Password for the workspace {shown}:")
        dialog.setTextEchoMode(QLineEdit.EchoMode.Password)
        if await answer(dialog) != QDialog.DialogCode.Accepted or not dialog.textValue():
            return None
        return dialog.textValue()

    return ask
