"""Render the README's screenshots: the main window (light and dark), the Connect dialog and the sign-in window.

Run under a display (the web view's content is composited by Chromium and only a real screen grab sees it):
    xvfb-run -a -s "-screen 0 1400x900x24" .venv/bin/python scripts/screenshots.py docs/screenshots
The window is staged with made-up connections in every state; the sign-in page is a local vcita simulator. Qt's
GTK platform theme stands in for a desktop, whose colour scheme is turned dark while the window is open, as a
person's desktop setting would. At 200 %: QT_SCALE_FACTOR=2 and a screen of 2800x1800.
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import qasync
from PySide6.QtCore import QEventLoop, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QRadioButton, QScrollArea, QToolBar, QWidget

from connmgr.domain.claims import token_claims
from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.gui.connect import ConnectDialog
from connmgr.gui.history_dialog import HistoryDialog
from connmgr.gui.qt_start import start_application
from connmgr.gui.resources import vendor_icon
from connmgr.gui.startup.assembly import build_app
from connmgr.oauth.client import OAuthClient
from connmgr.storage import LocalStore, PassphraseDataKey
from connmgr.storage.audit import AuditAction
from connmgr.storage.store import ConnectionDatabase
from tests.simulators.vcita import VcitaSimulator

NOW = time.time()
REDIRECT = "http://127.0.0.1:8765/callback"
HOUR, DAY = 3600.0, 86400.0
STAGED = [
    # name, template, flow, account, issued, expires, refresh expires, status, detail
    ("Harbourside Realty", "vaultre", "authorization_code", "Harbourside Realty", NOW - 40 * DAY, None, None,
     Status.CONNECTED, ""),
    ("Acme bookings", "vcita", "authorization_code", "bookings@acme.example", NOW - 3 * DAY, NOW + 7300 * DAY, None,
     Status.CONNECTED, ""),
    ("Northwind workplace", "ioffice", "authorization_code", "facilities@northwind.example", NOW - 0.3 * HOUR,
     NOW + 0.7 * HOUR, None, Status.CONNECTED, ""),
    ("Contoso vault (service)", "docbyte", "client_credentials", "contoso", NOW - 250, NOW + 50, None,
     Status.CONNECTED, ""),
    ("Contoso vault (Dana)", "docbyte", "authorization_code", "contoso", NOW - 120, NOW + 180, NOW + 1680,
     Status.CONNECTED, ""),
    ("Fabrikam SSO", "oidc", "authorization_code", "it@fabrikam.example", NOW - 2 * DAY, NOW - 1 * DAY, None,
     Status.NEEDS_SIGN_IN, "Fabrikam SSO: the token endpoint no longer accepts this grant; sign in again."),
    ("Tailspin workplace", "eptura", "authorization_code", "ops@tailspin.example", NOW - 0.5 * HOUR, NOW + 0.5 * HOUR,
     None, Status.CONNECTED, ""),
    ("Old office", "vaultre", "authorization_code", "Old Office Pty", NOW - 90 * DAY, None, None, Status.REVOKED, ""),
]  # fmt: skip


ACTOR = "dana@dana-laptop"  # the staged person, not whoever renders the screenshots
HISTORY = [  # what was done to Northwind workplace: action, how long ago, detail
    (AuditAction.CONNECT, 9 * DAY, ""),
    (AuditAction.REFRESH, 8.96 * DAY, ""),
    (AuditAction.EXPORT, 6 * DAY, "/home/dana/clients/northwind/.env"),
    (AuditAction.COPY, 2 * DAY, "curl"),
    (AuditAction.CHECK, 1.2 * HOUR, "HTTP 200 in 212 ms, as facilities@northwind.example"),
    (AuditAction.REFRESH, 0.3 * HOUR, ""),
]

STAGED_VALUES = {
    "vaultre": {"redirect_uri": "https://app.example.com/oauth/vaultre"},
    "vcita": {"redirect_uri": "https://app.example.com/oauth/vcita"},
    "ioffice": {"site": "https://northwind.iofficeconnect.com", "redirect_uri": "https://app.example.com/oauth/io"},
    "eptura": {"site": "https://tailspin.iofficeconnect.com", "redirect_uri": "https://app.example.com/oauth/io"},
    "docbyte": {"account": "contoso", "environment": "prod", "tenant": "contoso",
                "redirect_uri": "https://app.example.com/oauth/vault"},
    "oidc": {"issuer": "https://sso.fabrikam.example", "redirect_uri": "https://app.example.com/oauth/sso"},
}  # fmt: skip


def settle(ms: int = 300) -> None:
    loop = QEventLoop()
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def shoot(widget: QWidget, path: Path) -> None:
    """A real screen grab of the window, so web content is in it too."""
    widget.raise_()
    widget.activateWindow()
    settle()
    screen = widget.screen() or QGuiApplication.primaryScreen()
    screen.grabWindow(widget.winId()).save(str(path))
    print(f"wrote {path}")


def shoot_area(window: QWidget, width: int, height: int, path: Path) -> None:
    """The top left of the screen under `window`, `width` by `height`: what a popped-up menu covers too."""
    screen = QGuiApplication.primaryScreen()
    origin = window.mapToGlobal(window.rect().topLeft())
    screen.grabWindow(0, origin.x(), origin.y(), width, height).save(str(path))


def _jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def stage(store: ConnectionDatabase) -> None:
    for index, (name, template, flow, account, issued, expires, refresh_expires, status, detail) in enumerate(STAGED):
        connection = Connection(
            id=f"staged{index}",
            name=name,
            template_id=template,
            flow=flow,
            values={"client_id": "staged-client", **STAGED_VALUES.get(template, {})},
            account=account,
            issued_at=issued,
            expires_at=expires,
            refresh_expires_at=refresh_expires,
            has_refresh_token=refresh_expires is not None or template in ("ioffice", "eptura"),
            status=status,
            status_detail=detail,
            created_at=issued,
            updated_at=issued,
        )
        store.save(connection, Secrets(access_token="staged-token"))


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("QT_QPA_PLATFORMTHEME", "gtk3")  # before Qt starts: a desktop's theme, scheme and all
    app = start_application()
    with tempfile.TemporaryDirectory() as folder, VcitaSimulator() as sim:
        home = Path(folder)
        store = LocalStore(home, PassphraseDataKey(home, "screenshots"))
        stage(store.database)  # before the loop runs: sealing asks for the data key, which never happens on the loop
        asyncio.set_event_loop(qasync.QEventLoop(app, already_running=True))
        assembled = build_app(store, OAuthClient())
        window = assembled.window
        window.resize(1280, 560)
        window.show()
        window.model.rows.set_busy("Tailspin workplace", True)
        window.spinner.set_running(True)
        window.select("Northwind workplace")
        shoot(window, out / "main-window.png")
        app.styleHints().setColorScheme(Qt.ColorScheme.Dark)
        settle()
        shoot(window, out / "main-window-dark.png")
        app.styleHints().setColorScheme(Qt.ColorScheme.Light)
        settle()

        dialog = ConnectDialog(assembled.connections.catalog, vendor_icon, [], window)
        dialog.show()
        from tests.gui.connect_driver import Driver

        class Bot:  # Driver's clicks go through QTest, which needs no pytest-qt here
            @staticmethod
            def mouseClick(widget, button, pos=None):
                from PySide6.QtTest import QTest

                QTest.mouseClick(widget, button, Qt.KeyboardModifier.NoModifier, pos)

            @staticmethod
            def keyClicks(widget, text):
                from PySide6.QtTest import QTest

                QTest.keyClicks(widget, text)

        person = Driver(Bot(), dialog)
        person.choose_vendor("VaultRE")
        person.type("client_id", "harbourside-integration")
        person.type("redirect_uri", "https://app.example.com/oauth/vaultre")
        Bot.keyClicks(person.name(), "Harbourside Realty")
        shoot(dialog, out / "connect-dialog.png")
        person.choose_vendor("OpenID Connect (generic)")
        person.click(QRadioButton, "flow:device_code")
        person.type("issuer", "https://login.fabrikam.example")
        person.type("client_id", "connmgr-cli")
        settle()
        shoot(dialog, out / "connect-dialog-device.png")
        dialog.close()

        # The token as used: the Copy button's menu, and what a JWT access token says of itself.
        window.select("Contoso vault (service)")
        settle()
        button = window.findChild(QToolBar, "actions").widgetForAction(window.actions_["copy"])
        menu = window.actions_.copy_as
        menu.popup(button.mapToGlobal(button.rect().bottomLeft()))
        settle()
        corner = window.mapFromGlobal(menu.geometry().bottomRight())
        shoot_area(window, corner.x() + 8, corner.y() + 8, out / "copy-as-menu.png")
        menu.hide()
        claims = {"exp": int(NOW + 50), "iat": int(NOW - 250), "iss": "https://keycloak.contoso.prod.docbyte.cloud/realms/contoso",
                  "aud": "vault-api", "azp": "contoso-integration", "scope": "profile email", "tenant": "contoso",
                  "realm_access": {"roles": ["vault-reader", "vault-writer"]}}  # fmt: skip
        token = _jwt(claims)
        window.details.reveal(
            "Contoso vault (service)", Secrets(access_token=token), token_claims(None, token, NOW + 50)
        )
        settle()
        window.details.findChild(QScrollArea).ensureWidgetVisible(window.details.access_claims)
        settle()
        shoot(window, out / "details-claims.png")

        # A connection's history, as the audit log keeps it.
        northwind = store.database.get("Northwind workplace")
        for action, ago, detail in HISTORY:
            store.database.append_audit(action, [northwind], actor=ACTOR, at=NOW - ago, detail=detail)
        window.select("Northwind workplace")
        window.actions_["history"].trigger()
        deadline = time.monotonic() + 15
        while not (shown := [d for d in window.findChildren(HistoryDialog) if d.isVisible()]):
            settle(50)
            if time.monotonic() > deadline:
                raise SystemExit("the history did not open")
        settle()
        shoot(shown[0], out / "history.png")
        shown[0].close()

        from connmgr.gui.signin.window import SignInWindow

        sim.register_client("demo", [REDIRECT])
        query = urlencode({"client_id": "demo", "redirect_uri": REDIRECT, "response_type": "code", "state": "demo"})
        signin = SignInWindow(f"{sim.base_url}/app/oauth/authorize?{query}", REDIRECT, "vcita / inTandem")
        signin.resize(560, 640)
        signin.show()
        deadline = time.monotonic() + 15
        while signin.page.isLoading() or signin.page.url().isEmpty():
            settle(100)
            if time.monotonic() > deadline:
                raise SystemExit("the sign-in page did not load")
        settle(600)
        shoot(signin, out / "sign-in-window.png")
        signin.reject()
        window.close()
        store.close()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
