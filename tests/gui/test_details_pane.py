"""The details pane says what is true of the connection shown: times that count down with the table, no expiry for
a revoked one, scopes granted or asked for, the template's labels, each endpoint once, only the secrets it holds."""

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QFormLayout, QLabel, QLineEdit, QToolButton

from connmgr.domain.claims import TokenClaims
from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.domain.dialect import Flow
from connmgr.domain.health import health
from connmgr.services.inspection import endpoints_of
from tests.gui.table_rows import CATALOG, T0, Clock, conn, model_with, window_over
from tests.support.oidc_fixtures import ACME, VAULT_SERVICE

VAULT_VALUES = {"client_id": "acme-app", "account": "acme", "environment": "prod", "tenant": "acme",
                "redirect_uri": "https://app.example.com/cb"}  # fmt: skip


def vault(**kw) -> Connection:
    kw.setdefault("values", VAULT_VALUES)
    kw.setdefault("flow", Flow.AUTHORIZATION_CODE)
    return Connection(id="v", name="Acme vault", template_id="docbyte", **kw)


def rows(form: QFormLayout) -> dict[str, QLabel]:
    """The form's rows: label text -> the value's widget."""
    found = {}
    for row in range(form.rowCount()):
        name = form.itemAt(row, QFormLayout.ItemRole.LabelRole).widget().text()
        found[name] = form.itemAt(row, QFormLayout.ItemRole.FieldRole).widget()
    return found


def shown(qtbot, tmp_path, connection, clock=None, *, last_failure=None):
    """A window over `connection`, its details pane showing it (the test keeps the window: qtbot holds it weakly)."""
    clock = clock or Clock()
    model = model_with(clock, connection)
    window = window_over(qtbot, tmp_path, model)
    window.show()
    qtbot.waitExposed(window)
    pane = window.details
    pane.show_connection(
        connection, health(connection, clock()), endpoints_of(CATALOG, connection), last_failure=last_failure
    )
    return model, window


