"""A sign-in that does not connect returns to the Connect dialog with every value, and says why beside the field.

Driven end to end: the real window and dialog on the qasync loop, the real sign-in window, the vendor simulators
and the OpenID provider. Each test fills the form as a person does, advanced endpoints and secrets included, and
compares everything the dialog holds before and after.
"""

from __future__ import annotations

import json

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QCheckBox,
    QDialogButtonBox,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QToolButton,
)

from connmgr.gui.connect import ConnectDialog
from tests.gui.connect_driver import Driver
from tests.simulators.fixtures import CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME
from tests.simulators.ioffice import LOGIN_PATH
from tests.simulators.vcita import TOKEN_PATH
from tests.support.oidc_fixtures import ACME, VAULT_SERVICE


def submit(d: Driver) -> dict[str, object]:
    """Press the primary button; returns what the dialog held as it was pressed."""
    assert d.primary.isEnabled(), d.message
    before = d.state()
    d.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)
    assert not d.primary.isEnabled()  # busy until the attempt ends
    return before


def vcita(desktop, sim, *, secret: str | None = None, client_id: str = CLIENT_ID) -> Driver:
    """vcita's form with its secret, and its API endpoints pasted under Advanced."""
    d = desktop.start_connect()
    d.choose_vendor("vcita / inTandem")
    fields = {"brand_host": sim.base_url, "client_id": client_id, "redirect_uri": REDIRECT_URI}
    fields["client_secret"] = secret or sim.clients[CLIENT_ID].client_secret
    advanced = {"api_host": sim.base_url, "token_url": f"{sim.base_url}/oauth/token"}
    d.fill("Acme bookings", fields, advanced=advanced | {"userinfo_url": f"{sim.base_url}/oauth/userinfo"})
    return d


def vaultre(desktop, sim, *, api_key: str | None = None) -> Driver:
    d = desktop.start_connect()
    d.choose_vendor("VaultRE")
    d.click(QRadioButton, "token_kind:user")
    fields = {"client_id": CLIENT_ID, "api_key": api_key or sim.api_key, "redirect_uri": REDIRECT_URI}
    d.fill("Harbourside", fields, advanced={"login_host": sim.base_url, "api_host": sim.base_url})
    return d


def no_connect_dialog() -> bool:
    return not [w for w in QApplication.topLevelWidgets() if isinstance(w, ConnectDialog) and w.isVisible()]


def back_with_everything(desktop, d: Driver, before: dict[str, object]) -> None:
    d.ready_again()
    assert d.dialog.isVisible()
    assert d.state() == before
    assert d.primary.isDefault()  # Enter tries again
    assert desktop.model.rowCount() == 0


def sign_in_window_cancel(desktop) -> None:
    from connmgr.gui.signin.window import SignInWindow

    window = desktop.wait_for(SignInWindow)
    cancel = window.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Cancel)
    desktop.qtbot.mouseClick(cancel, Qt.MouseButton.LeftButton)


def test_cancel_returns_every_value_and_the_next_sign_in_connects(desktop, vcita_sim):
    sim = vcita_sim.sim
    d = vcita(desktop, sim)
    before = submit(d)
    desktop.sign_in_page()  # the page has loaded
    sign_in_window_cancel(desktop)
    back_with_everything(desktop, d, before)
    assert d.message == "vcita / inTandem: the sign-in was cancelled; nothing was saved."
    assert d.problems() == {}

    d.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)  # the same values, the secret included, again
    desktop.sign_in_and_press("Allow", USERNAME, PASSWORD)
    desktop.wait_for_row("Acme bookings")
    desktop.wait_idle()
    assert no_connect_dialog()


def test_deny_returns_every_value_and_says_what_the_vendor_said(desktop, vaultre_sim):
    d = vaultre(desktop, vaultre_sim.sim)
    before = submit(d)
    desktop.sign_in_and_press("Cancel", USERNAME, PASSWORD)  # VaultRE's deny button on its consent page
    back_with_everything(desktop, d, before)
    assert d.message == (
        "VaultRE: the sign-in was cancelled or access was denied (User denied request); nothing was saved."
    )
    assert d.problems() == {}


