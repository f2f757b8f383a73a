"""The Expires column's cells, painted from their text alone.

To paint a cell, QStyledItemDelegate asks the model for seven roles (font, alignment, foreground, check state,
icon, text, background), each through the search proxy, which asks the model for its size on every mapping:
some twenty calls into Python per cell, for every visible countdown every second. A countdown has text and
nothing else, so this delegate asks for the text alone (three calls) and leaves the drawing to Qt's delegate and
style as before. The model's `data()` still answers every role: screen readers, tooltips and tests read it there.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QModelIndex, QObject, QPersistentModelIndex
from PySide6.QtWidgets import QStyledItemDelegate, QStyleOptionViewItem

Index = QModelIndex | QPersistentModelIndex


class CountdownDelegate(QStyledItemDelegate):
    def __init__(self, text_of: Callable[[Index], str], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._text_of = text_of

    def initStyleOption(self, option: QStyleOptionViewItem, index: Index) -> None:
        # What QStyledItemDelegate's own initStyleOption sets for a cell whose only role is its text (styles may
        # read the index; sibling() hands the same cell back as the QModelIndex the option holds).
        option.index = index.sibling(index.row(), index.column())
        option.text = self._text_of(index)
        option.features |= QStyleOptionViewItem.ViewItemFeature.HasDisplay
