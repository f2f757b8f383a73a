"""The connections table: a thin Qt adapter over the stored metadata and the clock.

One timer ticks the whole model once a second. A tick announces a change only
in the Expires column, plus the Status cell of a row whose health just turned
(connected -> expiring soon -> expired), so views repaint just those cells of
the rows they show.

The model sorts itself (`sort`), with one key per row and Python's sort; a
QSortFilterProxyModel that sorts calls `data()` twice per comparison, and from
Qt 6 it re-checks the order of every row a `dataChanged` names, even in a
column it does not sort by: with 10,000 rows, 40,000 calls into Python on each
tick, and two seconds to open the window.
"""

from __future__ import annotations

import heapq
import time
from collections.abc import Callable, Iterable
from enum import IntEnum
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QObject, QPersistentModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QIcon, QPalette

from connmgr.domain.connection import Connection, Status
from connmgr.domain.health import Health, expiry_text, health, iso_utc, next_change
from connmgr.domain.template import TemplateCatalog
from connmgr.gui.status_colours import LIGHT, status_colours

Index = QModelIndex | QPersistentModelIndex
SORT_ROLE = Qt.ItemDataRole.UserRole
CONNECTION_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2  # a row's searched text, in its first column (see main_window)

REFRESHING = "Refreshing…"
_ROLES_ANSWERED = frozenset(
    int(role)
    for role in (
        Qt.ItemDataRole.DisplayRole,
        Qt.ItemDataRole.DecorationRole,
        Qt.ItemDataRole.ForegroundRole,
        Qt.ItemDataRole.ToolTipRole,
        SORT_ROLE,
        CONNECTION_ROLE,
        SEARCH_ROLE,
    )
)


class Column(IntEnum):
    NAME = 0
    VENDOR = 1
    ACCOUNT = 2
    STATUS = 3
    EXPIRES = 4


_COLUMNS = len(Column)

HEADERS = {
    Column.NAME: "Name",
    Column.VENDOR: "Vendor",
    Column.ACCOUNT: "Account",
    Column.STATUS: "Status",
    Column.EXPIRES: "Expires",
}