def test_a_sign_in_that_times_out_returns_every_value(desktop, ioffice_sim):
    sim = ioffice_sim.sim
    desktop.app.controller.sign_in_timeout = 1.0
    sim.inject(LOGIN_PATH, status=200, delay=30)
    d = desktop.start_connect()
    d.choose_vendor("iOFFICE")
    d.click(QRadioButton, "flow:password")
    d.fill("Workplace", {"username": "ann", "password": "typed, then not used"})  # kept while hidden
    d.click(QRadioButton, "flow:authorization_code")
    fields = {"site": sim.base_url, "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": "email"}
    for field, value in fields.items():
        d.field(field).clear()
        d.type(field, value)
    d.click(QToolButton, "advanced")
    d.type("token_url", f"{sim.base_url}/external/api/oauth2/token")
    d.type("revoke_url", f"{sim.base_url}/external/api/oauth2/revoke")
    before = submit(d)
    back_with_everything(desktop, d, before)
    assert d.message == "iOFFICE: the sign-in page did not finish within 1 second; try again."


@pytest.mark.parametrize(
    ("how", "field", "vendor_said"),
    [
        ("wrong secret", "client_secret", "rejected the client credentials (“Client authentication failed.”); "
         "check the client ID and secret."),
        ("refused redirect", "redirect_uri", "no longer accepts this grant (“redirect_uri does not match the "
         "authorization.”); sign in again."),
    ],
    ids=["wrong secret", "refused redirect"],
)  # fmt: skip
def test_a_failed_exchange_returns_every_value_and_points_at_the_field(desktop, vcita_sim, how, field, vendor_said):
    sim = vcita_sim.sim
    if how == "refused redirect":
        body = {"error": "invalid_grant", "error_description": "redirect_uri does not match the authorization."}
        sim.inject(TOKEN_PATH, status=400, body=json.dumps(body).encode(), content_type="application/json")
    d = vcita(desktop, sim, secret="a mistyped secret" if how == "wrong secret" else None)
    before = submit(d)
    desktop.sign_in_and_press("Allow", USERNAME, PASSWORD)
    back_with_everything(desktop, d, before)
    assert d.problems() == {field: f"vcita / inTandem: the token endpoint {vendor_said}"}
    assert d.dialog.focusWidget() is d.field(field)
    label = {"client_secret": "Client secret", "redirect_uri": "Redirect URI"}[field]
    assert d.message == f"Not connected: the reason is beside {label}."  # said once, where it belongs


def test_a_refused_who_am_i_points_at_the_api_key(desktop, vaultre_sim):
    d = vaultre(desktop, vaultre_sim.sim, api_key="not-the-api-key")
    before = submit(d)
    desktop.sign_in_and_press("Confirm", USERNAME, PASSWORD)
    back_with_everything(desktop, d, before)
    (field, sentence), *others = d.problems().items()
    assert (field, others) == ("api_key", [])
    assert sentence.startswith("VaultRE: ")
    assert d.dialog.focusWidget() is d.field("api_key")
    d.type("api_key", "x")  # a change takes the sentence away: it was about the value before
    assert d.problems() == {}