class Paints(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0

    def eventFilter(self, watched, event):
        self.count += event.type() == QEvent.Type.Paint
        return False


def test_its_times_count_down_with_the_table(qtbot, tmp_path):
    clock = Clock()
    connection = vault(issued_at=T0 - 60, expires_at=T0 + 300, refresh_expires_at=T0 + 1800, has_refresh_token=True)
    model, window = shown(qtbot, tmp_path, connection, clock, last_failure=(T0 - 5, "Docbyte Vault: it failed."))
    pane = window.details
    summary = rows(pane.summary)
    assert summary["Expires"].text().startswith("in 5m 0s, ")
    clock.t += 1
    model.tick()
    summary = rows(pane.summary)
    assert summary["Expires"].text().startswith("in 4m 59s, ")
    assert summary["Refresh token expires"].text().startswith("in 29m 59s, ")
    assert summary["Issued"].text().startswith("1m 1s ago, ")
    last_error = [label.text() for label in summary["Last error"].findChildren(QLabel)]
    assert last_error[0].startswith("6s ago, ") and last_error[1] == "Docbyte Vault: it failed."


def test_with_nothing_shown_a_tick_paints_nothing_in_it(qtbot, tmp_path, qapp):
    clock = Clock()
    model, window = shown(qtbot, tmp_path, vault(expires_at=T0 + 300), clock)
    pane = window.details
    pane.show_connection(None, None, {})
    paints = Paints()
    for widget in (pane, *pane.findChildren(QLabel)):
        widget.installEventFilter(paints)
    qapp.processEvents()
    paints.count = 0
    clock.t += 1
    model.tick()
    qapp.processEvents()
    assert paints.count == 0


def test_a_revoked_connection_has_no_expiry_and_no_refresh_token(qtbot, tmp_path):
    _, window = shown(qtbot, tmp_path, vault(status=Status.REVOKED, issued_at=T0 - 60))
    pane = window.details
    summary = rows(pane.summary)
    assert "never" not in summary["Expires"].text()
    assert summary["Expires"].text().startswith("—")
    assert "Refresh token expires" not in summary


def test_no_refresh_token_no_row_for_one(qtbot, tmp_path):
    _, window = shown(qtbot, tmp_path, conn("service", expires_at=T0 + 300))
    pane = window.details
    assert "Refresh token expires" not in rows(pane.summary)


def test_scopes_granted_or_else_asked_for(qtbot, tmp_path):
    _, window = shown(qtbot, tmp_path, vault(values={**VAULT_VALUES, "scope": "openid email"}))
    pane = window.details
    assert rows(pane.summary)["Scopes"].text() == "openid email (asked for; the vendor did not say what it granted)"
    pane.show_connection(vault(scope="openid", values={**VAULT_VALUES, "scope": "openid email"}), None, {})
    assert rows(pane.summary)["Scopes"].text() == "openid (asked for openid email)"
    default = CATALOG.get("docbyte").field("scope").default  # asked for the template's default, granted it
    pane.show_connection(vault(scope=default), None, {})
    assert rows(pane.summary)["Scopes"].text() == default


def test_labels_are_the_templates_and_an_endpoint_typed_in_is_listed_once(qtbot, tmp_path):
    override = "https://staging.example/token"
    connection = vault(values={**VAULT_VALUES, "token_url": override, "client_auth": "client_secret_post"})
    _, window = shown(qtbot, tmp_path, connection)
    pane = window.details
    endpoints, settings = rows(pane.endpoints), rows(pane.settings)
    assert endpoints["Token endpoint"].text() == override
    assert "Issuer" in endpoints and "Who-am-I endpoint" in endpoints
    assert not [name for name in (*endpoints, *settings) if "_" in name]  # no token_url, client_id, ...
    assert settings["Client ID"].text() == "acme-app"
    shown_texts = [w.text() for w in (*endpoints.values(), *settings.values())]
    assert shown_texts.count(override) == 1
    assert settings["Client authentication"].text() == "In the request body (client_secret_post)"


def test_only_the_secrets_it_holds_shown_in_fields_that_copy_then_hidden_again(qtbot, tmp_path):
    _, window = shown(qtbot, tmp_path, vault(expires_at=T0 + 300))
    pane = window.details
    assert pane.secrets.rowCount() == 0  # hidden: no row claims a secret before it is read
    assert pane.show_button.text() == "Show"
    long_token = "eyJ" + "x" * 2000
    with qtbot.waitSignal(pane.reveal_requested) as asked:
        qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
    pane.reveal(asked.args[0], Secrets(access_token=long_token, fields={"client_secret": "s3cret"}), TokenClaims())
    held = rows(pane.secrets)
    assert list(held) == ["Access token", "Client secret"]  # no refresh token, no id token: it has none
    assert not pane.claims.isVisible()
    field = held["Access token"].findChild(QLineEdit)
    assert field.isReadOnly() and field.text() == long_token
    assert pane.width() >= held["Access token"].sizeHint().width()  # a long token does not widen the pane
    with qtbot.waitSignal(pane.copy_requested) as copied:
        qtbot.mouseClick(held["Access token"].findChild(QToolButton), Qt.MouseButton.LeftButton)
    assert copied.args == ["Access token", long_token]
    assert pane.show_button.text() == "Hide"
    qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
    assert pane.secrets.rowCount() == 0
    assert pane.show_button.text() == "Show"


def test_a_jwt_access_token_shows_its_claims_beside_the_secrets(desktop, oidc_server):
    """Docbyte's Keycloak issues JWT access tokens carrying the tenant: connected for real, then Show."""
    d = desktop.start_connect()
    d.choose_vendor("Docbyte Vault")
    fields = {"account": "acme", "environment": "test", "tenant": ACME, "client_id": VAULT_SERVICE.client_id}
    d.fill("Service", fields | {"client_secret": VAULT_SERVICE.client_secret},
           advanced={"issuer": oidc_server.docbyte_issuer(ACME)})  # fmt: skip
    d.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)
    desktop.wait_for_row("Service")
    desktop.select("Service")
    pane = desktop.window.details
    desktop.qtbot.mouseClick(pane.show_button, Qt.MouseButton.LeftButton)
    desktop.qtbot.waitUntil(pane.access_claims.isVisible)
    lines = dict(line.split(": ", 1) for line in pane.access_claims.toPlainText().splitlines())
    assert lines["azp"] == VAULT_SERVICE.client_id
    assert lines["tenant"] == ACME
    assert lines["exp"].endswith(")") and "(in " in lines["exp"]  # a time, said as a time
    assert not pane.claims.isVisible()  # client credentials: no id token
    assert not pane.expiry_note.isVisible()  # the vendor's expires_in and the token's exp agree
