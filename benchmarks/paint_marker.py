"""The start-up benchmark's marker of a first paint.

Qt paints a window in one synchronous pass (every dirty widget, then one flush of the backing store) while its native
window handles an UpdateRequest or Expose event. The event filter hands that event to the window itself and, once a
pass that painted the window's widgets returns, the frame is complete: the line is printed then. (Waiting for the
event loop's next turn instead would also count whatever the application does after painting before it turns the
loop again; connmgr paints first, then loads asyncio.)

It also reports whether QtWebEngine was imported by then: it must not be until a sign-in window opens.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QWindow
from PySide6.QtWidgets import QApplication, QWidget


class FirstPaint(QObject):
    """Prints "painted ..." once the window's first frame is complete, then ends the process at once."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._window = window
        self._handle: QWindow | None = None
        self._painting = False
        self._painted_widgets = 0
        # The window and the widgets it holds, not the whole application: an application-wide filter has every
        # event of every object converted to Python, which costs the marker itself tens of milliseconds.
        for widget in (window, *window.findChildren(QWidget)):
            widget.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind == QEvent.Type.Paint:
            self._painted_widgets += 1
        elif watched is self._window and self._handle is None and (handle := self._window.windowHandle()):
            self._handle = handle  # created by show(), before the platform's first Expose is delivered
            handle.installEventFilter(self)
        elif kind in (QEvent.Type.UpdateRequest, QEvent.Type.Expose) and watched is self._handle and not self._painting:
            self._painting = True  # the pass below delivers events through this filter too
            handled = watched.event(event)
            self._painting = False
            if self._painted_widgets:
                self._painted()
            return handled
        return False

    def _painted(self) -> None:
        # Not benchmarks.common's web_engine_loaded: importing it (connmgr's storage) would weigh on the floor.
        web_engine = "PySide6.QtWebEngineWidgets" in sys.modules or "PySide6.QtWebEngineCore" in sys.modules
        print(f"painted web_engine={int(web_engine)}", flush=True)
        os._exit(0)  # what follows (closing, saving window state) is not start-up


def painted_once(make_window: Callable[[], QWidget]) -> None:
    app = QApplication(sys.argv[:1])
    window = make_window()
    FirstPaint(window)
    window.show()
    app.exec()
