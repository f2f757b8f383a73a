"""The start-up benchmark's child: a window that says when it was first painted, then exits.

    python -m benchmarks.first_paint floor       # a bare PySide6 window: the floor
    python -m benchmarks.first_paint table HOME  # the least a window showing HOME's connections costs
    python -m benchmarks.first_paint app HOME    # connmgr itself, started as `connmgr --home HOME`

The marker, the same for all three, is `paint_marker`'s. Each mode imports PySide6 where its window would: connmgr,
after its own command-line and storage modules (which PySide6 would otherwise look through as they load).
"""

from __future__ import annotations

import sys


def floor() -> None:
    from PySide6.QtWidgets import QWidget

    from benchmarks.paint_marker import painted_once

    def bare() -> QWidget:
        window = QWidget()
        window.resize(1280, 640)  # connmgr's default size: the same number of pixels to paint
        return window

    painted_once(bare)


def table(home: str) -> None:
    from benchmarks.paint_marker import painted_once
    from benchmarks.table_window import table_window  # not at the top: the floor must not pay for its imports

    painted_once(lambda: table_window(home))


def connmgr(home: str) -> None:
    from connmgr import app

    open_window = app._open_window

    def opening(*arguments: object, **keywords: object) -> object:
        from benchmarks.paint_marker import FirstPaint
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
