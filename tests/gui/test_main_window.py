"""The window end to end, as a person uses it: connect by clicking, watch it tick, use every row action."""

from __future__ import annotations

import json
import stat
import subprocess

import pytest
from dotenv import dotenv_values
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QFormLayout, QInputDialog, QLabel, QLineEdit, QMenu, QRadioButton, QToolButton

from connmgr.listing import Column
from tests.gui.desktop import TIMEOUT_MS
from tests.simulators.fixtures import CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME
from tests.support.oidc_fixtures import ACME, ALICE, APP_REDIRECT_URI, GENERIC_APP, VAULT_DESKTOP, VAULT_SERVICE
from tests.support.secrets import leaked


def fill(d, vendor: str, name: str, fields: dict[str, str], *, advanced: dict[str, str] | None = None) -> None:
    d.choose_vendor(vendor)
    d.fill(name, fields, advanced=advanced)
    assert d.primary.isEnabled(), d.message
    d.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)


def test_a_new_user_sees_what_to_do_first(desktop):
    assert desktop.window.pages.currentWidget() is desktop.window.empty
    desktop.qtbot.waitExposed(desktop.window)
    explanation = [label for label in desktop.window.empty.findChildren(QLabel) if label.wordWrap()]
    assert explanation
    for label in explanation:  # every wrapped line shows, none cut off
        assert label.height() >= label.heightForWidth(label.width())
    desktop.qtbot.mouseClick(desktop.window.empty.button, Qt.MouseButton.LeftButton)
    d = desktop.connect_dialog()
    d.dialog.reject()
    desktop.wait_idle()
    assert desktop.model.rowCount() == 0


def fill_vcita(desktop, sim, name):
    fill(
        desktop.start_connect(), "vcita / inTandem", name,
        {"brand_host": sim.base_url, "client_id": CLIENT_ID, "client_secret": sim.clients[CLIENT_ID].client_secret,
         "redirect_uri": REDIRECT_URI},
        advanced={"api_host": sim.base_url},
    )  # fmt: skip


def fill_vaultre(d, sim, name="Harbourside"):
    fill(d, "VaultRE", name, {"client_id": CLIENT_ID, "api_key": sim.api_key, "redirect_uri": REDIRECT_URI},
         advanced={"login_host": sim.base_url, "api_host": sim.base_url})  # fmt: skip


def sign_in_vcita(desktop, sim, name="Acme bookings"):
    fill_vcita(desktop, sim, name)
    desktop.sign_in_and_press("Allow", USERNAME, PASSWORD)


def test_point_and_click_sign_in_at_vcita(desktop, vcita_sim):
    sign_in_vcita(desktop, vcita_sim.sim)
    desktop.wait_for_row("Acme bookings")
    desktop.wait_idle()
    assert desktop.cell("Acme bookings", Column.ACCOUNT) == "alice@example.com"
    assert desktop.cell("Acme bookings", Column.STATUS) == "Connected"
    assert desktop.cell("Acme bookings", Column.EXPIRES).startswith("20y")
    assert [c.name for c in desktop.window.selected_connections()] == ["Acme bookings"]  # the new row is highlighted
    assert "as alice@example.com" in desktop.message()


@pytest.mark.parametrize("kind", ["Account (third-party) token", "User token"])
def test_point_and_click_sign_in_at_vaultre(desktop, vaultre_sim, kind):
    sim = vaultre_sim.sim
    d = desktop.start_connect()
    d.choose_vendor("VaultRE")
    d.click(QRadioButton, f"token_kind:{'account' if kind.startswith('Account') else 'user'}")
    fill_vaultre(d, sim)
    desktop.sign_in_and_press("Confirm", USERNAME, PASSWORD)
    desktop.wait_for_row("Harbourside")
    desktop.wait_idle()
    expected = "Harbourside Realty" if kind.startswith("Account") else "alice@example.com"
    assert desktop.cell("Harbourside", Column.ACCOUNT) == expected
    assert desktop.cell("Harbourside", Column.EXPIRES) == "never expires"


