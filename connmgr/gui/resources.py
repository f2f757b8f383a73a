"""Icons, compiled from resources/ into a Qt resource module (scripts/build-resources)."""

from __future__ import annotations

from functools import cache

from PySide6.QtCore import QSize
from PySide6.QtGui import QColor, QIcon, QPainter, QPalette

from connmgr.gui import resources_rc  # noqa: F401  (registers the ":/" resources on import)
from connmgr.gui.text_styles import is_dark


@cache
def vendor_icon(template_id: str) -> QIcon:
    """The vendor's badge; templates of a person's own get the generic OAuth one."""
    icon = QIcon(f":/icons/vendors/{template_id}.svg")
    return icon if not icon.isNull() else QIcon(":/icons/vendors/oauth2.svg")


@cache
def action_icon(name: str, tint: str | None = None) -> QIcon:
    """An action's icon, its strokes drawn for light palettes; `tint` (icon_tint) repaints them for a dark one."""
    icon = QIcon(f":/icons/actions/{name}.svg")
    if tint is None:
        return icon
    tinted = QIcon()
    for size in (16, 22, 24, 32, 48):
        for ratio in (1.0, 2.0):  # crisp at 200 % too
            pixmap = icon.pixmap(QSize(size, size), ratio)
            painter = QPainter(pixmap)
            painter.setCompositionMode(QPainter.CompositionMode.CompositionMode_SourceIn)  # the strokes' shape only
            painter.fillRect(pixmap.rect(), QColor(tint))
            painter.end()
            tinted.addPixmap(pixmap)
    return tinted


def icon_tint(palette: QPalette) -> str | None:
    """What `action_icon` repaints the strokes with on `palette`: its button text on a dark one, else None."""
    return palette.color(QPalette.ColorRole.ButtonText).name() if is_dark(palette) else None


def app_icon() -> QIcon:
    return QIcon(":/icons/connmgr.svg")
