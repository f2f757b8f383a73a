"""The background health checks (`services.health_watch`) as the window shows them: each answer under its
connection's "Last check" and in the notifications, a connection found revoked as one that needs the person (the
tray says so), and the window's focus telling the checks when someone is looking again."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from connmgr.gui.controller import Controller
from connmgr.services.connections import Connections
from connmgr.services.health_watch import HealthWatch


def watch_health(app: QGuiApplication, connections: Connections, controller: Controller, **timing: Any) -> HealthWatch:
    """A health watch reporting to `controller`, not yet started; `timing`: `HealthWatch`'s clock and jitter."""
    watch = HealthWatch(
        connections,
        on_checked=lambda name, result: controller.on_checked(name, result, in_background=True),
        on_needs_sign_in=controller.on_refresh_failed,  # "… needs you", with the vendor's words
        **timing,
    )
    app.applicationStateChanged.connect(
        lambda state: watch.window_focus(state == Qt.ApplicationState.ApplicationActive)
    )
    return watch