@pytest.mark.parametrize(
    ("wrong", "field", "page_said"),
    [
        ("client_id", "client_id", "Unknown client_id."),
        ("redirect_uri", "redirect_uri", "The redirect_uri is not registered for this application."),
    ],
    ids=["unknown client", "unregistered redirect"],
)
def test_back_to_the_settings_from_the_vendors_error_page(desktop, vcita_sim, wrong, field, page_said):
    from connmgr.gui.signin.window import SignInWindow

    sim = vcita_sim.sim
    d = vcita(desktop, sim, client_id="someone-else" if wrong == "client_id" else CLIENT_ID)
    if wrong == "redirect_uri":
        d.field("redirect_uri").clear()
        d.type("redirect_uri", "http://127.0.0.1:8765/elsewhere")
    before = submit(d)
    desktop.sign_in_page()
    window = desktop.wait_for(SignInWindow)
    back = next(b for b in window.findChildren(QPushButton) if b.text() == "Back to the settings")
    desktop.qtbot.waitUntil(back.isVisible)
    desktop.qtbot.mouseClick(back, Qt.MouseButton.LeftButton)
    back_with_everything(desktop, d, before)
    assert d.problems() == {
        field: f"vcita / inTandem: the sign-in page said “Something went wrong. {page_said}” (HTTP 400); "
        "check the settings and sign in again."
    }
    assert d.dialog.focusWidget() is d.field(field)


def test_refused_client_credentials_point_at_the_secret(desktop, oidc_server):
    d = desktop.start_connect()
    d.choose_vendor("Docbyte Vault")
    fields = {"account": "acme", "environment": "test", "tenant": ACME, "client_id": VAULT_SERVICE.client_id}
    d.fill("Service", fields | {"client_secret": "not-the-secret"},
            advanced={"issuer": oidc_server.docbyte_issuer(ACME)})  # fmt: skip
    before = submit(d)
    back_with_everything(desktop, d, before)
    (field, sentence), *others = d.problems().items()
    assert (field, others) == ("client_secret", [])
    assert sentence.startswith("Docbyte Vault: the token endpoint rejected the client credentials (“")
    assert d.dialog.focusWidget() is d.field("client_secret")


def test_a_refused_password_returns_it_with_the_vendors_words(desktop, ioffice_sim):
    sim = ioffice_sim.sim
    d = desktop.start_connect()
    d.choose_vendor("iOFFICE")
    d.click(QRadioButton, "flow:password")
    fields = {"site": sim.base_url, "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI}
    d.fill("Workplace", fields | {"username": USERNAME, "password": "not the password"})
    before = submit(d)
    back_with_everything(desktop, d, before)
    assert "Incorrect username or password." in d.message
    assert d.field("password").text() == "not the password"


def test_stopping_a_system_browser_sign_in_keeps_the_choice(desktop, vcita_sim):
    opened: list[str] = []
    desktop.app.controller.open_url = opened.append
    d = vcita(desktop, vcita_sim.sim)
    d.click(QCheckBox, "system_browser")
    before = submit(d)
    desktop.qtbot.waitUntil(lambda: bool(opened))
    assert d.message.startswith("Waiting for the sign-in at vcita / inTandem in your web browser")
    d.qtbot.keyClick(d.dialog, Qt.Key.Key_Escape)  # Cancel while waiting stops waiting, not the dialog
    back_with_everything(desktop, d, before)
    assert d.shown(QCheckBox, "system_browser").isChecked()
    assert d.message == "Stopped before connecting; nothing was saved."
    d.qtbot.keyClick(d.dialog, Qt.Key.Key_Escape)  # now it closes
    desktop.wait_idle()
    assert no_connect_dialog()


def test_a_reconnect_that_fails_keeps_the_name_locked(desktop, vaultre_sim):
    sim = vaultre_sim.sim
    d = vaultre(desktop, sim)
    submit(d)
    desktop.sign_in_and_press("Confirm", USERNAME, PASSWORD)
    desktop.wait_for_row("Harbourside")
    desktop.wait_idle()
    desktop.select("Harbourside")
    desktop.click_toolbar("reconnect")
    d = desktop.connect_dialog()
    before = submit(d)
    sign_in_window_cancel(desktop)
    d.ready_again()
    assert d.state() == before
    assert d.name().isReadOnly() and d.name().text() == "Harbourside"
    assert isinstance(d.field("api_key"), QLineEdit) and d.field("api_key").text() == sim.api_key
