"""connmgr's few departures from the platform's text style, set on the widgets themselves.

Not a stylesheet: an application stylesheet puts every widget under QStyleSheetStyle,
which made building and painting the window about a third slower, table included.
"""

from __future__ import annotations

from PySide6.QtGui import QFont, QPalette
from PySide6.QtWidgets import QLabel


def heading(label: QLabel, scale: float) -> QLabel:
    """Semi-bold, `scale` times the text around it: it grows with the person's font size."""
    font = label.font()
    font.setPointSizeF(font.pointSizeF() * scale)
    font.setWeight(QFont.Weight.DemiBold)
    label.setFont(font)
    return label


def is_dark(palette: QPalette) -> bool:
    """Light text on dark rows: judged from the palette itself, not from the colour scheme the desktop reports (a
    desktop may report none and still hand the application a dark palette)."""
    return palette.color(QPalette.ColorRole.Base).lightnessF() < 0.5


def secondary(label: QLabel) -> QLabel:
    """Text that explains rather than informs: the palette's placeholder colour, readable in light and dark."""
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)
    return label
