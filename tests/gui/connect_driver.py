"""A person at the Connect dialog: finds widgets as they are shown, clicks and types."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QAbstractButton, QLabel, QLineEdit, QListWidget, QPushButton, QWidget

from connmgr.gui.connect import ConnectDialog

W = TypeVar("W", bound=QWidget)


class Driver:
    """A person at the dialog: finds widgets as they are shown, clicks and types."""

    def __init__(self, qtbot, dialog: ConnectDialog) -> None:
        self.qtbot, self.dialog = qtbot, dialog

    def shown(self, kind: type[W], name: str) -> W:
        found = [w for w in self.dialog.findChildren(kind, name) if w.isVisibleTo(self.dialog)]
        assert len(found) == 1, f"{len(found)} visible {kind.__name__} named {name!r}"
        return found[0]

    def is_shown(self, kind: type[QWidget], name: str) -> bool:
        return any(w.isVisibleTo(self.dialog) for w in self.dialog.findChildren(kind, name))

    def choose_vendor(self, name: str) -> None:
        vendors = self.dialog.findChild(QListWidget)
        (item,) = vendors.findItems(name, Qt.MatchFlag.MatchExactly)
        self.qtbot.mouseClick(vendors.viewport(), Qt.MouseButton.LeftButton, pos=vendors.visualItemRect(item).center())

    def click(self, kind: type[QAbstractButton], name: str) -> None:
        button = self.shown(kind, name)
        # On its text: a radio button stretched across the form does not answer a click in its empty right part.
        on_text = QRect(QPoint(0, 0), button.sizeHint()).center()
        self.qtbot.mouseClick(button, Qt.MouseButton.LeftButton, pos=on_text)

    def type(self, field: str, text: str) -> None:
        self.qtbot.keyClicks(self.field(field), text)

    def field(self, name: str) -> QLineEdit:
        return self.shown(QLineEdit, name)

    def name(self) -> QLineEdit:
        return self.dialog.findChild(QLineEdit, "connection_name")

    @property
    def primary(self) -> QPushButton:
        return self.dialog.findChild(QPushButton, "primary")

    @property
    def message(self) -> str:
        return self.dialog.findChild(QLabel, "message").text()

    def shown_texts(self) -> list[str]:
        return [label.text() for label in self.dialog.findChildren(QLabel) if label.isVisibleTo(self.dialog)]
