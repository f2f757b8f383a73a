"""The Connect dialog, driven through its real widgets offscreen: clicks on the vendor list, keys in the fields."""

from __future__ import annotations

import dataclasses
from collections.abc import Collection
from pathlib import Path
from typing import TypeVar

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QLineEdit,
    QListWidget,
    QPushButton,
    QRadioButton,
    QToolButton,
    QWidget,
)

from connmgr.domain.dialect import Browser
from connmgr.domain.template import TemplateCatalog
from connmgr.gui.connect import ConnectDialog, ConnectRequest, Failure
from connmgr.templates import load_catalog
from tests.gui.connect_driver import Driver

W = TypeVar("W", bound=QWidget)


@pytest.fixture(scope="module")
def catalog() -> TemplateCatalog:
    return load_catalog().catalog


@pytest.fixture
def open_dialog(qtbot, catalog):
    def open_(
        existing: Collection[str] = (), *, preset: ConnectRequest | None = None, source: TemplateCatalog = catalog
    ) -> Driver:
        dialog = ConnectDialog(source, lambda _: QIcon(), existing, preset=preset)
        qtbot.addWidget(dialog)
        dialog.show()
        return Driver(qtbot, dialog)

    return open_


def test_the_vendors_are_listed_by_name_with_their_descriptions(open_dialog, catalog):
    d = open_dialog()
    vendors = d.dialog.findChild(QListWidget)
    items = [vendors.item(row) for row in range(vendors.count())]
    assert [i.text() for i in items] == [t.name for t in catalog]
    assert [i.data(Qt.ItemDataRole.AccessibleDescriptionRole) for i in items] == [t.description for t in catalog]


def test_nothing_is_chosen_until_the_person_chooses(open_dialog):
    d = open_dialog()
    assert d.message == "Choose the vendor to connect to."
    assert not d.primary.isEnabled()
    assert d.dialog.focusWidget() is d.dialog.findChild(QListWidget)


def test_enter_on_the_list_chooses_the_vendor_and_goes_on_to_the_name(open_dialog):
    d = open_dialog()
    vendors = d.dialog.findChild(QListWidget)
    d.qtbot.keyClick(vendors, Qt.Key.Key_End)  # the last vendor, by keys alone
    d.qtbot.keyClick(vendors, Qt.Key.Key_Return)
    assert d.dialog.isVisible()  # Enter did not reach a button
    assert d.dialog.focusWidget() is d.name()
    assert d.field("brand_host")  # vcita / inTandem's form


def test_vaultre_asks_for_the_token_type_and_says_who_can_get_an_account_token(open_dialog):
    d = open_dialog()
    d.choose_vendor("VaultRE")
    assert d.shown(QRadioButton, "token_kind:account").isChecked()
    assert d.shown(QRadioButton, "token_kind:user").text() == "User token"
    admin_hint = "Office-level access. Only a VaultRE system administrator can complete this sign-in."
    assert admin_hint in d.shown_texts()
    d.click(QRadioButton, "token_kind:user")
    assert admin_hint not in d.shown_texts()
    assert "Access as the signed-in user." in d.shown_texts()
    assert not d.is_shown(QRadioButton, "flow:authorization_code")  # one flow: nothing to choose
    assert d.primary.text() == "Sign in…"


def test_the_redirect_uri_hint_is_shown_with_the_field(open_dialog):
    d = open_dialog()
    d.choose_vendor("VaultRE")
    d.field("redirect_uri")
    assert "Must be exactly one of the redirect URIs registered with VaultRE, query string included." in d.shown_texts()


def test_ioffice_asks_for_username_and_password_only_without_the_browser(open_dialog):
    d = open_dialog()
    d.choose_vendor("iOFFICE")
    assert d.shown(QRadioButton, "flow:authorization_code").text() == "Sign in in the browser"
    assert not d.is_shown(QLineEdit, "username") and not d.is_shown(QLineEdit, "password")
    d.click(QRadioButton, "flow:password")
    assert d.shown(QRadioButton, "flow:password").text() == "Username and password (no browser)"
    assert d.field("username") and d.field("password")
    assert d.primary.text() == "Connect"
    assert not d.is_shown(QCheckBox, "system_browser")  # no browser in this flow
    d.click(QRadioButton, "flow:authorization_code")
    assert not d.is_shown(QLineEdit, "username") and not d.is_shown(QLineEdit, "password")


