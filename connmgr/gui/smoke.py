"""`CONNMGR_SMOKE_TEST=URL connmgr`: the self-check that packaging/smoke-test runs against a built app.

It opens the real connections window over the data directory, then a real sign-in window at URL, waits for the
page to load and exits 0, printing one `smoke:` line per step; on a failure, or after 60 s, it prints the reason
and exits 1. A loaded page proves that the build carries what a frozen app most easily loses: Qt's platform
plugins, the compiled icons, the TOML templates, keyring's backends, and QtWebEngine's helper process,
resources and locales. Nothing is signed in or saved: the window is closed as soon as the page is there.
"""

from __future__ import annotations

import asyncio
from importlib.metadata import entry_points
from pathlib import Path

from connmgr import logs
from connmgr.domain.durations import in_words
from connmgr.domain.errors import ConnmgrError
from connmgr.gui.first_signal import FirstSignal
from connmgr.gui.main_window import MainWindow
from connmgr.gui.qt_start import start_qt
from connmgr.gui.startup.assembly import app_behind
from connmgr.gui.startup.window import build_window, open_store
from connmgr.storage.interface import ConnectionStore
from connmgr.templates import load_catalog

TIMEOUT_S = 60
# The sign-in window's redirect address; nothing in a smoke test goes there.
_REDIRECT_URI = "http://127.0.0.1:9/connmgr-smoke-test"


class SmokeFailure(Exception):
    pass


def _say(line: str) -> None:
    print(f"smoke: {line}", flush=True)


def _keyring_backends() -> list[str]:
    # keyring finds its backends (Secret Service, Keychain, Credential Manager, ...) through its package metadata's
    # entry points: a build without that metadata has none, and connmgr would offer a passphrase instead.
    names = []
    for backend in entry_points(group="keyring.backends"):
        backend.load()
        names.append(backend.name)
    return sorted(names)


async def _check(store: ConnectionStore, home: Path, window: MainWindow, url: str) -> None:
    from connmgr.gui.signin.window import SignInWindow  # loads QtWebEngine, as the first sign-in does

    _say(f"templates: {', '.join(t.id for t in load_catalog().catalog)}")
    _say(f"keyring backends: {', '.join(_keyring_backends())}")
    async with app_behind(window, store, home) as assembled:
        assembled.window.show()
        _say("main window shown")
        loaded = FirstSignal[str]()
        signin = SignInWindow(url, _REDIRECT_URI, "the smoke test", parent=assembled.window)
        signin.failed.connect(lambda sentence: loaded.fail(SmokeFailure(sentence)))
        signin.page.loadFinished.connect(
            lambda ok: (
                loaded.set(signin.page.title()) if ok else loaded.fail(SmokeFailure(f"the page at {url} did not load"))
            )
        )
        # Deleted last, after its page (as QtWebEngine needs): once it is gone, so is everything the window held.
        freed = FirstSignal[None]()
        signin.page.private_profile.destroyed.connect(lambda: freed.set(None))
        signin.show()
        try:
            _say(f"sign-in page loaded: {await loaded}")
        finally:
            signin.reject()  # closes the window and frees its web page and profile
            assembled.window.close()
            await freed


def run(url: str, home: Path) -> int:
    logs.configure()
    try:
        _, loop = start_qt()
    except ConnmgrError as exc:  # a build without the libraries its window-system plugin needs
        _say(f"failed: {exc.sentence}")
        return 1
    store = open_store(home)  # as the app does; listing connections never touches the keyring
    if store is None:
        _say("failed: no passphrase was given")
        return 1
    try:
        with loop:
            window = build_window(store)
            loop.run_until_complete(asyncio.wait_for(_check(store, home, window, url), TIMEOUT_S))
    except TimeoutError:
        _say(f"failed: not done after {in_words(TIMEOUT_S)}")
        return 1
    except Exception as exc:  # any failure is the answer; the smoke test reads it here
        _say(f"failed: {exc}")
        return 1
    finally:
        store.close()
    _say("done")
    return 0
