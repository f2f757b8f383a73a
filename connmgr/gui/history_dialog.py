"""A connection's history, as the audit log keeps it: when, who, what and the detail, newest first, and whether
the log's chain of hashes still holds. The entries are read back from the store, so they are shown as plain text,
and an action this connmgr does not know is shown as it was stored."""

from __future__ import annotations

from datetime import datetime

from PySide6.QtGui import Qt
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

from connmgr.domain.health import iso_utc
from connmgr.services.history import History
from connmgr.storage.audit import AuditAction

_DONE: dict[str, str] = {  # by the stored word (a StrEnum member is its word)
    AuditAction.CONNECT: "Connected",
    AuditAction.REFRESH: "Refreshed",
    AuditAction.COPY: "Token copied",
    AuditAction.REVEAL: "Tokens shown",
    AuditAction.EXPORT: "Exported",
    AuditAction.CHECK: "Checked",
    AuditAction.REVOKE: "Revoked",
    AuditAction.RENAME: "Renamed",
    AuditAction.REMOVE: "Removed",
}
COLUMNS = ("When", "Who", "What", "Detail")
INTACT = "The log is intact: no entry was changed or removed since it was written."


class HistoryDialog(QDialog):
    def __init__(self, history: History, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"History of {history.connection.name}")
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.table = QTableWidget(len(history.entries), len(COLUMNS))
        self.table.setHorizontalHeaderLabels(COLUMNS)
        self.table.verticalHeader().hide()
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        for row, entry in enumerate(reversed(history.entries)):
            when = QTableWidgetItem(datetime.fromtimestamp(entry.at).strftime("%Y-%m-%d %H:%M:%S"))
            when.setToolTip(iso_utc(entry.at) or "")
            done = _DONE.get(entry.action)
            for column, item in enumerate(
                (when, QTableWidgetItem(entry.actor), QTableWidgetItem(done or entry.action), _detail(entry.detail))
            ):
                self.table.setItem(row, column, item)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        if not history.entries:
            self.table.hide()
        empty = QLabel("Nothing was recorded about this connection yet.")
        empty.setVisible(not history.entries)
        broken = history.broken
        self.integrity = QLabel(INTACT if broken is None else f"Warning: {broken.sentence}.")
        self.integrity.setWordWrap(True)
        self.integrity.setTextFormat(Qt.TextFormat.PlainText)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        for widget in (self.table, empty, self.integrity, buttons):
            layout.addWidget(widget)
        buttons.button(QDialogButtonBox.StandardButton.Close).setFocus()  # Enter or Esc closes; no cell looks chosen
        self.resize(760, 420)


def _detail(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    # A long detail (an export's path) is cut off in its cell. As rich text that shows its markup as text: a tooltip
    # takes anything that looks like HTML for HTML, and a check's detail quotes what the vendor answered.
    item.setToolTip(Qt.convertFromPlainText(text, Qt.WhiteSpaceMode.WhiteSpacePre))
    return item