def test_docbyte_client_credentials_asks_for_no_redirect_uri(open_dialog):
    d = open_dialog()
    d.choose_vendor("Docbyte Vault")
    assert d.shown(QRadioButton, "flow:client_credentials").isChecked()
    assert d.shown(QRadioButton, "flow:authorization_code").text() == "Sign in as a user"
    assert not d.is_shown(QLineEdit, "redirect_uri")
    assert d.field("scope").text() == "openid"
    assert d.primary.text() == "Connect"
    d.click(QRadioButton, "flow:authorization_code")
    assert d.field("redirect_uri")
    assert d.field("scope").text() == "openid email profile"  # the default follows the flow
    assert d.primary.text() == "Sign in…"


def test_a_typed_value_survives_switching_flow_and_vendor(open_dialog):
    d = open_dialog()
    d.choose_vendor("Docbyte Vault")
    d.field("scope").clear()
    d.type("scope", "openid roles")
    d.click(QRadioButton, "flow:authorization_code")
    d.choose_vendor("VaultRE")
    d.choose_vendor("Docbyte Vault")
    assert d.field("scope").text() == "openid roles"


def test_the_message_says_what_is_missing_and_the_button_waits(open_dialog):
    d = open_dialog()
    d.choose_vendor("vcita / inTandem")
    assert d.message == "Give the connection a name."
    d.type("connection_name", "Acme vcita")
    assert d.message == "vcita / inTandem: Client ID is required; fill in Client ID."
    assert not d.primary.isEnabled()
    d.type("client_id", "app-1")
    d.type("client_secret", "s3cret")
    assert not d.primary.isEnabled()
    d.type("redirect_uri", "https://app.example.com/cb?x=1")
    assert d.primary.isEnabled()
    assert d.message == "Ready: “Sign in…” opens vcita / inTandem's sign-in page."


def test_a_site_that_is_not_a_host_name_is_refused(open_dialog):
    d = open_dialog()
    d.choose_vendor("iOFFICE")
    d.type("connection_name", "Acme iOFFICE")
    for field, text in (("client_id", "app-1"), ("redirect_uri", "https://app.example.com/cb"), ("site", "acme.com")):
        d.type(field, text)
    assert d.primary.isEnabled()
    d.type("site", "/evil?x")
    assert d.message == (
        "iOFFICE: Site address must be a host name such as example.com; correct the Site address field."
    )
    assert not d.primary.isEnabled()


def test_a_name_already_taken_is_refused(open_dialog):
    d = open_dialog(existing=["Acme VaultRE"])
    d.choose_vendor("VaultRE")
    for field, text in (("client_id", "c"), ("api_key", "k"), ("redirect_uri", "https://app.example.com/cb")):
        d.type(field, text)
    d.type("connection_name", "Acme VaultRE")
    assert d.message == "There is already a connection named “Acme VaultRE”; choose another name."
    assert not d.primary.isEnabled()
    d.type("connection_name", " 2")
    assert d.primary.isEnabled()


def test_a_name_that_could_drive_a_terminal_is_refused(open_dialog):
    d = open_dialog()
    d.choose_vendor("VaultRE")
    for field, text in (("client_id", "c"), ("api_key", "k"), ("redirect_uri", "https://app.example.com/cb")):
        d.type(field, text)
    d.name().setText("Acme\u202eevil")
    assert d.message == (
        "Connection: the name holds a control character, an escape sequence or another invisible character; "
        "type it with visible characters and spaces only."
    )
    assert not d.primary.isEnabled()
    d.name().setText("Acme evil")
    assert d.primary.isEnabled()


def test_advanced_is_folded_and_an_override_lands_in_the_values(open_dialog):
    d = open_dialog()
    d.choose_vendor("VaultRE")
    assert not d.is_shown(QLineEdit, "api_host") and not d.is_shown(QLineEdit, "authorize_url")
    d.type("connection_name", "Acme")
    for field, text in (("client_id", "c"), ("api_key", "k"), ("redirect_uri", "https://app.example.com/cb")):
        d.type(field, text)
    d.click(QToolButton, "advanced")
    d.field("api_host").clear()
    d.type("api_host", "eu.api.vaultre.com.au")
    d.type("authorize_url", "https://login.example.com/authorize")
    with d.qtbot.waitSignal(d.dialog.submitted, timeout=1000):
        d.qtbot.keyClick(d.field("authorize_url"), Qt.Key.Key_Return)
    values = d.dialog.request().values
    assert values["api_host"] == "eu.api.vaultre.com.au"
    assert values["authorize_url"] == "https://login.example.com/authorize"
    assert values["login_host"] == "login.vaultre.com.au"  # defaults are filled in


