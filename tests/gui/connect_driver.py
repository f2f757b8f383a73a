"""A person at the Connect dialog: finds widgets as they are shown, clicks and types."""

from __future__ import annotations

from typing import TypeVar

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QCheckBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QToolButton,
    QWidget,
)

from connmgr.gui.connect import ConnectDialog
from connmgr.gui.connect.editors import FieldEditor

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

    def fill(self, name: str, fields: dict[str, str], *, advanced: dict[str, str] | None = None) -> None:
        """Type the connection's name and the chosen vendor's fields, replacing what is there; Advanced too."""
        self.qtbot.keyClicks(self.name(), name)
        for field, value in fields.items():
            self.field(field).clear()
            self.type(field, value)
        if advanced:
            self.click(QToolButton, "advanced")
            for field, value in advanced.items():
                self.field(field).clear()
                self.type(field, value)

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

    def state(self) -> dict[str, object]:
        """Everything the person set, shown or folded away, in every vendor's form: the vendor chosen, each line's
        text (secrets too), each radio button and check box."""
        vendors = self.dialog.findChild(QListWidget)
        state: dict[str, object] = {"vendor": [item.text() for item in vendors.selectedItems()]}
        for line in self.dialog.findChildren(QLineEdit):
            if line.objectName():
                state[f"{self._form_of(line)}/{line.objectName()}"] = line.text()
        for button in [*self.dialog.findChildren(QRadioButton), *self.dialog.findChildren(QCheckBox)]:
            state[f"{self._form_of(button)}/{button.objectName()}"] = button.isChecked()
        return state

    def _form_of(self, widget: QWidget) -> str:
        parent = widget.parentWidget()
        while parent is not None and not hasattr(parent, "template"):
            parent = parent.parentWidget()
        return parent.template.id if parent is not None else ""

    def problems(self) -> dict[str, str]:
        """The sentences shown beside fields, by the field's name."""
        shown = {}
        for editor in self.dialog.findChildren(FieldEditor):
            if editor.problem.isVisibleTo(self.dialog):
                shown[editor.focus_widgets()[0].objectName().partition(":")[0]] = editor.problem.text()
        return shown

    def ready_again(self) -> None:
        """Wait until the dialog is back from an attempt, ready for the next."""
        self.qtbot.waitUntil(lambda: self.primary.isEnabled(), timeout=15_000)
