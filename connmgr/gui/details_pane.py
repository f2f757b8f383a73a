"""The selected connection in full: status and its last error, times that count down with the table, scopes,
endpoints and settings under the template's own labels, and its secrets hidden until "Show".

It says only what is true of this connection: a revoked one expires never and never, so it says neither; a secret
it does not hold gets no row (which ones it holds is known only once they are read, at "Show").
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.domain.durations import countdown, in_words
from connmgr.domain.health import Health
from connmgr.domain.template import ProviderTemplate, TemplateCatalog
from connmgr.gui.clipboard import CLEAR_AFTER_S
from connmgr.gui.resources import action_icon, icon_tint, vendor_icon
from connmgr.gui.text_styles import heading, secondary
from connmgr.listing import WORKSPACE_OFFLINE

if TYPE_CHECKING:  # the first paint shows neither a check nor claims: their modules load with the first one
    from connmgr.domain.checks import CheckResult
    from connmgr.domain.claims import TokenClaims
    from connmgr.domain.sharing import Shared

# For endpoints no field of the template names (a field's own label comes first).
ENDPOINT_LABELS = {
    "issuer": "Issuer",
    "authorize_url": "Authorization endpoint",
    "token_url": "Token endpoint",
    "revoke_url": "Revocation endpoint",
    "code_url": "Direct code endpoint",
    "userinfo_url": "Who-am-I endpoint",
    "jwks_url": "Signing keys (JWKS)",
}
TOKEN_LABELS = {"access_token": "Access token", "refresh_token": "Refresh token", "id_token": "Id token"}
HIDDEN = "Tokens and keys are read from the keyring when you press Show."
_TIME_CLAIMS = ("exp", "iat", "nbf")


def _when(epoch: float, now: float) -> str:
    """A time for a person: how far off it is, then when, local (its date only when another day's)."""
    local = datetime.fromtimestamp(epoch).astimezone()
    distance = countdown(abs(epoch - now))
    relative = f"{distance} ago" if epoch <= now else f"in {distance}"
    if local.date() == datetime.fromtimestamp(now).astimezone().date():
        return f"{relative}, at {local:%H:%M:%S}"
    return f"{relative}, {local:%Y-%m-%d %H:%M}"


def _claim_text(key: str, value: object, now: float) -> str:
    """A claim as a person reads it: its times also as times, everything else as the token holds it."""
    text = value if isinstance(value, str) else json.dumps(value)
    if key in _TIME_CLAIMS and isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return f"{text} ({_when(value, now)})"
        except (OverflowError, ValueError, OSError):  # a time no clock reaches: said as it is
            return text
    return text


def _claims_view() -> QPlainTextEdit:
    view = QPlainTextEdit()
    view.setReadOnly(True)
    view.setMaximumHeight(160)
    return view


def _full(epoch: float) -> str:
    return f"{datetime.fromtimestamp(epoch).astimezone():%Y-%m-%d %H:%M:%S %Z}"


def _value_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


def _label(template: ProviderTemplate | None, name: str) -> str:
    spec = template.field(name) if template else None
    return spec.label if spec is not None and spec.label != name else ENDPOINT_LABELS.get(name, name)


def scopes_text(connection: Connection, template: ProviderTemplate | None) -> str:
    """What the vendor granted, or else what was asked for, saying which."""
    spec = template.field("scope") if template else None
    asked = connection.values.get("scope") or (spec.default_for(connection.flow) if spec else None)
    if connection.scope:
        return connection.scope if not asked or asked == connection.scope else f"{connection.scope} (asked for {asked})"
    return f"{asked} (asked for; the vendor did not say what it granted)" if asked else "none asked for"


class DetailsPane(QWidget):
    reveal_requested = Signal(str)  # the connection's name
    copy_requested = Signal(str, str)  # what it is ("Access token"), the secret

    def __init__(self, catalog: TemplateCatalog, now: Callable[[], float] = time.time, parent: QWidget | None = None):
        super().__init__(parent)
        self._catalog = catalog
        self._now = now
        self._connection: Connection | None = None
        self._revealed = False
        self._ticking: list[tuple[QLabel, Callable[[float], str]]] = []  # the labels that count down, and how
        self.heading = heading(QLabel(), 1.15)
        self.icon = QLabel()
        self.summary = QFormLayout()
        self.endpoints = QFormLayout()
        # Each URL under its name, across the pane's width: beside it, one broke after "https://".
        self.endpoints.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapAllRows)
        self.settings = QFormLayout()
        self.secrets = QFormLayout()
        self.hidden_note = secondary(_value_label(HIDDEN))
        self.show_button = QPushButton("Show")
        self.show_button.setToolTip("Reveal the tokens and keys (read from the keyring)")
        self.show_button.clicked.connect(self._on_show_clicked)
        self.claims = _claims_view()  # the id token's
        self.access_claims = _claims_view()  # the access token's, when it is a JWT
        self.expiry_note = _value_label("")

        top = QHBoxLayout()
        top.addWidget(self.icon)
        top.addWidget(self.heading, 1)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addLayout(top)
        column.addLayout(self.summary)
        self._endpoints_box = QGroupBox("Endpoints")
        self._endpoints_box.setLayout(self.endpoints)
        self._settings_box = QGroupBox("Settings")
        self._settings_box.setLayout(self.settings)
        column.addWidget(self._endpoints_box)
        column.addWidget(self._settings_box)
        self._secrets_box = QGroupBox("Secrets")
        secret_column = QVBoxLayout(self._secrets_box)
        secret_column.addWidget(self.hidden_note)
        secret_column.addLayout(self.secrets)
        secret_column.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignLeft)
        self._claims_title = QLabel("Id-token claims (decoded for display, not trusted)")
        self._access_claims_title = QLabel("Access-token claims (decoded for display, not trusted)")
        self._claim_widgets = (
            self._claims_title, self.claims, self._access_claims_title, self.access_claims, self.expiry_note
        )  # fmt: skip
        for widget in self._claim_widgets:
            secret_column.addWidget(widget)
        column.addWidget(self._secrets_box)
        column.addStretch(1)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(body)
        scroll.setFrameShape(QScrollArea.Shape.NoFrame)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(scroll)
        self.show_connection(None, None, {})

    @property
    def connection(self) -> Connection | None:
        return self._connection

    def show_connection(
        self,
        connection: Connection | None,
        health: Health | None,
        endpoints: Mapping[str, str],
        *,
        last_failure: tuple[float, str] | None = None,
        last_check: CheckResult | None = None,
        shared: Shared | None = None,
    ) -> None:
        """Show metadata only; secrets stay hidden until the person asks. `last_failure`: when and what;
        `last_check`: the vendor's last who-am-I answer that this window saw; `shared`: the workspace's mark of a
        shared connection."""
        self._connection = connection
        self._ticking.clear()
        for form in (self.summary, self.endpoints, self.settings):
            while form.rowCount():
                form.removeRow(0)
        self._hide_secrets()
        for box in (self._endpoints_box, self._settings_box, self._secrets_box):
            box.setVisible(connection is not None)
        if connection is None:
            self.heading.setText("Select a connection to see its details")
            self.icon.clear()
            return
        template = self._catalog.templates.get(connection.template_id)
        self.heading.setText(connection.name)
        self.icon.setPixmap(vendor_icon(connection.template_id).pixmap(24, 24))
        offline = shared is not None and shared.offline
        status = (WORKSPACE_OFFLINE if offline else health.label if health else connection.status.value) + (
            f" — {connection.status_detail}" if connection.status_detail else ""
        )
        self._row("Vendor", template.name if template else connection.template_id)
        self._row("Flow", connection.flow.label)
        self._row("Account", connection.account or "—")
        if shared is not None:
            self._row("Kept", shared.description)
        self._row("Status", status)
        if last_failure is not None:
            at, sentence = last_failure
            self._ticking_row("Last error", at, lambda now: _when(at, now), below=sentence)
        if last_check is not None:
            checked = last_check.at
            self._ticking_row("Last check", checked, lambda now: _when(checked, now), below=last_check.summary)
        self._row("Scopes", scopes_text(connection, template))
        self._row("Token type", connection.token_type)
        if connection.issued_at is not None:
            issued = connection.issued_at
            self._ticking_row("Issued", issued, lambda now: _when(issued, now))
        if connection.status is Status.REVOKED:
            self._row("Expires", "— (revoked: it holds no token)")
        else:
            expires = connection.expires_at
            self._ticking_row("Expires", expires, lambda now: "never" if expires is None else _when(expires, now))
            ends = connection.refresh_expires_at
            if connection.has_refresh_token or ends is not None:
                self._ticking_row(
                    "Refresh token expires",
                    ends,
                    lambda now: "not given by the vendor" if ends is None else _when(ends, now),
                )
        for name, url in endpoints.items():
            self.endpoints.addRow(_label(template, name), _value_label(url))
        self._endpoints_box.setVisible(bool(endpoints))
        # Endpoints typed in as settings are listed above, with what the template builds; the scope beside Scopes.
        settings = {k: v for k, v in connection.values.items() if k not in endpoints and k != "scope"}
        for name, value in sorted(settings.items(), key=lambda item: _label(template, item[0]).casefold()):
            spec = template.field(name) if template else None
            choice = spec.choice(value) if spec else None
            self.settings.addRow(_label(template, name), _value_label(choice.label if choice else value))
        self._settings_box.setVisible(bool(settings))
        self.tick()

    def tick(self) -> None:
        """Move the times on; called with the table's tick, and costs nothing while no connection is shown."""
        if not self._ticking or not self.isVisible():
            return
        now = self._now()
        for label, text_at in self._ticking:
            label.setText(text_at(now))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.PaletteChange:  # the desktop's colour scheme changed
            for button in self.findChildren(QToolButton, "copy"):
                button.setIcon(action_icon("copy", icon_tint(self.palette())))
        super().changeEvent(event)

    def showEvent(self, event: Any) -> None:
        self.tick()  # the times went on while it was hidden
        super().showEvent(event)

    def _row(self, name: str, text: str) -> QLabel:
        label = _value_label(text)
        self.summary.addRow(name, label)
        return label

    def _ticking_row(self, name: str, epoch: float | None, text_at: Callable[[float], str], *, below: str = "") -> None:
        """A row whose time moves on each tick, in a label of a fixed size: a label that may change size has the
        pane laid out again each time, most of what a tick would cost the pane. `below`: text that stays."""
        text = text_at(self._now())
        label = QLabel(text)
        if epoch is not None:
            label.setToolTip(_full(epoch))
        label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        metrics = label.fontMetrics()
        label.setFixedSize(metrics.horizontalAdvance(text + " 00h 00m"), metrics.height())  # room to grow
        self._ticking.append((label, text_at))
        if not below:
            self.summary.addRow(name, label)
            return
        both = QWidget()
        column = QVBoxLayout(both)
        column.setContentsMargins(0, 0, 0, 0)
        column.addWidget(label)
        column.addWidget(_value_label(below))
        self.summary.addRow(name, both)

    def _hide_secrets(self) -> None:
        while self.secrets.rowCount():
            self.secrets.removeRow(0)
        self.claims.clear()
        self.access_claims.clear()
        self.expiry_note.clear()
        for widget in self._claim_widgets:
            widget.hide()
        self.hidden_note.setText(HIDDEN)
        self.hidden_note.show()
        self._revealed = False
        self.show_button.setText("Show")
        self.show_button.setEnabled(self._connection is not None)

    def _on_show_clicked(self) -> None:
        if self._revealed:
            self._hide_secrets()
        elif self._connection is not None:
            self.reveal_requested.emit(self._connection.name)

    def reveal(self, name: str, secrets: Secrets, claims: TokenClaims) -> None:
        """Show the secrets the controller read, if the same connection is still selected: those it holds only."""
        if self._connection is None or self._connection.name != name:
            return
        self._hide_secrets()
        template = self._catalog.templates.get(self._connection.template_id)
        held = {
            TOKEN_LABELS["access_token"]: secrets.access_token,
            TOKEN_LABELS["refresh_token"]: secrets.refresh_token,
            TOKEN_LABELS["id_token"]: secrets.id_token,
        } | {_label(template, key): value for key, value in secrets.fields.items()}
        for label, value in held.items():
            if value:
                self.secrets.addRow(label, self._secret_field(label, value))
        self.hidden_note.setText("It holds no token or key.")
        self.hidden_note.setVisible(self.secrets.rowCount() == 0)
        if claims.id_token:
            self.claims.setPlainText(json.dumps(claims.id_token, indent=2, sort_keys=True))
            self._claims_title.show()
            self.claims.show()
        if claims.access_token:
            now = self._now()
            self.access_claims.setPlainText(
                "\n".join(f"{k}: {_claim_text(k, v, now)}" for k, v in claims.access_token.items())
            )
            self._access_claims_title.show()
            self.access_claims.show()
        self.expiry_note.setText(claims.expiry_note)
        self.expiry_note.setVisible(bool(claims.expiry_note))
        self._revealed = True
        self.show_button.setText("Hide")

    def _secret_field(self, label: str, value: str) -> QWidget:
        """A long token in a read-only field (it scrolls, and selects whole), with a copy button of its own."""
        field = QLineEdit(value)
        field.setReadOnly(True)
        field.setCursorPosition(0)  # its start in view, not its end
        field.setAccessibleName(label)
        copy = QToolButton()
        copy.setObjectName("copy")
        copy.setIcon(action_icon("copy", icon_tint(self.palette())))
        copy.setToolTip(
            f"Copy the {label[0].lower()}{label[1:]} (the clipboard clears itself in {in_words(CLEAR_AFTER_S)})"
        )
        copy.setAccessibleName(f"Copy {label}")
        copy.clicked.connect(lambda: self.copy_requested.emit(label, field.text()))
        row = QWidget()
        line = QHBoxLayout(row)
        line.setContentsMargins(0, 0, 0, 0)
        line.addWidget(field, 1)
        line.addWidget(copy)
        return row
