"""The least a window listing a home's connections costs, with no connmgr code: the start-up benchmark's
second reference, between the bare window (the floor) and connmgr. It shows what connmgr's window shows at first
(the same rows, a toolbar, a search box, a details pane) the plainest way PySide6 allows.
"""

from __future__ import annotations

import os
import sqlite3
import time
from contextlib import closing

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)


class _Rows(QAbstractTableModel):
    """HOME's connections as SQLite returns them: text, and the expiry as minutes left."""

    HEADERS = ("Name", "Vendor", "Account", "Status", "Expires")

    def __init__(self, rows: list[tuple[object, ...]], parent: QObject) -> None:
        super().__init__(parent)
        self._rows = rows

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return len(self.HEADERS)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        value = self._rows[index.row()][index.column()]
        if index.column() == len(self.HEADERS) - 1:
            return "" if value is None else f"{max(0, int(float(value) - time.time())) // 60} min"  # type: ignore[arg-type]
        return value

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        return None


def table_window(home: str) -> QMainWindow:
    """The window: one SQLite read of HOME's connections, a table model in Python, a toolbar, a search box and a
    details pane of labels."""
    window = QMainWindow()
    with closing(sqlite3.connect(os.path.join(home, "connections.db"))) as db:
        rows = db.execute("SELECT name, template_id, account, status, expires_at FROM connections ORDER BY name")
        model = _Rows(rows.fetchall(), window)
    window.resize(1280, 640)
    toolbar = window.addToolBar("Actions")
    for action in ("Connect", "Refresh", "Revoke", "Copy token", "Export"):
        toolbar.addAction(action)
    view = QTableView()
    view.setModel(model)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    details = QWidget()
    details_layout = QVBoxLayout(details)
    for label in _Rows.HEADERS:
        details_layout.addWidget(QLabel(label))
    splitter = QSplitter()
    splitter.addWidget(view)
    splitter.addWidget(details)
    central = QWidget()
    layout = QVBoxLayout(central)
    layout.addWidget(QLineEdit(placeholderText="Search"))
    layout.addWidget(splitter)
    window.setCentralWidget(central)
    window.statusBar().showMessage(f"{model.rowCount()} connections")
    return window
