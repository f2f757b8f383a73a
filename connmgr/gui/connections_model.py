"""The connections table: a thin Qt adapter over the stored metadata and the clock.

One timer ticks the whole model once a second. A tick announces a change only
in the Expires column, plus the Status cell of a row whose health just turned
(connected -> expiring soon -> expired), so views repaint just those cells of
the rows they show.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from enum import IntEnum

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer
from PySide6.QtGui import QColor, QIcon

from connmgr.domain.connection import Connection
from connmgr.domain.health import Health, countdown, health, iso_utc, next_change
from connmgr.domain.template import TemplateCatalog

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole
CONNECTION_ROLE = Qt.ItemDataRole.UserRole + 1

# Text colours readable on light and dark palettes; the text says it too, colour is never the only cue.
HEALTH_COLOURS = {
    Health.CONNECTED: QColor("#1a7f37"),
    Health.EXPIRING_SOON: QColor("#b35900"),
    Health.NEEDS_SIGN_IN_SOON: QColor("#b35900"),
    Health.EXPIRED: QColor("#cf222e"),
    Health.NEEDS_SIGN_IN: QColor("#cf222e"),
    Health.REVOKED: QColor("#6e7781"),
    Health.ERROR: QColor("#cf222e"),
}
REFRESHING_COLOUR = QColor("#0969da")


class Column(IntEnum):
    NAME = 0
    VENDOR = 1
    ACCOUNT = 2
    STATUS = 3
    EXPIRES = 4


HEADERS = {
    Column.NAME: "Name",
    Column.VENDOR: "Vendor",
    Column.ACCOUNT: "Account",
    Column.STATUS: "Status",
    Column.EXPIRES: "Expires",
}


class ConnectionsModel(QAbstractTableModel):
    def __init__(
        self,
        catalog: TemplateCatalog,
        icon_for: Callable[[str], QIcon],
        *,
        now: Callable[[], float] = time.time,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._icon_for = icon_for
        self._now = now
        self._rows: list[Connection] = []
        self._health: list[Health] = []
        self._changes_at: list[float] = []  # per row: when its health may next turn
        self._earliest = float("inf")  # the soonest of those: until then a tick touches no Status cell
        self._busy: set[str] = set()  # names being refreshed or revoked right now
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    # -- Qt's model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if (
            orientation == Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(Column)
        ):
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        connection = self._rows[index.row()]
        column = Column(index.column())
        if role == CONNECTION_ROLE:
            return connection
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(connection, index.row(), column)
        if role == SORT_ROLE:
            return self._sort_key(connection, index.row(), column)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.VENDOR:
            return self._icon_for(connection.template_id)
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.STATUS:
            return REFRESHING_COLOUR if connection.name in self._busy else HEALTH_COLOURS[self._health[index.row()]]
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.STATUS and connection.status_detail:
            return connection.status_detail
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.EXPIRES:
            return self._expiry_tooltip(connection)
        return None

    # -- what the window does

    def set_connections(self, connections: Iterable[Connection]) -> None:
        self.beginResetModel()
        self._rows = list(connections)
        now = self._now()
        self._health = [health(c, now) for c in self._rows]
        self._changes_at = [next_change(c, now) for c in self._rows]
        self._earliest = min(self._changes_at, default=float("inf"))
        self.endResetModel()

    def upsert(self, connection: Connection) -> int:
        """Add or replace a connection (by id); returns its row."""
        for row, existing in enumerate(self._rows):
            if existing.id == connection.id:
                self._rows[row] = connection
                self._judge(row)
                self.dataChanged.emit(self.index(row, 0), self.index(row, len(Column) - 1))
                return row
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(connection)
        self._health.append(Health.CONNECTED)
        self._changes_at.append(0.0)
        self._judge(row)
        self.endInsertRows()
        return row

    def _judge(self, row: int) -> None:
        now = self._now()
        self._health[row] = health(self._rows[row], now)
        self._changes_at[row] = next_change(self._rows[row], now)
        self._earliest = min(self._earliest, self._changes_at[row])

    def remove(self, name: str) -> None:
        row = self.row_of(name)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._health[row]
            del self._changes_at[row]
            self.endRemoveRows()

    def set_busy(self, name: str, busy: bool) -> None:
        (self._busy.add if busy else self._busy.discard)(name)
        row = self.row_of(name)
        if row is not None:
            cell = self.index(row, Column.STATUS)
            self.dataChanged.emit(cell, cell)

    def is_busy(self, name: str) -> bool:
        return name in self._busy

    def row_of(self, name: str) -> int | None:
        return next((row for row, c in enumerate(self._rows) if c.name == name), None)

    def connection(self, row: int) -> Connection:
        return self._rows[row]

    def tick(self) -> None:
        if not self._rows:
            return
        now = self._now()
        last = len(self._rows) - 1
        self.dataChanged.emit(
            self.index(0, Column.EXPIRES), self.index(last, Column.EXPIRES), [Qt.ItemDataRole.DisplayRole]
        )
        if now < self._earliest:
            return
        for row, when in enumerate(self._changes_at):
            if when <= now:
                before = self._health[row]
                self._judge(row)
                if self._health[row] is not before:
                    cell = self.index(row, Column.STATUS)
                    self.dataChanged.emit(cell, cell)
        self._earliest = min(self._changes_at, default=float("inf"))

    # -- cell contents

    def _text(self, connection: Connection, row: int, column: Column) -> str:
        if column == Column.NAME:
            return connection.name
        if column == Column.VENDOR:
            return self._vendor(connection)
        if column == Column.ACCOUNT:
            return connection.account or "—"
        if column == Column.STATUS:
            return "Refreshing…" if connection.name in self._busy else self._health[row].label
        return self._expires_text(connection, row)

    def _vendor(self, connection: Connection) -> str:
        template = self._catalog.templates.get(connection.template_id)
        return template.name if template else connection.template_id

    def _expires_text(self, connection: Connection, row: int) -> str:
        if self._health[row] is Health.REVOKED:
            return "—"
        now = self._now()
        text = countdown(None if connection.expires_at is None else connection.expires_at - now)
        if connection.refresh_expires_at is not None:
            text += f" (sign-in {countdown(connection.refresh_expires_at - now)})"
        return text

    def _expiry_tooltip(self, connection: Connection) -> str:
        lines = [f"Access token expires: {iso_utc(connection.expires_at) or 'never'}"]
        if connection.refresh_expires_at is not None:
            lines.append(f"Refresh token expires: {iso_utc(connection.refresh_expires_at)}")
        return "\n".join(lines)

    def _sort_key(self, connection: Connection, row: int, column: Column) -> object:
        if column == Column.EXPIRES:
            return float("inf") if connection.expires_at is None else connection.expires_at
        if column == Column.STATUS:
            return list(Health).index(self._health[row])
        return self._text(connection, row, column).casefold()
