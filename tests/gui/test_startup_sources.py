"""Start-up keeps no imported module's source text: what PySide6's look at each import left in linecache is dropped."""

from __future__ import annotations

import asyncio
import linecache

import connmgr.listing.rows
from connmgr.gui.startup.assembly import build_app
from connmgr.oauth.client import OAuthClient
from connmgr.storage import LocalStore
from tests.storage.fakes import FixedDataKey


def test_phase_two_drops_the_sources_linecache_holds(qtbot, qasync_loop, tmp_path) -> None:
    source = connmgr.listing.rows.__file__
    assert linecache.getlines(source)  # now held, as PySide6's look at each import leaves a module's source
    home = tmp_path / "home"
    home.mkdir(mode=0o700)
    asyncio.events._set_running_loop(qasync_loop)  # the store watches its file from the loop, as the window's does
    try:
        with LocalStore(home, FixedDataKey(home)) as store:
            app = build_app(store, OAuthClient())
            qtbot.addWidget(app.window)
            assert source not in linecache.cache
    finally:
        asyncio.events._set_running_loop(None)
