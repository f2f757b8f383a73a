"""Qt and its asyncio loop, set up once the same way for the window, the lone sign-in and the smoke check."""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QApplication

from connmgr.gui.resources import app_icon
from connmgr.gui.system_libraries import check_before_qt

if TYPE_CHECKING:
    import qasync

APP_ID = "io.connmgr.Connmgr"  # the desktop entry's name, so Wayland matches windows to the menu entry


def start_application() -> QApplication:
    """Raises ConfigError, with the libraries to install, where Qt would abort for want of its platform plugin."""
    check_before_qt()
    # QtWebEngine loads later, with the first sign-in window; it needs shared GL contexts set up front.
    QCoreApplication.setAttribute(Qt.ApplicationAttribute.AA_ShareOpenGLContexts)
    app = QApplication(sys.argv[:1])
    app.setApplicationName("connmgr")
    app.setDesktopFileName(APP_ID)
    app.setWindowIcon(app_icon())
    # Quitting is each entry point's own decision (with a tray, closing the window only hides it).
    app.setQuitOnLastWindowClosed(False)
    return app


def start_event_loop(app: QApplication) -> qasync.QEventLoop:
    """The asyncio loop over `app`'s event loop; asyncio and qasync are imported here, after the first paint."""
    import asyncio

    import qasync

    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    return loop


def start_qt() -> tuple[QApplication, qasync.QEventLoop]:
    app = start_application()
    return app, start_event_loop(app)
