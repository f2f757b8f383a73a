"""The workspace as this device sees it: its name and address, online or not, this device's member name and
fingerprint (for another to compare), and each member with their device's fingerprint and role. What the
database says of members is shown as plain text."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Qt
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHeaderView,
    QLabel,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from connmgr.services.workspace import MemberStatus

COLUMNS = ("Member", "Device fingerprint", "Role", "State")


class WorkspaceStatusDialog(QDialog):
    def __init__(
        self,
        title: str,
        device: tuple[str, str],
        members: Sequence[MemberStatus],
        offline_reason: str | None,
        parent: QWidget | None = None,
    ) -> None:
        """`title`: the workspace's name and address; `device`: this device's member name and fingerprint;
        `offline_reason`: why it cannot be reached (None: online)."""
        super().__init__(parent)
        self.setWindowTitle("Workspace status")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        fixed = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        state = "online" if offline_reason is None else "offline"
        self.heading = _plain(f"{title} — {state}")
        member, fingerprint = device
        self.device = _plain(f"This device: {member}, fingerprint")
        self.fingerprint = _plain(fingerprint)
        self.fingerprint.setFont(fixed)
        self.fingerprint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(len(members), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setShowGrid(False)
        for row, m in enumerate(members):
            name = f"{m.name} (this device)" if m.this_device else m.name
            cells = (name, m.fingerprint, "admin" if m.admin else "member", "approved" if m.approved else "waiting")
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                if column == 1:
                    item.setFont(fixed)
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.setVisible(bool(members))
        self.reason = _plain(offline_reason or "")
        self.reason.setWordWrap(True)
        self.reason.setVisible(offline_reason is not None)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.heading, self.device, self.fingerprint, self.reason, self.table, buttons):
            layout.addWidget(widget)
        self.resize(720, 320)


def _plain(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)  # names come from the database
    return label
