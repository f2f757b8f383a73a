"""A small spinning arc in the Status cell of a connection that is being refreshed or revoked."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex, QRectF, Qt, QTimer
from PySide6.QtGui import QPainter, QPen
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem, QTableView

from connmgr.gui.connections_model import CONNECTION_ROLE, ConnectionsModel

FRAME_MS = 80


class BusySpinnerDelegate(QStyledItemDelegate):
    """Paints the spinner beside the status text of `column` of the rows `model` says are busy; its timer runs only
    while some row is busy."""

    def __init__(self, view: QTableView, column: int, model: ConnectionsModel, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._view = view
        self._column = column
        self._model = model
        self._angle = 0
        self._timer = QTimer(self)
        self._timer.setInterval(FRAME_MS)
        self._timer.timeout.connect(self._on_frame)

    def set_running(self, running: bool) -> None:
        if running and not self._timer.isActive():
            self._timer.start()
        elif not running:
            self._timer.stop()

    def _on_frame(self) -> None:
        self._angle = (self._angle + 30) % 360
        # Only the column's strip: the whole viewport would have every visible cell ask the model again, 12 times a
        # second for as long as anything is refreshing.
        viewport = self._view.viewport()
        viewport.update(
            self._view.columnViewportPosition(self._column), 0, self._view.columnWidth(self._column), viewport.height()
        )

    def paint(
        self, painter: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex
    ) -> None:
        connection = index.data(CONNECTION_ROLE)
        if connection is None or not self._model.rows.is_busy(connection.name):
            super().paint(painter, option, index)
            return
        size = min(option.rect.height() - 8, 14)
        rect = option.rect
        shifted = QStyleOptionViewItem(option)
        shifted.rect = rect.adjusted(size + 8, 0, 0, 0)
        if self._view.selectionModel().isSelected(index):  # not option.state: loading QStyle would weigh on start-up
            painter.fillRect(rect, option.palette.highlight())
        super().paint(painter, shifted, index)
        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        pen = QPen(self._model.colours.busy, 2)
        pen.setCapStyle(Qt.PenCapStyle.RoundCap)
        painter.setPen(pen)
        arc = QRectF(rect.left() + 4, rect.center().y() - size / 2, size, size)
        painter.drawArc(arc, -self._angle * 16, 270 * 16)
        painter.restore()