def test_secrets_are_masked_until_shown(open_dialog):
    d = open_dialog()
    d.choose_vendor("VaultRE")
    api_key = d.field("api_key")
    assert api_key.echoMode() == QLineEdit.EchoMode.Password
    d.click(QToolButton, "api_key:show")
    assert api_key.echoMode() == QLineEdit.EchoMode.Normal
    d.click(QToolButton, "api_key:show")
    assert api_key.echoMode() == QLineEdit.EchoMode.Password
    assert d.field("client_id").echoMode() == QLineEdit.EchoMode.Normal


def test_enter_on_a_filled_form_returns_the_request_password_included(open_dialog):
    d = open_dialog()
    d.choose_vendor("Eptura Workplace")
    d.click(QRadioButton, "flow:password")
    d.type("connection_name", "  Acme Eptura ")
    for field, text in (
        ("site", "acme.iofficeconnect.com"),
        ("client_id", " app-1\t"),
        ("redirect_uri", "https://app.example.com/cb"),
        ("username", "ann"),
        ("password", " pass word "),
    ):
        d.type(field, text)
    with d.qtbot.waitSignal(d.dialog.submitted, timeout=1000):
        d.qtbot.keyClick(d.field("password"), Qt.Key.Key_Return)
    assert d.dialog.isVisible()  # busy connecting, until told how it went
    assert d.dialog.request() == ConnectRequest(
        name="Acme Eptura",
        template_id="eptura",
        flow="password",
        values={
            "site": "acme.iofficeconnect.com",
            "client_id": "app-1",  # spaces around a pasted value are dropped...
            "redirect_uri": "https://app.example.com/cb",
            "scope": "email",
            "username": "ann",
            "password": " pass word ",  # ...but never around a secret
        },
        use_system_browser=False,
    )


def test_enter_on_an_unfinished_form_does_nothing_and_escape_cancels(open_dialog):
    d = open_dialog()
    d.choose_vendor("VaultRE")
    d.type("connection_name", "Acme")
    d.qtbot.keyClick(d.name(), Qt.Key.Key_Return)
    assert d.dialog.isVisible()
    with pytest.raises(RuntimeError):
        d.dialog.request()
    d.qtbot.keyClick(d.name(), Qt.Key.Key_Escape)
    assert not d.dialog.isVisible()
    assert d.dialog.result() == QDialog.DialogCode.Rejected


def test_the_system_browser_is_the_default_where_the_template_says_so(open_dialog, catalog):
    d = open_dialog()
    d.choose_vendor("OAuth 2.0 (generic)")
    assert not d.shown(QCheckBox, "system_browser").isChecked()
    generic = catalog.get("oauth2")
    system = TemplateCatalog({"oauth2": dataclasses.replace(generic, browser=Browser.SYSTEM)})
    d = open_dialog(source=system)
    d.choose_vendor(generic.name)
    assert d.shown(QCheckBox, "system_browser").isChecked()


RECONNECT = ConnectRequest(
    name="Acme VaultRE",
    template_id="vaultre",
    flow="authorization_code",
    values={"token_kind": "user", "client_id": "c", "redirect_uri": "https://app.example.com/cb"},
    use_system_browser=True,
)


def test_a_reconnect_is_filled_in_and_keeps_its_name(open_dialog):
    d = open_dialog(existing=["Acme VaultRE"], preset=RECONNECT)
    assert not d.dialog.findChild(QListWidget).isVisibleTo(d.dialog)
    assert d.name().text() == "Acme VaultRE" and d.name().isReadOnly()
    assert d.shown(QRadioButton, "token_kind:user").isChecked()
    assert d.shown(QCheckBox, "system_browser").isChecked()
    assert not d.is_shown(QLineEdit, "api_host")  # nothing overridden: Advanced stays folded
    assert d.dialog.focusWidget() is d.field("api_key")  # the first empty required field
    d.type("api_key", "k")
    assert d.primary.isEnabled()  # its own name is not a clash
    with d.qtbot.waitSignal(d.dialog.submitted, timeout=1000):
        d.click(QPushButton, "primary")
    defaults = {"login_host": "login.vaultre.com.au", "api_host": "ap-southeast-2.api.vaultre.com.au"}
    assert d.dialog.request() == dataclasses.replace(RECONNECT, values={**RECONNECT.values, "api_key": "k", **defaults})


