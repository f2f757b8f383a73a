"""The window on a real X display as the desktop's colour scheme turns light, then dark, while it is open: what the
palette and connmgr's own colours are then. Printed as JSON for tests/gui/test_status_colours.py.

Run under Xvfb on xcb with GTK's platform theme (what a GNOME desktop gives Qt), whose colour scheme can be set:
    QT_QPA_PLATFORM=xcb QT_QPA_PLATFORMTHEME=gtk3 xvfb-run -a python -m tests.gui.scheme_probe
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from connmgr.domain.connection import Status
from connmgr.domain.health import Health
from connmgr.gui.main_window import MainWindow
from connmgr.gui.qt_start import start_application
from connmgr.listing import Column
from tests.gui.table_rows import CATALOG, T0, Clock, conn, model_with

ROWS = {  # one row in each health, at the clock's T0
    Health.CONNECTED: conn("connected", expires_at=T0 + 3600),
    Health.EXPIRING_SOON: conn("soon", issued_at=T0 - 3500, expires_at=T0 + 100),
    Health.NEEDS_SIGN_IN_SOON: conn("sign-in soon", expires_at=T0 + 3600, refresh_expires_at=T0 + 200),
    Health.EXPIRED: conn("expired", expires_at=T0 - 10),
    Health.NEEDS_SIGN_IN: conn("needs sign-in", status=Status.NEEDS_SIGN_IN),
    Health.REVOKED: conn("revoked", status=Status.REVOKED),
    Health.ERROR: conn("error", status=Status.ERROR),
}


def _settle_until(app: QApplication, done: object, seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:  # type: ignore[operator]
        app.processEvents()


def _icon_colour(window: MainWindow) -> str:
    """The mean colour of the refresh icon's painted pixels, as the toolbar shows it."""
    image = window.actions_["refresh"].icon().pixmap(24, 24).toImage()
    painted = [image.pixelColor(x, y) for x in range(image.width()) for y in range(image.height())]
    painted = [c for c in painted if c.alpha() > 200]
    mean = [sum(getattr(c, part)() for c in painted) // len(painted) for part in ("red", "green", "blue")]
    return QColor(*mean).name()


def main() -> None:
    app = start_application()
    with tempfile.TemporaryDirectory() as folder:
        model = model_with(Clock(), *ROWS.values())
        window = MainWindow(model, CATALOG, QSettings(str(Path(folder) / "w.ini"), QSettings.Format.IniFormat))
        window.show()
        app.processEvents()
        seen = {}
        for scheme in (Qt.ColorScheme.Light, Qt.ColorScheme.Dark):
            app.styleHints().setColorScheme(scheme)  # as the desktop's setting changing
            _settle_until(app, lambda s=scheme: app.styleHints().colorScheme() == s)
            app.processEvents()
            palette = window.table.palette()
            colours = {}
            for health, row in ROWS.items():
                index = model.index(model.rows.position_of(row.name), Column.STATUS)
                colours[health.value] = model.data(index, Qt.ItemDataRole.ForegroundRole).name()
            seen[scheme.name.lower()] = {
                "reported": app.styleHints().colorScheme().name.lower(),
                "base": palette.color(QPalette.ColorRole.Base).name(),
                "alternate_base": palette.color(QPalette.ColorRole.AlternateBase).name(),
                "window": window.palette().color(QPalette.ColorRole.Window).name(),
                "status": colours,
                "busy": model.colours.busy.name(),
                "icon": _icon_colour(window),
            }
        print(json.dumps({"platform": app.platformName(), "theme": os.environ.get("QT_QPA_PLATFORMTHEME"), **seen}))
        sys.stdout.flush()
        window.close()
    os._exit(0)  # PySide6 can crash while finalising (see README's Performance notes)


if __name__ == "__main__":
    main()
