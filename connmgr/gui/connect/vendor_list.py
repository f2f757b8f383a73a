"""The list of vendors to choose from: icon, name and the template's one-line description."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from PySide6.QtCore import QModelIndex, QPersistentModelIndex, QRect, QSize, Qt, Signal
from PySide6.QtGui import QFont, QFontMetrics, QIcon, QPainter, QPalette
from PySide6.QtWidgets import (
    QAbstractItemView,
    QApplication,
    QListView,
    QListWidget,
    QListWidgetItem,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QWidget,
)

from connmgr.domain.template import ProviderTemplate

_ID = Qt.ItemDataRole.UserRole
_DESCRIPTION = Qt.ItemDataRole.AccessibleDescriptionRole  # shown beneath the name, and read out by screen readers
_PAD = 8
_ICON = 32

_Index = QModelIndex | QPersistentModelIndex


def _fonts(option: QStyleOptionViewItem) -> tuple[QFont, QFont]:
    name, description = QFont(option.font), QFont(option.font)
    name.setBold(True)
    description.setPointSizeF(description.pointSizeF() * 0.9)
    return name, description


class _VendorDelegate(QStyledItemDelegate):
    """Paints the name in bold with the description word-wrapped beneath it, in the list's width."""

    def _text_rects(self, option: QStyleOptionViewItem, index: _Index, rect: QRect) -> tuple[QRect, QRect]:
        name_font, description_font = _fonts(option)
        left = rect.left() + _PAD + _ICON + _PAD
        width = rect.right() - _PAD - left
        name = QRect(left, rect.top() + _PAD, width, QFontMetrics(name_font).height())
        description = QFontMetrics(description_font).boundingRect(
            QRect(left, name.bottom() + 3, width, 10_000), Qt.TextFlag.TextWordWrap, str(index.data(_DESCRIPTION))
        )
        return name, description

    def sizeHint(self, option: QStyleOptionViewItem, index: _Index) -> QSize:
        view = option.widget
        # The list re-lays out its items when resized (ResizeMode.Adjust), so the viewport's width is current.
        width = view.viewport().width() if isinstance(view, QAbstractItemView) else 260
        _, description = self._text_rects(option, index, QRect(0, 0, width, 0))
        return QSize(width, max(description.bottom(), _ICON + _PAD) + _PAD + 1)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: _Index) -> None:
        opt = QStyleOptionViewItem(option)
        self.initStyleOption(opt, index)
        widget: QWidget | None = opt.widget
        style = widget.style() if widget is not None else QApplication.style()
        style.drawPrimitive(QStyle.PrimitiveElement.PE_PanelItemViewItem, opt, painter, widget)
        rect = opt.rect
        selected = bool(opt.state & QStyle.StateFlag.State_Selected)
        enabled = bool(opt.state & QStyle.StateFlag.State_Enabled)
        icon_rect = QRect(rect.left() + _PAD, rect.top() + _PAD, _ICON, _ICON)
        opt.icon.paint(painter, icon_rect, mode=QIcon.Mode.Normal if enabled else QIcon.Mode.Disabled)
        name_rect, description_rect = self._text_rects(opt, index, rect)
        name_font, description_font = _fonts(opt)
        palette = opt.palette
        painter.save()
        painter.setPen(palette.color(QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.setFont(name_font)
        painter.drawText(name_rect, Qt.TextFlag.TextSingleLine, str(index.data(Qt.ItemDataRole.DisplayRole)))
        if not selected:  # grey beneath the name; on the selection colour, grey would be hard to read
            painter.setPen(palette.color(QPalette.ColorRole.PlaceholderText))
        painter.setFont(description_font)
        painter.drawText(description_rect, Qt.TextFlag.TextWordWrap, str(index.data(_DESCRIPTION)))
        painter.restore()


class VendorList(QListWidget):
    """One row per template; choosing a row announces its template id."""

    template_chosen = Signal(str)

    def __init__(self, templates: Iterable[ProviderTemplate], icon_for: Callable[[str], QIcon]) -> None:
        super().__init__()
        self.setItemDelegate(_VendorDelegate(self))
        self.setIconSize(QSize(_ICON, _ICON))
        self.setResizeMode(QListView.ResizeMode.Adjust)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        for template in templates:
            item = QListWidgetItem(icon_for(template.id), template.name)
            item.setData(_ID, template.id)
            item.setData(_DESCRIPTION, template.description)
            self.addItem(item)
        # Selection, not the current item: focus alone makes the first row current without selecting it.
        self.itemSelectionChanged.connect(self._on_item_selection_changed)

    def choose(self, template_id: str) -> None:
        for row in range(self.count()):
            if self.item(row).data(_ID) == template_id:
                self.setCurrentRow(row)

    def _on_item_selection_changed(self) -> None:
        for item in self.selectedItems():
            self.template_chosen.emit(str(item.data(_ID)))
