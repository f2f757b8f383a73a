"""The window app as a person starts it: Qt and the store, the window painted, then asyncio, the engine and the rest.

Phase 2 (`assembly`: the OAuth engine, httpx's TLS set-up, joserfc, the services) is imported only once the window
is on screen, so that the first paint never waits for it.
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtWidgets import QApplication

from connmgr import logs
from connmgr.domain.errors import ConnmgrError
from connmgr.gui.main_window import MainWindow
from connmgr.gui.qt_start import start_application, start_event_loop
from connmgr.gui.startup.sources import drop_imported_sources
from connmgr.gui.startup.window import build_window, list_the_rest, open_store
from connmgr.storage import LocalStore

# What the first paint lists: more rows than the tallest window shows (4,320 pixels, at 20 a row, is 216). With
# 10,000 connections, listing the rest took a quarter of the start (SQLite's sort, and the rows made and judged).
FIRST_ROWS = 250


def run(home: Path, notices: Sequence[str] = (), *, verbose: bool = False) -> int:
    """The window over `home` until the person quits; `notices`: see `build_window`."""
    logs.configure(logging.DEBUG if verbose else logging.WARNING)
    try:
        app = start_application()
        drop_imported_sources()  # phase 1's: freed before the rows and the window are made
        store = open_store(home)
        if store is None:
            return 1
        with store:
            window = build_window(store, notices, first_rows=FIRST_ROWS)
            window.show()
            QApplication.processEvents()  # the first paint, before asyncio, the OAuth engine and the services load
            list_the_rest(window, store, FIRST_ROWS)  # before the loop turns: nothing was selected or scrolled yet
            loop = start_event_loop(app)
            with loop:
                loop.run_until_complete(_serve(window, store))
    except ConnmgrError as exc:  # no window system, or a store that cannot be opened or read, said as the CLI does
        print(exc.sentence, file=sys.stderr)
        return 1
    return 0


async def _serve(window: MainWindow, store: LocalStore) -> None:
    from connmgr.gui.startup.assembly import app_behind

    async with app_behind(window, store, store.home) as app:
        await app.serve()
