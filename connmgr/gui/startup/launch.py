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
from connmgr.gui.startup.window import build_window, open_store
from connmgr.storage import LocalStore


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
            window = build_window(store, notices)
            window.show()
            QApplication.processEvents()  # the first paint, before asyncio, the OAuth engine and the services load
            loop = start_event_loop(app)
            with loop:
                loop.run_until_complete(_serve(window, store))
    except ConnmgrError as exc:  # no window system, or a store that cannot be opened or read, said as the CLI does
        print(exc.sentence, file=sys.stderr)
        return 1
    return 0


async def _serve(window: MainWindow, store: LocalStore) -> None:
    from connmgr.gui.startup.assembly import app_behind

    async with app_behind(window, store) as app:
        await app.serve()