@pytest.mark.parametrize(("vendor", "redirect_mode"), [("iOFFICE", "http"), ("Eptura Workplace", "javascript")])
def test_point_and_click_sign_in_with_the_code_in_the_fragment(
    desktop, request, vendor, redirect_mode, debug_log, qtlog, capfd
):
    seeded = request.getfixturevalue("ioffice_sim" if vendor == "iOFFICE" else "eptura_sim")
    seeded.sim.redirect_mode = redirect_mode
    fill(desktop.start_connect(), vendor, "Workplace",
         {"site": seeded.sim.base_url, "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI})  # fmt: skip
    desktop.sign_in_page().sign_in(USERNAME, PASSWORD)
    desktop.wait_for_row("Workplace")
    desktop.wait_idle()
    assert desktop.cell("Workplace", Column.ACCOUNT) == "alice@example.com"
    assert desktop.cell("Workplace", Column.EXPIRES).startswith(("59m", "1h"))
    # Neither the debug log, nor Qt and the page's console (before any redaction), nor Chromium's own output
    # shows the callback URL's code or a token.
    printed = debug_log.getvalue() + "\n".join(r.message for r in qtlog.records) + "".join(capfd.readouterr())
    assert "DEBUG connmgr.oauth: POST" in printed
    assert leaked([*seeded.sim.issued_secrets(), PASSWORD], printed, prefixes=seeded.sim.secret_prefixes) == []


def test_point_and_click_sign_in_at_docbyte(desktop, oidc_server):
    d = desktop.start_connect()
    d.choose_vendor("Docbyte Vault")
    d.click(QRadioButton, "flow:authorization_code")
    fill(d, "Docbyte Vault", "Acme vault",
         {"account": "acme", "environment": "test", "tenant": ACME, "client_id": VAULT_DESKTOP.client_id,
          "redirect_uri": APP_REDIRECT_URI},
         advanced={"issuer": oidc_server.docbyte_issuer(ACME)})  # fmt: skip
    desktop.sign_in_and_press("Allow", ALICE.username, ALICE.password)
    desktop.wait_for_row("Acme vault")
    desktop.wait_idle()
    assert desktop.cell("Acme vault", Column.ACCOUNT) == ACME
    assert "(sign-in 29m" in desktop.cell("Acme vault", Column.EXPIRES) or "(sign-in 30m" in desktop.cell(
        "Acme vault", Column.EXPIRES
    )


def test_point_and_click_sign_in_at_a_generic_oidc_provider(desktop, oidc_server):
    fill(desktop.start_connect(), "OpenID Connect (generic)", "Generic",
         {"issuer": oidc_server.generic_issuer, "client_id": GENERIC_APP.client_id,
          "client_secret": GENERIC_APP.client_secret, "redirect_uri": APP_REDIRECT_URI})  # fmt: skip
    desktop.sign_in_and_press("Allow", ALICE.username, ALICE.password)
    desktop.wait_for_row("Generic")
    desktop.wait_idle()
    assert desktop.cell("Generic", Column.ACCOUNT) == ALICE.email


def test_client_credentials_need_no_browser(desktop, oidc_server):
    d = desktop.start_connect()
    d.choose_vendor("Docbyte Vault")
    fill(d, "Docbyte Vault", "Service",
         {"account": "acme", "environment": "test", "tenant": ACME, "client_id": VAULT_SERVICE.client_id,
          "client_secret": VAULT_SERVICE.client_secret},
         advanced={"issuer": oidc_server.docbyte_issuer(ACME)})  # fmt: skip
    desktop.wait_for_row("Service")
    desktop.wait_idle()
    assert desktop.cell("Service", Column.ACCOUNT) == ACME


def test_a_vendor_quoting_back_the_api_key_and_the_token_is_shown_without_them(desktop, vaultre_sim, echo_server):
    sim = vaultre_sim.sim  # signs in at VaultRE; the who-am-I call goes to a server that quotes what it was sent
    d = desktop.start_connect()
    fill(d, "VaultRE", "Harbourside",
         {"client_id": CLIENT_ID, "api_key": sim.api_key, "redirect_uri": REDIRECT_URI},
         advanced={"login_host": sim.base_url, "api_host": echo_server})  # fmt: skip
    person = desktop.sign_in_page()
    person.sign_in(USERNAME, PASSWORD)
    person.wait_for_page()
    person.click("Confirm")
    d.ready_again()  # back in the Connect dialog, the reason shown there
    shown = "\n".join([d.message, *d.problems().values()])
    assert leaked([sim.api_key, *sim.issued_secrets()], shown, prefixes=sim.secret_prefixes) == []
    assert "unknown credentials [redacted]" in shown
    assert desktop.model.rowCount() == 0


def test_the_same_account_twice_asks_first(desktop, vcita_sim):
    sign_in_vcita(desktop, vcita_sim.sim, "First")
    desktop.wait_for_row("First")
    desktop.wait_idle()
    sign_in_vcita(desktop, vcita_sim.sim, "Second")
    assert "already connected as “First”" in desktop.answer("Cancel")
    d = desktop.connect_dialog()  # back, to sign in with the other account
    d.ready_again()
    assert d.message == (
        "Nothing was saved: alice@example.com is already connected as “First”; sign in with the account you meant."
    )
    assert d.name().text() == "Second"
    d.qtbot.keyClick(d.dialog, Qt.Key.Key_Escape)
    desktop.wait_idle()
    assert desktop.model.rows.position_of("Second") is None


@pytest.fixture
def workplace(desktop, ioffice_sim):
    """A connected iOFFICE row (refresh tokens rotate there), selected."""
    fill(desktop.start_connect(), "iOFFICE", "Workplace",
         {"site": ioffice_sim.sim.base_url, "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI})  # fmt: skip
    desktop.sign_in_page().sign_in(USERNAME, PASSWORD)
    desktop.wait_for_row("Workplace")
    desktop.wait_idle()
    desktop.select("Workplace")
    return ioffice_sim.sim


def test_copy_refresh_and_the_clipboard_clearing(desktop, workplace):
    desktop.click_toolbar("copy")
    desktop.wait_idle()
    first = QGuiApplication.clipboard().text()
    assert first in workplace.issued_secrets()
    desktop.click_toolbar("refresh")
    desktop.wait_idle()
    assert "Refreshed Workplace" in desktop.message()
    desktop.press(QKeySequence(QKeySequence.StandardKey.Copy))
    desktop.wait_idle()
    second = QGuiApplication.clipboard().text()
    assert second != first
    assert second in workplace.issued_secrets()
    desktop.app.clipboard.clear()  # what the 30 s timer and quitting do
    assert QGuiApplication.clipboard().text() == ""


def test_a_slow_token_endpoint_leaves_the_window_responsive(desktop, workplace):
    workplace.inject("/external/api/oauth2/token", status=200, body=b"{}", content_type="application/json", delay=3)
    desktop.click_toolbar("refresh")
    desktop.qtbot.waitUntil(lambda: desktop.cell("Workplace", Column.STATUS) == "Refreshing…", timeout=TIMEOUT_MS)
    desktop.qtbot.keyClicks(desktop.window.search, "nothing matches this")
    assert desktop.window.proxy.rowCount() == 0  # the window answered while the refresh was waiting
    desktop.window.search.clear()
    desktop.wait_idle()
    assert desktop.cell("Workplace", Column.STATUS) == "Connected"
    assert "carries no access token" in desktop.message()


def test_revoke_export_reconnect_and_remove(desktop, workplace, tmp_path):
    env = tmp_path / "project.env"
    desktop.click_toolbar("export")
    desktop.save_as(env)
    desktop.wait_idle()
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    assert dotenv_values(env)["WORKPLACE_ACCESS_TOKEN"] in workplace.issued_secrets()

    desktop.click_toolbar("revoke")
    desktop.answer("Revoke")
    desktop.wait_idle()
    assert desktop.cell("Workplace", Column.STATUS) == "Revoked"
    assert workplace.requests_to("/external/api/oauth2/revoke")

    desktop.select("Workplace")
    desktop.click_toolbar("reconnect")
    d = desktop.connect_dialog()
    assert d.name().isReadOnly()
    desktop.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)
    desktop.sign_in_page().sign_in(USERNAME, PASSWORD)
    desktop.qtbot.waitUntil(lambda: desktop.cell("Workplace", Column.STATUS) == "Connected", timeout=TIMEOUT_MS)
    desktop.wait_idle()
    assert desktop.model.rowCount() == 1

    desktop.select("Workplace")
    desktop.press(Qt.Key.Key_Delete, desktop.window.table)
    assert "is not revoked at the vendor" in desktop.answer("Remove")
    desktop.wait_idle()
    assert desktop.model.rowCount() == 0
    assert desktop.window.pages.currentWidget() is desktop.window.empty


def _rename_to(desktop, name):
    desktop.press(QKeySequence("F2"), desktop.window.table)
    dialog = desktop.wait_for(QInputDialog)
    assert isinstance(dialog, QInputDialog) and dialog.textValue() == "Workplace"
    dialog.setTextValue(name)  # typed keys cannot carry an ESC: the dialog would take it as Cancel
    dialog.accept()
    desktop.wait_idle()


def test_f2_renames_the_selected_connection_and_refuses_a_name_that_could_drive_a_terminal(desktop, workplace):
    _rename_to(desktop, "Workplace\x1b[2J")
    assert desktop.message().startswith("Connection: the name holds a control character")
    assert [c.name for c in desktop.model.rows.connections()] == ["Workplace"]

    desktop.select("Workplace")
    _rename_to(desktop, "Workplace prod")
    assert desktop.message() == "Renamed Workplace to Workplace prod."
    assert [c.name for c in desktop.model.rows.connections()] == ["Workplace prod"]
    assert desktop.window.selected_connections()[0].name == "Workplace prod"
    assert desktop.app.controller.connections.store.database.get("Workplace prod").account == "alice@example.com"


def test_the_countdown_moves(desktop, workplace):
    before = desktop.cell("Workplace", Column.EXPIRES)
    desktop.qtbot.waitUntil(lambda: desktop.cell("Workplace", Column.EXPIRES) != before, timeout=3000)


def test_details_mask_secrets_until_show_and_copy_through_the_clearing_clipboard(desktop, workplace):
    details = desktop.window.details

    def shown() -> str:
        widgets = [*details.findChildren(QLineEdit), *details.findChildren(QLabel)]
        return " ".join(w.text() for w in widgets if w.isVisible())

    assert leaked(workplace.issued_secrets(), shown()) == []
    desktop.qtbot.mouseClick(details.show_button, Qt.MouseButton.LeftButton)
    desktop.wait_idle()
    assert leaked(workplace.issued_secrets(), shown()) != []
    access = details.secrets.itemAt(0, QFormLayout.ItemRole.FieldRole).widget()
    token = access.findChild(QLineEdit).text()
    desktop.qtbot.mouseClick(access.findChild(QToolButton), Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == token
    assert desktop.app.clipboard.holds_our_copy()  # the one that clears itself
    assert "clipboard clears in 30 seconds." in desktop.message()
    desktop.qtbot.mouseClick(details.show_button, Qt.MouseButton.LeftButton)  # now "Hide"
    assert leaked(workplace.issued_secrets(), shown()) == []
    desktop.app.clipboard.clear()


def copy_as(desktop, label: str) -> str:
    """`label` in the Copy button's arrow menu, chosen (offscreen, a popped-up menu only warns: the entry is
    triggered as its click would); what the clipboard then holds."""
    button = desktop.toolbar_button("copy")
    assert button.popupMode() is QToolButton.ToolButtonPopupMode.MenuButtonPopup
    (action,) = [a for a in button.menu().actions() if a.text() == label]
    assert action.isEnabled()
    action.trigger()
    desktop.wait_idle()
    return QGuiApplication.clipboard().text()


def test_copy_as_gives_the_token_the_way_the_vendor_takes_it(desktop, workplace):
    token = copy_as(desktop, "Token")
    assert token in workplace.issued_secrets()
    assert copy_as(desktop, "Headers") == f"x-access-token: {token}"  # iOFFICE's way, and nothing else
    assert "Copied the headers an API call needs of Workplace" in desktop.message()
    line = copy_as(desktop, "curl command")
    ran = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr  # the vendor answered 200
    assert json.loads(copy_as(desktop, "JSON"))["headers"] == {"x-access-token": token}
    edit = next(m for m in desktop.window.menuBar().findChildren(QMenu) if m.title() == "&Edit")
    (submenu,) = [a.menu() for a in edit.actions() if a.menu() is not None]
    assert [a.text() for a in submenu.actions()] == ["Token", "Headers", "curl command", ".env lines", "JSON"]
    desktop.app.clipboard.clear()  # each form goes through the clipboard that clears itself
    assert QGuiApplication.clipboard().text() == ""
