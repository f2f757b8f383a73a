"""The Status column's text colours, one set for light palettes and one for dark.

Each keeps WCAG AA contrast (4.5:1) on the table's rows, alternate rows included, under the palettes Qt gives on
the desktops we know (Fusion's own, GTK's light and dark; tests/gui/test_status_colours.py measures them). The set
is chosen from the palette itself (text_styles.is_dark). The text always says the status too: colour is never the
only cue.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QPalette

from connmgr.domain.health import Health
from connmgr.gui.text_styles import is_dark


@dataclass(frozen=True)
class StatusColours:
    by_health: dict[Health, QColor]
    busy: QColor  # a connection being refreshed, revoked or checked


def _colours(good: str, soon: str, bad: str, quiet: str, busy: str) -> StatusColours:
    return StatusColours(
        {
            Health.CONNECTED: QColor(good),
            Health.EXPIRING_SOON: QColor(soon),
            Health.NEEDS_SIGN_IN_SOON: QColor(soon),
            Health.EXPIRED: QColor(bad),
            Health.NEEDS_SIGN_IN: QColor(bad),
            Health.REVOKED: QColor(quiet),
            Health.ERROR: QColor(bad),
        },
        QColor(busy),
    )


LIGHT = _colours(good="#116329", soon="#9a4d00", bad="#b91c1c", quiet="#57606a", busy="#0550ae")
DARK = _colours(good="#56d364", soon="#e3b341", bad="#ff7b72", quiet="#9ea7b3", busy="#79c0ff")


def status_colours(palette: QPalette) -> StatusColours:
    """The set that reads on `palette`'s rows: dark text on a light base, light text on a dark one."""
    return DARK if is_dark(palette) else LIGHT
