"""The start-up benchmark's child: a window that says when it was first painted, then exits.

    python -m benchmarks.first_paint floor       # a bare PySide6 window: the floor
    python -m benchmarks.first_paint table HOME  # the least a window showing HOME's connections costs
    python -m benchmarks.first_paint app HOME    # connmgr itself, started as `connmgr --home HOME`

The marker, the same for all three: Qt paints a window in one synchronous pass (every dirty widget, then one flush of
the backing store) while its native window handles an UpdateRequest or Expose event. The event filter hands that
event to the window itself and, once a pass that painted the window's widgets returns, the frame is complete:
the line is printed then. (Waiting for the event loop's next turn instead would also count whatever the
application does after painting before it turns the loop again; connmgr paints first, then loads asyncio.)

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


def _painted_once(make_window: Callable[[], QWidget]) -> None:
    app = QApplication(sys.argv[:1])
    window = make_window()
    FirstPaint(window)
    window.show()
    app.exec()


def floor() -> None:
    def bare() -> QWidget:
        window = QWidget()
        window.resize(1280, 640)  # connmgr's default size: the same number of pixels to paint
        return window

    _painted_once(bare)


def table(home: str) -> None:
    from benchmarks.table_window import table_window  # not at the top: the floor must not pay for its imports

    _painted_once(lambda: table_window(home))


def connmgr(home: str) -> None:
    from connmgr import app

    open_window = app._open_window

    def opening(*arguments: object, **keywords: object) -> object:
        from connmgr.gui.startup import launch  # here, where `main` imports it: after it stopped collecting garbage

        build_window = launch.build_window

        def marked(*arguments: object, **keywords: object) -> object:
            window = build_window(*arguments, **keywords)  # type: ignore[arg-type]
            FirstPaint(window)
            return window

        launch.build_window = marked  # type: ignore[assignment]  # the one hook; the rest is the real start-up
        return open_window(*arguments, **keywords)  # type: ignore[arg-type]

    app._open_window = opening  # type: ignore[assignment]
    sys.argv = ["connmgr", "--home", home]
    sys.exit(app.main())


if __name__ == "__main__":
    if sys.argv[1] == "floor":
        floor()
    elif sys.argv[1] == "table":
        table(sys.argv[2])
    else:
        connmgr(sys.argv[2])