class ConnectionsModel(QAbstractTableModel):
    ticked = Signal()  # once a second, after the countdowns moved: what else counts down follows

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
        # The same moments in a heap of (when, connection id), so that a tick looks at the rows due and no other
        # (with 10,000 rows, a scan of them all cost more than the rest of a tick). An entry whose row has gone or
        # was judged again since is stale, and skipped.
        self._due: list[tuple[float, str]] = []
        self._row_by_id: dict[str, int] = {}
        self._busy: dict[str, str] = {}  # names being refreshed, revoked or checked right now: what the Status says
        self.colours = LIGHT  # the Status column's, for the views' palette (set_palette)
        self._sort_column = -1  # -1: in the order given
        self._sort_order = Qt.SortOrder.AscendingOrder
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    # -- Qt's model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMNS

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # Qt's own checks the position by calling rowCount and columnCount: two calls into Python for each index
        # the search proxy asks for, one for each row it checks and each cell painted.
        if parent.isValid() or not (0 <= row < len(self._rows) and 0 <= column < _COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < _COLUMNS:
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # A view asks each visible cell for a dozen roles, most of which this model leaves to the style: those are
        # answered first and cheaply (every call here is a call into Python).
        if role not in _ROLES_ANSWERED or not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        connection = self._rows[index.row()]
        column = Column(index.column())
        if role == CONNECTION_ROLE:
            return connection
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(connection, index.row(), column)
        if role == SORT_ROLE:
            return self._sort_key(connection, index.row(), column)
        if role == SEARCH_ROLE:
            return self._searched_text(connection, index.row()) if column == Column.NAME else None
        if role == Qt.ItemDataRole.DecorationRole and column == Column.VENDOR:
            return self._icon_for(connection.template_id)
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.STATUS:
            colours = self.colours
            return colours.busy if connection.name in self._busy else colours.by_health[self._health[index.row()]]
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
        self._reorder(self._sorted_order())
        self._rebuild_due()
        self.endResetModel()

    def upsert(self, connection: Connection) -> int:
        """Add or replace a connection (by id); returns its row."""
        row = self._row_by_id.get(connection.id)
        if row is not None:
            self._rows[row] = connection
            self._judge(row)
            self.dataChanged.emit(self.index(row, 0), self.index(row, _COLUMNS - 1))
            self._resort()
            return self._row_by_id[connection.id]
        row = len(self._rows)
        self.beginInsertRows(QModelIndex(), row, row)
        self._rows.append(connection)
        self._health.append(Health.CONNECTED)
        self._changes_at.append(0.0)
        self._row_by_id[connection.id] = row
        self._judge(row)
        self.endInsertRows()
        self._resort()
        return self._row_by_id[connection.id]

    def _judge(self, row: int) -> None:
        now = self._now()
        self._health[row] = health(self._rows[row], now)
        when = self._changes_at[row] = next_change(self._rows[row], now)
        if when != float("inf"):
            heapq.heappush(self._due, (when, self._rows[row].id))
            if len(self._due) > 2 * len(self._rows) + 64:  # mostly stale entries (each upsert adds one)
                self._rebuild_due()

    def _index_rows(self) -> None:
        self._row_by_id = {c.id: row for row, c in enumerate(self._rows)}

    def _rebuild_due(self) -> None:
        self._index_rows()
        self._due = [(when, c.id) for c, when in zip(self._rows, self._changes_at, strict=True) if when != float("inf")]
        heapq.heapify(self._due)

    def remove(self, name: str) -> None:
        row = self.row_of(name)
        if row is not None:
            self.beginRemoveRows(QModelIndex(), row, row)
            del self._rows[row]
            del self._health[row]
            del self._changes_at[row]
            self._index_rows()
            self.endRemoveRows()

    def set_busy(self, name: str, busy: bool, *, label: str = REFRESHING) -> None:
        """Show `label` in the connection's Status, with the spinner, while `busy`."""
        if busy:
            self._busy[name] = label
        else:
            self._busy.pop(name, None)
        row = self.row_of(name)
        if row is not None:
            cell = self.index(row, Column.STATUS)
            # Named roles: being busy changes no searched text, so the search need not check the row again.
            self.dataChanged.emit(cell, cell, [Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole])

    def is_busy(self, name: str) -> bool:
        return name in self._busy

    def any_busy(self) -> bool:
        return bool(self._busy)

    def row_of(self, name: str) -> int | None:
        return next((row for row, c in enumerate(self._rows) if c.name == name), None)

    def connection(self, row: int) -> Connection:
        return self._rows[row]

    def now(self) -> float:
        """The model's clock: whatever shows times beside the table reads the same one."""
        return self._now()

    def set_palette(self, palette: QPalette) -> None:
        """Colour the Status column for `palette` (the desktop's colour scheme changed, or the palette with it)."""
        colours = status_colours(palette)
        if colours is not self.colours:
            self.colours = colours
            if self._rows:
                self.dataChanged.emit(
                    self.index(0, Column.STATUS),
                    self.index(len(self._rows) - 1, Column.STATUS),
                    [Qt.ItemDataRole.ForegroundRole],
                )

    def expires_text(self, row: int) -> str:
        """The Expires cell's text, as `data()` answers it (the column's delegate paints it from here)."""
        return expiry_text(self._rows[row], self._now())

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column` (-1: leave the order as it is), and keep sorting as rows come and change."""
        self._sort_column, self._sort_order = column, order
        self._resort()

    def _sorted_order(self) -> list[int] | None:
        """The rows' old positions in their sorted order; None when nothing would move."""
        if not 0 <= self._sort_column < _COLUMNS:
            return None
        column = Column(self._sort_column)
        keys: list[Any] = [self._sort_key(c, row, column) for row, c in enumerate(self._rows)]  # one type a column
        descending = self._sort_order == Qt.SortOrder.DescendingOrder
        order = sorted(range(len(keys)), key=keys.__getitem__, reverse=descending)  # stable both ways
        return None if order == list(range(len(order))) else order

    def _reorder(self, order: list[int] | None) -> None:
        if order is not None:
            self._rows = [self._rows[i] for i in order]
            self._health = [self._health[i] for i in order]
            self._changes_at = [self._changes_at[i] for i in order]
            self._index_rows()

    def _resort(self) -> None:
        order = self._sorted_order()
        if order is None:
            return
        self.layoutAboutToBeChanged.emit()
        new_row = {old: new for new, old in enumerate(order)}
        persistent = self.persistentIndexList()
        self._reorder(order)
        self.changePersistentIndexList(persistent, [self.index(new_row[i.row()], i.column()) for i in persistent])
        self.layoutChanged.emit()

    def tick(self) -> None:
        if not self._rows:
            return
        now = self._now()
        last = len(self._rows) - 1
        # createIndex, not index(): these rows exist, and index() would check by calling rowCount and columnCount,
        # two more calls into Python for each cell named.
        self.dataChanged.emit(
            self.createIndex(0, Column.EXPIRES), self.createIndex(last, Column.EXPIRES), [Qt.ItemDataRole.DisplayRole]
        )
        turned = False
        while self._due and self._due[0][0] <= now:
            when, connection_id = heapq.heappop(self._due)
            row = self._row_by_id.get(connection_id)
            if row is None or self._changes_at[row] != when:
                continue  # stale: removed, or judged again since
            before = self._health[row]
            self._judge(row)
            if self._health[row] is not before:
                turned = True
                cell = self.createIndex(row, Column.STATUS)
                self.dataChanged.emit(cell, cell)
        if turned and self._sort_column == Column.STATUS:
            self._resort()
        self.ticked.emit()

    # -- cell contents

    def _text(self, connection: Connection, row: int, column: Column) -> str:
        if column == Column.NAME:
            return connection.name
        if column == Column.VENDOR:
            return self._vendor(connection)
        if column == Column.ACCOUNT:
            return connection.account or "—"
        if column == Column.STATUS:
            return self._busy.get(connection.name) or self._health[row].label
        return expiry_text(connection, self._now())

    def _searched_text(self, connection: Connection, row: int) -> str:
        """What the search box looks in: the name, vendor, account and status, never the ticking countdown."""
        return "\n".join((connection.name, self._vendor(connection), connection.account or "", self._health[row].label))

    def _vendor(self, connection: Connection) -> str:
        template = self._catalog.templates.get(connection.template_id)
        return template.name if template else connection.template_id

    def _expiry_tooltip(self, connection: Connection) -> str:
        lines = [f"Access token expires: {iso_utc(connection.expires_at) or 'never'}"]
        if connection.refresh_expires_at is not None:
            lines.append(f"Refresh token expires: {iso_utc(connection.refresh_expires_at)}")
        return "\n".join(lines)

    def _sort_key(self, connection: Connection, row: int, column: Column) -> object:
        if column == Column.EXPIRES:
            # By time left; then the tokens that never expire, then the revoked, which have nothing left.
            if connection.status is Status.REVOKED:
                return (2, 0.0)
            return (1, 0.0) if connection.expires_at is None else (0, connection.expires_at)
        if column == Column.STATUS:
            return list(Health).index(self._health[row])
        return self._text(connection, row, column).casefold()
