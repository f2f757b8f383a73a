"""The connections table: a Qt adapter over the live list of rows (`connmgr.listing`), which keeps their order,
health, countdowns and busy labels.

The model answers Qt's questions from the list, and turns each of the list's events into Qt's: rows inserted and
removed, a new order as a layout change, a change as `dataChanged` for the cells and roles it touched. A tick so
announces a change only in the Expires column, plus the Status cell of a row whose health just turned
(connected -> expiring soon -> expired), so views repaint just those cells of the rows they show.

The list sorts itself, with one key per row and Python's sort; a QSortFilterProxyModel that sorts calls `data()`
twice per comparison, and from Qt 6 it re-checks the order of every row a `dataChanged` names, even in a column it
does not sort by: with 10,000 rows, 40,000 calls into Python on each tick, and two seconds to open the window.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QRectF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette, QPixmap

from connmgr.domain.connection import Connection
from connmgr.domain.health import Health, iso_utc
from connmgr.gui.status_colours import LIGHT, status_colours
from connmgr.listing import (
    Changed,
    Column,
    ConnectionRows,
    Inserted,
    Inserting,
    Removed,
    Removing,
    Reordered,
    Reordering,
    Reset,
    Resetting,
    RowEvent,
    What,
)

Index = QModelIndex | QPersistentModelIndex
CONNECTION_ROLE = Qt.ItemDataRole.UserRole + 1
SEARCH_ROLE = Qt.ItemDataRole.UserRole + 2  # a row's searched text, the same in each of its cells (see main_window)

_DISPLAY, _FOREGROUND = Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole
_ROLES_ANSWERED = frozenset(
    int(role) for role in (_DISPLAY, Qt.ItemDataRole.DecorationRole, _FOREGROUND, Qt.ItemDataRole.ToolTipRole,
                           CONNECTION_ROLE, SEARCH_ROLE)
)  # fmt: skip
_COLUMNS = len(Column)
_SHARED_ROLES = (Qt.ItemDataRole.DecorationRole, Qt.ItemDataRole.ToolTipRole)  # of a shared row's Name

HEADERS = {
    Column.NAME: "Name",
    Column.VENDOR: "Vendor",
    Column.ACCOUNT: "Account",
    Column.STATUS: "Status",
    Column.EXPIRES: "Expires",
}

# The cells (first and last column) and roles that a change in a row touches. Named roles spare the search a
# check of rows whose searched text stayed (see main_window's SearchProxy); none named means every role.
_TOUCHED: dict[What, tuple[Column, Column, list[int]]] = {
    What.CONNECTION: (Column.NAME, Column.EXPIRES, []),
    What.HEALTH: (Column.STATUS, Column.STATUS, [_DISPLAY, _FOREGROUND, SEARCH_ROLE]),
    What.BUSY: (Column.STATUS, Column.STATUS, [_DISPLAY, _FOREGROUND]),
    What.EXPIRY: (Column.EXPIRES, Column.EXPIRES, [_DISPLAY]),
}


class ConnectionsModel(QAbstractTableModel):
    ticked = Signal()  # once a second, after the countdowns moved: what else counts down follows

    def __init__(self, rows: ConnectionRows, icon_for: Callable[[str], QIcon], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.rows = rows
        self._icon_for = icon_for
        self.colours = LIGHT  # the Status column's, for the views' palette (set_palette)
        self._moving: list[QModelIndex] = []  # between Reordering and Reordered: the persistent indexes to move
        rows.listen(self._on_rows_event)
        self._timer = QTimer(self)
        self._timer.setInterval(1000)
        self._timer.timeout.connect(self.tick)
        self._timer.start()

    # -- Qt's model interface

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 (Qt's signature)
        return 0 if parent.isValid() else len(self.rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else _COLUMNS

    def index(self, row: int, column: int, parent: Index = QModelIndex()) -> QModelIndex:  # noqa: B008
        # Qt's own checks the position by calling rowCount and columnCount: two calls into Python for each index
        # the search proxy asks for, one for each row it checks and each cell painted.
        if parent.isValid() or not (0 <= row < len(self.rows) and 0 <= column < _COLUMNS):
            return QModelIndex()
        return self.createIndex(row, column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole and 0 <= section < _COLUMNS:
            return HEADERS[Column(section)]
        return None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        # A view asks each visible cell for a dozen roles, most of which this model leaves to the style: those are
        # answered first and cheaply (every call here is a call into Python).
        rows = self.rows
        if role not in _ROLES_ANSWERED or not index.isValid() or not 0 <= index.row() < len(rows):
            return None
        row, column = index.row(), Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return rows.text(row, column)
        if role == CONNECTION_ROLE:
            return rows.connection(row)
        if role == SEARCH_ROLE:
            return rows.searched_text(row)
        connection = rows.connection(row)
        if role == Qt.ItemDataRole.DecorationRole and column == Column.VENDOR:
            return self._icon_for(connection.template_id)
        if column == Column.NAME and role in _SHARED_ROLES and rows.any_shared():
            shared = rows.shared(row)
            if role == Qt.ItemDataRole.ToolTipRole:
                return shared.description if shared is not None else "Kept in this home only"
            return _shared_icon() if shared is not None else _no_icon()  # the names stay in line
        if role == Qt.ItemDataRole.ForegroundRole and column == Column.STATUS:
            colours = self.colours
            if rows.is_busy(connection.name):
                return colours.busy
            shared = rows.shared(row)
            health = Health.REVOKED if shared is not None and shared.offline else rows.health(row)  # its quiet grey
            return colours.by_health[health]
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.STATUS and connection.status_detail:
            return connection.status_detail
        if role == Qt.ItemDataRole.ToolTipRole and column == Column.EXPIRES:
            return _expiry_tooltip(connection)
        return None

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by `column` (-1: leave the order as it is), and keep sorting as rows come and change."""
        by = Column(column) if 0 <= column < _COLUMNS else None
        self.rows.sort(by, descending=order == Qt.SortOrder.DescendingOrder)

    # -- what the window does

    def tick(self) -> None:
        self.rows.tick()
        self.ticked.emit()

    def expires_text(self, row: int) -> str:
        """The Expires cell's text, as `data()` answers it (the column's delegate paints it from here)."""
        return self.rows.expires_text(row)

    def set_palette(self, palette: QPalette) -> None:
        """Colour the Status column for `palette` (the desktop's colour scheme changed, or the palette with it)."""
        colours = status_colours(palette)
        if colours is not self.colours:
            self.colours = colours
            if self.rows:
                self.dataChanged.emit(
                    self.index(0, Column.STATUS), self.index(len(self.rows) - 1, Column.STATUS), [_FOREGROUND]
                )

    # -- the list's events, in Qt's words

    def _on_rows_event(self, event: RowEvent) -> None:
        match event:
            case Changed(first, last, what):
                # createIndex, not index(): these rows exist, and index() would check by calling rowCount and
                # columnCount, two more calls into Python for each cell named.
                left, right, roles = _TOUCHED[what]
                self.dataChanged.emit(self.createIndex(first, left), self.createIndex(last, right), roles)
            case Inserting(position):
                self.beginInsertRows(QModelIndex(), position, position)
            case Inserted():
                self.endInsertRows()
            case Removing(position):
                self.beginRemoveRows(QModelIndex(), position, position)
            case Removed():
                self.endRemoveRows()
            case Reordering():
                self.layoutAboutToBeChanged.emit()
                self._moving = self.persistentIndexList()
            case Reordered(order):
                new_row = {old: new for new, old in enumerate(order)}
                moved = [self.createIndex(new_row[i.row()], i.column()) for i in self._moving]
                self.changePersistentIndexList(self._moving, moved)
                self._moving = []
                self.layoutChanged.emit()
            case Resetting():
                self.beginResetModel()
            case Reset():
                self.endResetModel()


@cache
def _shared_icon() -> QIcon:
    """The mark of a shared row: two people, drawn here (crisp at any scale, the same on every platform)."""
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(Qt.PenStyle.NoPen)
    for x, colour in ((15, "#7aa7e0"), (4, "#2f6fc4")):  # the one behind, then the one in front
        painter.setBrush(QColor(colour))
        painter.drawEllipse(QRectF(x + 3, 4, 10, 10))  # the head
        painter.drawChord(QRectF(x, 15, 16, 22), 0, 180 * 16)  # the shoulders
    painter.end()
    return QIcon(pixmap)


@cache
def _no_icon() -> QIcon:
    pixmap = QPixmap(32, 32)
    pixmap.fill(Qt.GlobalColor.transparent)
    return QIcon(pixmap)


def _expiry_tooltip(connection: Connection) -> str:
    lines = [f"Access token expires: {iso_utc(connection.expires_at) or 'never'}"]
    if connection.refresh_expires_at is not None:
        lines.append(f"Refresh token expires: {iso_utc(connection.refresh_expires_at)}")
    return "\n".join(lines)