def test_a_reconnect_unfolds_advanced_only_for_an_override(open_dialog):
    stored = {**RECONNECT.values, "api_key": "k", "login_host": "https://login.vaultre.com.au"}  # as normalised
    d = open_dialog(preset=dataclasses.replace(RECONNECT, values=stored))
    assert not d.is_shown(QLineEdit, "login_host")
    d = open_dialog(
        preset=dataclasses.replace(RECONNECT, values={**stored, "api_host": "https://eu.api.vaultre.com.au"})
    )
    assert d.field("api_host").text() == "https://eu.api.vaultre.com.au"


def test_tab_goes_from_the_name_through_the_fields_in_order(open_dialog):
    d = open_dialog()
    d.choose_vendor("vcita / inTandem")
    d.name().setFocus()
    visited = []
    for _ in range(4):
        d.qtbot.keyClick(d.dialog.focusWidget(), Qt.Key.Key_Tab)
        visited.append(d.dialog.focusWidget().objectName())
    assert visited == ["brand_host", "client_id", "client_secret", "client_secret:show"]


@pytest.mark.parametrize("vendor", ["VaultRE", "Docbyte Vault"])
def test_the_dialog_paints(open_dialog, vendor, tmp_path: Path):
    d = open_dialog()
    d.choose_vendor(vendor)
    shot = tmp_path / "connect.png"
    assert d.dialog.grab().save(str(shot))
    assert shot.stat().st_size > 10_000


def test_no_system_browser_for_a_vendor_answering_in_the_fragment(open_dialog):
    driver = open_dialog()
    driver.choose_vendor("iOFFICE")
    assert not driver.is_shown(QCheckBox, "system_browser")
    driver.choose_vendor("vcita / inTandem")
    assert driver.is_shown(QCheckBox, "system_browser")


def vaultre_filled_in(open_dialog) -> Driver:
    d = open_dialog()
    d.choose_vendor("VaultRE")
    d.fill("Acme", {"client_id": "c", "api_key": "k", "redirect_uri": "https://app.example.com/cb"})
    return d


def test_endpoint_fields_show_the_default_they_stand_for(open_dialog):
    d = open_dialog()
    d.choose_vendor("iOFFICE")
    d.click(QToolButton, "advanced")
    assert d.field("authorize_url").placeholderText() == "‹Site address›/login.html"  # readable until the site is
    d.type("site", "northwind.iofficeconnect.com")
    assert d.field("authorize_url").placeholderText() == "https://northwind.iofficeconnect.com/login.html"
    assert d.field("authorize_url").text() == ""  # a placeholder, not a value: the default stays the template's
    d.choose_vendor("OpenID Connect (generic)")
    d.click(QToolButton, "advanced")
    assert d.field("token_url").placeholderText() == "From the issuer's discovery document"


def test_a_long_default_keeps_its_end_in_view(open_dialog):
    d = open_dialog()
    d.choose_vendor("Docbyte Vault")
    d.click(QToolButton, "advanced")
    for field, value in (("account", "contoso-holdings"), ("environment", "production"), ("tenant", "contoso")):
        d.type(field, value)
    token_url = d.field("token_url")
    full = "https://keycloak.contoso-holdings.production.docbyte.cloud/realms/contoso/protocol/openid-connect/token"
    assert token_url.toolTip() == full
    shown = token_url.placeholderText()
    assert "…" in shown and shown.endswith("/openid-connect/token")
    assert token_url.fontMetrics().horizontalAdvance(shown) <= token_url.contentsRect().width()


@pytest.mark.parametrize(("vendor", "offered"), [("VaultRE", False), ("vcita / inTandem", False), ("iOFFICE", True)])
def test_a_revocation_endpoint_is_offered_only_where_the_vendor_has_one(open_dialog, vendor, offered):
    d = open_dialog()
    d.choose_vendor(vendor)
    d.click(QToolButton, "advanced")
    assert d.is_shown(QLineEdit, "revoke_url") is offered
    assert d.is_shown(QLineEdit, "token_url")


