"""The app as start-up puts it together (gui.startup): the tray that closing the window hides it in, and the refresh
scheduler, whose news the window and the tray tell."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from connmgr.gui.qt_start import QT_NOISE
from tests.gui.desktop import TIMEOUT_MS
from tests.gui.test_main_window import fill
from tests.simulators.fixtures import CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME
from tests.simulators.ioffice import TOKEN_PATH


# Besides the noise every GUI test ignores (conftest), Qt's fallback tray icon looking for a tray the offscreen
# platform does not have.
@pytest.mark.qt_log_ignore(
    *("^" + re.escape(noise) for noise in QT_NOISE),
    "^QObject::connect: No such signal QPlatformNativeInterface::systemTrayWindowChanged",
)
def test_while_the_tray_icon_shows_closing_the_window_only_hides_it(desktop):
    window, tray = desktop.window, desktop.app.tray
    closed: list[bool] = []
    window.closing.connect(lambda: closed.append(True))
    tray.icon.show()  # as `Tray.start` does where the platform has a tray (offscreen has none)
    try:
        window.close()
        assert not window.isVisible()
        assert closed == []  # the app goes on, refreshing
        assert desktop.message() == "connmgr keeps your connections fresh from the tray."
        assert "geometry=" in Path(window.settings.fileName()).read_text()  # kept as on closing
    finally:
        tray.icon.hide()
    window.show()
    window.close()
    assert closed == [True]  # without the icon, closing the window ends the app


def test_a_scheduled_refresh_that_fails_is_told_in_the_window_and_the_notifications(desktop, ioffice_sim, qtbot):
    ioffice_sim.sim.access_token_ttl_ms = 4_000  # due for a refresh within seconds of connecting
    fill(desktop.start_connect(), "iOFFICE", "Workplace",
         {"site": ioffice_sim.sim.base_url, "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI})  # fmt: skip
    desktop.sign_in_page().sign_in(USERNAME, PASSWORD)
    desktop.wait_for_row("Workplace")
    desktop.wait_idle()
    ioffice_sim.sim.inject(TOKEN_PATH, status=200, body=b"{}", content_type="application/json")
    controller, scheduler = desktop.app.controller, desktop.app.scheduler
    scheduler.start()  # the app's own scheduler, reporting to the app's own controller
    try:
        qtbot.waitUntil(lambda: controller.events.failures == 1, timeout=TIMEOUT_MS)
    finally:
        stopping = asyncio.ensure_future(scheduler.stop())
        qtbot.waitUntil(stopping.done, timeout=TIMEOUT_MS)
    failure = controller.events.events()[-1]
    assert failure.failed and failure.connection == "Workplace"
    assert "carries no access token" in failure.text
    assert desktop.message() == failure.text  # the tray's notification, which the status bar says too
