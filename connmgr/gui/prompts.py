"""Questions the window asks a person, as coroutines.

Each dialog is opened window-modal with `open()` and awaited through its
`finished` signal, never `exec()`: a nested event loop inside a coroutine on
the qasync loop would re-enter it. It also lets tests answer the real dialogs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection
from pathlib import Path

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QDialog, QFileDialog, QInputDialog, QLineEdit, QMessageBox, QWidget

from connmgr.domain.template import TemplateCatalog
from connmgr.gui.connect import ConnectDialog, ConnectRequest
from connmgr.gui.resources import vendor_icon

EXPORT_FOLDER_KEY = "export/folder"


async def answer(dialog: QDialog) -> int:
    """Show `dialog` window-modal and wait for its result code without blocking the loop."""
    done: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    def on_finished(code: int) -> None:
        if not done.done():
            done.set_result(code)

    dialog.finished.connect(on_finished)
    dialog.open()
    try:
        return await done
    finally:
        dialog.deleteLater()


class Prompts:
    def __init__(self, parent: QWidget, catalog: TemplateCatalog, settings: QSettings) -> None:
        self._parent = parent
        self._catalog = catalog
        self._settings = settings  # the window's: the last export folder is kept there

    async def connection(
        self, existing: Collection[str], preset: ConnectRequest | None = None
    ) -> ConnectRequest | None:
        dialog = ConnectDialog(self._catalog, vendor_icon, existing, self._parent, preset=preset)
        if await answer(dialog) != QDialog.DialogCode.Accepted:
            return None
        request: ConnectRequest = dialog.request()
        return request

    async def confirm(self, title: str, text: str, action: str) -> bool:
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, self._parent)
        yes = box.addButton(action, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        await answer(box)
        return box.clickedButton() is yes

    async def inform(self, title: str, text: str, *, warning: bool = False) -> None:
        icon = QMessageBox.Icon.Warning if warning else QMessageBox.Icon.Information
        await answer(QMessageBox(icon, title, text, QMessageBox.StandardButton.Ok, self._parent))

    async def save_path(self, suggested: str) -> Path | None:
        """A file to write, named `suggested` in the folder last exported to (else the home folder): never the
        folder connmgr happened to be started from."""
        last = self._settings.value(EXPORT_FOLDER_KEY)
        # Off the loop's thread: the folder may be on a network mount that has gone away.
        kept = isinstance(last, str) and await asyncio.to_thread(Path(last).is_dir)
        folder = Path(str(last)) if kept else Path.home()
        caption, files = "Export credentials to a .env file", "Environment files (*.env .env*)"
        dialog = QFileDialog(self._parent, caption, str(folder / suggested), files)
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setOption(QFileDialog.Option.DontConfirmOverwrite)  # the export merges into an existing file
        if await answer(dialog) != QDialog.DialogCode.Accepted or not dialog.selectedFiles():
            return None
        chosen = Path(dialog.selectedFiles()[0])
        self._settings.setValue(EXPORT_FOLDER_KEY, str(chosen.parent))
        return chosen

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
