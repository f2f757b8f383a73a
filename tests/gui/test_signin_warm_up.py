"""The web engine warms up while the Connect dialog is open, and the sign-in that follows runs in it.

In this test process other tests have long loaded QtWebEngine, so what the warm-up changes in a fresh process
(nothing loaded at start-up, Chromium started before any sign-in window) is checked in one of its own:
warm_start_probe.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from connmgr.gui.signin.warm_up import WebEngineWarmUp
from connmgr.gui.signin.window import SignInWindow
from tests.gui.desktop import TIMEOUT_MS
from tests.gui.redirect_host import OtherHosts, other_hosts_stand_in
from tests.gui.webdriver import PageDriver

ROOT = Path(__file__).parents[2]
APP_HOST = "app.connmgr.test"  # the redirect host; the stand-in for other hosts answers for it
REDIRECT_URI = f"http://{APP_HOST}/cb"
ALLOW_PAGE = """<!DOCTYPE html><title>Sign in - Acme</title><h1>Allow connmgr?</h1>
<button onclick="location.replace('{redirect}?code=abc&state=' +
  new URLSearchParams(location.search).get('state') + '#session_state=s1')">Allow</button>"""


@pytest.fixture
def other_hosts() -> Iterator[OtherHosts]:
    with other_hosts_stand_in() as stand_in:
        yield stand_in


def windows_on_screen() -> list[str]:
    """The windows the window system is asked to show, by their titles."""
    return sorted(w.title() for w in QGuiApplication.topLevelWindows() if w.isVisible())


def test_the_connect_dialog_warms_the_engine_off_screen_and_loads_nothing_from_the_network(desktop, other_hosts):
    warm_up = desktop.app.controller.web_engine
    assert not warm_up.is_warm  # nothing before the dialog
    d = desktop.start_connect()
    d.qtbot.waitUntil(lambda: d.dialog.isAncestorOf(QApplication.focusWidget()), timeout=TIMEOUT_MS)
    focused, shown = QApplication.focusWidget(), windows_on_screen()
    desktop.qtbot.waitUntil(lambda: warm_up.view is not None, timeout=TIMEOUT_MS)  # loading its empty page
    assert windows_on_screen() == shown  # its view is never on screen
    desktop.qtbot.waitUntil(lambda: warm_up.is_warm, timeout=TIMEOUT_MS)
    assert warm_up.view is None  # its view, page and profile dropped once warm
    assert QApplication.focusWidget() is focused  # the person types on
    assert other_hosts.requests_for(APP_HOST) == [] and other_hosts.requests_for("") == []


def test_a_sign_in_after_the_warm_up_catches_the_query_and_fragment(desktop, web_pages, other_hosts):
    authorize_url = web_pages.put("/authorize", ALLOW_PAGE.format(redirect=REDIRECT_URI))
    with desktop.qtbot.waitSignal(desktop.app.controller.web_engine.warm, timeout=TIMEOUT_MS):
        d = desktop.start_connect()
    d.choose_vendor("OAuth 2.0 (generic)")
    fields = {"client_id": "acme-desk", "authorize_url": authorize_url, "redirect_uri": REDIRECT_URI}
    d.fill("Acme", fields | {"token_url": f"{web_pages.base_url}/token"})
    d.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)
    window = desktop.wait_for(SignInWindow)
    assert isinstance(window, SignInWindow)
    person = PageDriver(desktop.qtbot, window.page)
    person.wait_for_page()
    with desktop.qtbot.waitSignal(window.redirect_received, timeout=TIMEOUT_MS) as caught:
        person.click("Allow")
    url = caught.args[0]
    assert url.startswith(f"{REDIRECT_URI}?code=abc&state=") and url.endswith("#session_state=s1")
    assert other_hosts.requests_for(APP_HOST) == []


def test_closing_the_dialog_mid_warm_up_drops_its_page_and_the_next_dialog_warms_up(desktop):
    warm_up = desktop.app.controller.web_engine
    d = desktop.start_connect()
    desktop.qtbot.waitUntil(lambda: warm_up.view is not None, timeout=TIMEOUT_MS)  # loading its empty page
    page, gone = warm_up.view.page(), []
    page.destroyed.connect(lambda: gone.append("page"))
    page.profile().destroyed.connect(lambda: gone.append("profile"))
    cancel = d.dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    d.qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)
    desktop.qtbot.waitUntil(lambda: len(gone) == 2, timeout=TIMEOUT_MS)
    assert gone == ["page", "profile"]  # in the order QtWebEngine needs, without a warning (conftest)
    assert not warm_up.is_warm and warm_up.view is None
    assert windows_on_screen() == [desktop.window.windowTitle()]
    with desktop.qtbot.waitSignal(warm_up.warm, timeout=TIMEOUT_MS):
        desktop.start_connect()


def test_in_a_fresh_process_the_engine_starts_with_the_dialog_and_the_sign_in_runs_in_it(web_pages, tmp_path):
    authorize_url = web_pages.put("/authorize", ALLOW_PAGE.format(redirect=REDIRECT_URI))
    done = subprocess.run(
        [sys.executable, "-m", "tests.gui.warm_start_probe", str(tmp_path / "home"), authorize_url, REDIRECT_URI],
        cwd=ROOT,  # where -m finds tests.gui
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    seen = json.loads(done.stdout.splitlines()[-1])
    assert seen["web_engine_at_first_paint"] is False
    assert seen["web_engine_with_dialog_painted"] is False  # the dialog is drawn before the warm-up starts
    assert seen["warm_before_sign_in"] is True
    assert seen["engine_helpers_before_sign_in"]  # Chromium's processes, with no sign-in window yet
    # The sign-in page's renderer was started by a process of the engine the warm-up started.
    assert set(seen["renderer_ancestors"]) & set(seen["engine_helpers_before_sign_in"])
    assert seen["redirect"].endswith("#session_state=s1") and "?code=abc&state=" in seen["redirect"]


def test_a_warm_up_deleted_mid_way_takes_its_off_screen_view_along(qtbot):
    owner = QObject()
    warm_up = WebEngineWarmUp(owner)
    warm_up.start()
    qtbot.waitUntil(lambda: warm_up.view is not None, timeout=TIMEOUT_MS)
    view, gone = warm_up.view, []
    view.destroyed.connect(lambda: gone.append("view"))
    view.page().destroyed.connect(lambda: gone.append("page"))
    view.page().profile().destroyed.connect(lambda: gone.append("profile"))
    owner.deleteLater()  # the window and its controller going, the warm-up with them
    qtbot.waitUntil(lambda: len(gone) == 3, timeout=TIMEOUT_MS)
    assert gone == ["view", "page", "profile"]
