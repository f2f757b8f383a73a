"""Qt and its asyncio loop, set up once the same way for the window, the lone sign-in and the smoke check."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QMessageLogContext, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtWidgets import QApplication

from connmgr.gui.resources import app_icon
from connmgr.gui.system_libraries import check_before_qt

if TYPE_CHECKING:
    import qasync

APP_ID = "io.connmgr.Connmgr"  # the desktop entry's name, so Wayland matches windows to the menu entry

_LEVELS = {
    QtMsgType.QtDebugMsg: logging.DEBUG,
    QtMsgType.QtInfoMsg: logging.INFO,
    QtMsgType.QtWarningMsg: logging.WARNING,
    QtMsgType.QtCriticalMsg: logging.ERROR,
    QtMsgType.QtFatalMsg: logging.CRITICAL,
}

# What Qt and QtWebEngine print on a machine without Vulkan or a GPU (seen under Xvfb on xcb, and offscreen), and
# the offscreen platform's note: nothing a person can or should act on.
QT_NOISE = (
    "Failed to load vulkan: ",
    "initInstance: No Vulkan library available",
    "Failed to create platform Vulkan instance",
    "This plugin does not support createPlatformVulkanInstance",
    "QVulkanInstance: ",
    "Unable to detect GPU vendor for device",
    "GPUInfo not initialized",
    "GBM is not supported",
    "QRhiGles2: ",
    "Failed to create RHI",
    "This plugin does not support propagateSizeHints",  # the offscreen platform, which has no window manager
    "This plugin does not support raise()",  # likewise
)


def log_qt_message(kind: QtMsgType, context: QMessageLogContext, message: str) -> None:
    # Qt's own handler writes to stderr as it is, and a vendor's sign-in page may print anything to its console
    # (category "js"): through the log, both are redacted, and shown at the level the log is set to.
    category = context.category or "default"
    level = _LEVELS.get(kind, logging.WARNING)
    if (
        level < logging.CRITICAL
        and message.startswith(QT_NOISE)
        and not logging.getLogger().isEnabledFor(logging.DEBUG)
    ):
        return  # a machine's missing GPU or Vulkan, said again by every sign-in page: shown with -v only
    logging.getLogger(f"qt.{category}").log(level, "%s", message)


def start_application() -> QApplication:
    """Raises ConfigError, with the libraries to install, where Qt would abort for want of its platform plugin."""
    check_before_qt()
    qInstallMessageHandler(log_qt_message)
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
