"""Fixtures for the GUI tests: Qt offscreen, small local web servers, and sign-in windows checked at teardown."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QtMsgType, qInstallMessageHandler

from connmgr.gui.qt_start import QT_NOISE
from connmgr.gui.signin.window import SignInWindow
from tests.simulators.server import LocalServer
from tests.simulators.wire import Request, Response

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Any other Qt warning fails a GUI test, as qutebrowser's tests do."""
    for item in items:
        if HERE in item.path.parents:
            item.add_marker(pytest.mark.qt_log_level_fail("WARNING"))
            # What Qt says without a display or GPU. The app drops it with a message handler of its own, which
            # pytest-qt's takes the place of while a test runs.
            item.add_marker(pytest.mark.qt_log_ignore(*("^" + re.escape(noise) for noise in QT_NOISE)))


class WebPages:
    """A local web server answering each path with a page the test put there."""

    def __init__(self) -> None:
        self._pages: dict[str, Response] = {}
        self._server = LocalServer(self._answer)
        self.base_url = self._server.base_url

    def __enter__(self) -> WebPages:
        self._server.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.stop()

    def _answer(self, request: Request) -> Response:
        return self._pages.get(request.path, Response(404, b"<h1>Not found</h1>", "text/html"))

    def put(self, path: str, html: str, *, status: int = 200, headers: dict[str, str] | None = None) -> str:
        """Serve `html` at `path`; returns its URL."""
        self._pages[path] = Response(status, html.encode(), "text/html; charset=utf-8", dict(headers or {}))
        return self.base_url + path


@pytest.fixture
def web_pages() -> Iterator[WebPages]:
    with WebPages() as pages:
        yield pages


OpenWindow = Callable[..., SignInWindow]


@pytest.fixture
def open_window(qtbot) -> Iterator[OpenWindow]:
    """Open sign-in windows; at teardown close them, wait until every page and profile is deleted,
    and fail on any Qt warning meanwhile (pytest-qt stops watching Qt's log before teardown)."""
    opened: list[SignInWindow] = []
    released: list[list[str]] = []  # per window, what was deleted, in order

    def open_(authorize_url: str, redirect_uri: str, vendor: str = "Acme", **options: object) -> SignInWindow:
        window = SignInWindow(authorize_url, redirect_uri, vendor, **options)
        qtbot.addWidget(window)
        deleted: list[str] = []
        # Connected to the objects, not holding them: nothing here keeps a page or profile alive.
        window.page.destroyed.connect(lambda: deleted.append("page"))
        window.page.private_profile.destroyed.connect(lambda: deleted.append("profile"))
        released.append(deleted)
        window.show()
        opened.append(window)
        return window

    yield open_

    warnings: list[str] = []

    def collect(kind: QtMsgType, _context: object, message: str) -> None:
        if kind != QtMsgType.QtDebugMsg and kind != QtMsgType.QtInfoMsg:
            warnings.append(message)

    previous = qInstallMessageHandler(collect)
    try:
        for window in opened:
            window.close()
        qtbot.waitUntil(lambda: all(len(deleted) == 2 for deleted in released), timeout=5000)
    finally:
        qInstallMessageHandler(previous)
    assert all(deleted == ["page", "profile"] for deleted in released), released
    assert not [w for w in warnings if not w.startswith(QT_NOISE)], warnings
