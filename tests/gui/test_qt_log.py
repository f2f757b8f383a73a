"""What Qt and a sign-in page print goes through connmgr's redacting log, never to the terminal as it is."""

from __future__ import annotations

import secrets

from PySide6.QtCore import qInstallMessageHandler

from connmgr.gui.qt_start import log_qt_message
from connmgr.logs import MASK, redact
from tests.gui.webdriver import TIMEOUT_MS

REDIRECT_URI = "https://app.connmgr.test/callback"


def test_a_sign_in_page_printing_a_code_and_a_token_to_its_console_is_logged_redacted(
    qtbot, open_window, web_pages, debug_log
):
    # A vendor's page that gets careless just before it sends the browser back with the code.
    code, token = "code-" + secrets.token_urlsafe(16), "tok-" + secrets.token_urlsafe(16)
    redact(token)
    url = web_pages.put(
        "/authorize",
        f"<script>console.error('redirecting to {REDIRECT_URI}?code={code}&state=s, token {token}')</script>",
    )
    previous = qInstallMessageHandler(log_qt_message)  # as the app's start-up installs it
    try:
        open_window(url, REDIRECT_URI)
        qtbot.waitUntil(lambda: "redirecting to" in debug_log.getvalue(), timeout=TIMEOUT_MS)
    finally:
        qInstallMessageHandler(previous)
    (line,) = [line for line in debug_log.getvalue().splitlines() if "redirecting to" in line]
    assert " qt.js: " in line  # Qt's category names the logger
    assert code not in line and token not in line
    assert f"{REDIRECT_URI}?code={MASK}&state=s, token {MASK}" in line
