"""The background checks as the window wires them: an answer shows under "Last check" and in the notifications, and
a vcita token revoked at the vendor, found when the window is focused after idling, notifies that it needs the
person."""

from __future__ import annotations

import asyncio
import re
import time
from random import Random

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QLabel

from connmgr.domain.health_schedule import IDLE_S
from connmgr.gui.health import watch_health
from tests.gui.desktop import TIMEOUT_MS
from tests.gui.test_details_pane import rows
from tests.services.test_revocation import connect_vcita


class Soonest(Random):
    """Jitter that always draws the earliest moment, so that a check due "within seconds" is due now."""

    def uniform(self, a: float, b: float) -> float:
        return a


def background(controller) -> list[str]:
    return [event.text for event in controller.events.events() if "in the background" in event.text]


def test_a_revocation_found_after_idling_notifies_that_the_connection_needs_you(desktop, vcita_sim):
    app, connections, controller = QGuiApplication.instance(), desktop.app.connections, desktop.app.controller
    notified: list[tuple[str, str]] = []
    controller.notify = lambda title, text: notified.append((title, text))
    connecting = asyncio.ensure_future(connect_vcita(connections, vcita_sim))
    desktop.qtbot.waitUntil(connecting.done, timeout=TIMEOUT_MS)
    desktop.select("Front desk")
    now = [time.time()]
    watch = watch_health(app, connections, controller, rng=Soonest(), wall=lambda: now[0])
    watch.start()
    try:
        desktop.qtbot.waitUntil(lambda: bool(background(controller)), timeout=TIMEOUT_MS)
        (said,) = background(controller)
        assert re.fullmatch(r"Checked Front desk in the background: HTTP 200 in \d+ ms, as alice@example\.com\.", said)
        _, answer = rows(desktop.window.details.summary)["Last check"].findChildren(QLabel)
        assert re.fullmatch(r"HTTP 200 in \d+ ms, as alice@example\.com", answer.text())
        front_desk = connecting.result()
        desktop.qtbot.waitUntil(lambda: watch.due_times().get(front_desk.id, 0) > now[0], timeout=TIMEOUT_MS)
        assert vcita_sim.sim.revoke_token(connections.store.database.secrets("Front desk").access_token)

        app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationInactive)
        now[0] += IDLE_S
        app.applicationStateChanged.emit(Qt.ApplicationState.ApplicationActive)
        desktop.qtbot.waitUntil(lambda: bool(notified), timeout=TIMEOUT_MS)

        ((title, text),) = notified
        assert title == "Front desk needs you" and "The access token is invalid, expired or revoked." in text
        row = desktop.model.rows.position_of("Front desk")
        assert row is not None and desktop.model.rows.connection(row).status.value == "needs_sign_in"
    finally:
        stopping = asyncio.ensure_future(watch.stop())
        desktop.qtbot.waitUntil(stopping.done, timeout=TIMEOUT_MS)