def test_under_advanced_the_hosts_come_before_the_endpoints_built_from_them(open_dialog):
    d = open_dialog()
    d.choose_vendor("VaultRE")
    d.click(QToolButton, "advanced")
    shown = [w.objectName() for w in d.dialog.focusWidget().window().findChildren(QLineEdit) if w.isVisible()]
    assert shown.index("api_host") < shown.index("authorize_url")
    assert shown.index("login_host") < shown.index("token_url")


def test_the_direct_code_endpoint_belongs_to_the_password_flow(open_dialog):
    d = open_dialog()
    d.choose_vendor("iOFFICE")
    d.click(QToolButton, "advanced")
    assert not d.is_shown(QLineEdit, "code_url")
    d.click(QRadioButton, "flow:password")
    assert d.is_shown(QLineEdit, "code_url")


def test_no_hint_reads_as_a_note_for_now(open_dialog, catalog):
    d = open_dialog()
    hints = []
    for template in catalog:
        d.choose_vendor(template.name)
        d.click(QToolButton, "advanced")
        for flow in template.flows:
            if d.is_shown(QRadioButton, f"flow:{flow}"):
                d.click(QRadioButton, f"flow:{flow}")
            hints += d.shown_texts()
    assert hints
    assert not [h for h in hints if any(w in h.lower() for w in ("for now", "yet", "in the future", "todo"))]


def test_the_dialog_fits_a_small_screen_and_scrolls_what_unfolds_into_view(open_dialog):
    d = open_dialog()
    room = d.dialog.screen().availableGeometry()
    assert d.dialog.height() <= room.height() * 0.9 and d.dialog.width() <= room.width()
    d.choose_vendor("iOFFICE")
    d.click(QToolButton, "advanced")
    for opened in (d.shown(QToolButton, "advanced"), d.field("authorize_url"), d.field("userinfo_url")):
        assert opened.visibleRegion().boundingRect() == opened.rect(), opened.objectName()  # in view, whole
    d.field("site").setFocus()
    visited = []
    for key in [Qt.Key.Key_Tab] * 16 + [Qt.Key.Key_Backtab] * 16:  # round the dialog and back: every field in view
        d.qtbot.keyClick(d.dialog.focusWidget(), key)
        visited.append(d.dialog.focusWidget().objectName())
        assert not d.dialog.focusWidget().visibleRegion().isEmpty(), visited
    assert {"connection_name", "userinfo_url"} <= set(visited)


def test_a_failure_beside_a_folded_field_unfolds_focuses_and_shows_it(open_dialog):
    d = vaultre_filled_in(open_dialog)
    with d.qtbot.waitSignal(d.dialog.submitted, timeout=1000):
        d.click(QPushButton, "primary")
    d.dialog.show_failure(Failure("VaultRE: the API host did not answer; check it.", "api_host"))
    assert d.problems() == {"api_host": "VaultRE: the API host did not answer; check it."}
    assert d.dialog.focusWidget() is d.field("api_host")
    assert not d.field("api_host").visibleRegion().isEmpty()
    assert d.message == "Not connected: the reason is beside API host."
    assert d.primary.isEnabled() and d.primary.isDefault()  # Enter tries again


def test_a_failure_about_no_field_on_the_form_is_said_under_it_until_something_changes(open_dialog):
    d = vaultre_filled_in(open_dialog)
    d.click(QPushButton, "primary")
    d.dialog.show_failure(Failure("VaultRE: the scope was refused; try again.", "scope"))  # VaultRE asks none
    assert d.problems() == {}
    assert d.message == "VaultRE: the scope was refused; try again."
    assert d.dialog.focusWidget() is d.primary
    d.type("client_id", "2")
    assert d.message == "Ready: “Sign in…” opens VaultRE's sign-in page."


def test_cancel_while_connecting_stops_the_attempt_not_the_dialog(open_dialog):
    d = vaultre_filled_in(open_dialog)
    d.click(QPushButton, "primary")
    assert not d.field("client_id").isEnabled() and d.message == "Signing in at VaultRE in the sign-in window…"
    with d.qtbot.waitSignal(d.dialog.stop_requested, timeout=1000):
        d.qtbot.keyClick(d.dialog, Qt.Key.Key_Escape)
    assert d.dialog.isVisible()
