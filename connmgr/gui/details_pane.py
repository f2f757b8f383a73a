"""The selected connection in full: settings, endpoints, times, and its secrets masked until "Show"."""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from connmgr.domain.connection import Connection, Secrets
from connmgr.domain.health import Health, countdown
from connmgr.domain.template import TemplateCatalog
from connmgr.gui.resources import vendor_icon
from connmgr.gui.text_styles import heading

MASK = "•" * 12
FLOW_LABELS = {
    "authorization_code": "Sign-in (authorization code)",
    "client_credentials": "Client credentials",
    "password": "Username and password",
}


def _when(epoch: float | None, now: float, *, never: str = "never") -> str:
    """A time for a person: local, to the second, and how far off it is."""
    if epoch is None:
        return never
    local = datetime.fromtimestamp(epoch).astimezone()
    distance = countdown(abs(epoch - now))
    return f"{local:%Y-%m-%d %H:%M:%S %Z} ({f'{distance} ago' if epoch <= now else f'in {distance}'})"


def _value_label(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setWordWrap(True)
    return label


class DetailsPane(QWidget):
    reveal_requested = Signal(str)  # the connection's name

    def __init__(self, catalog: TemplateCatalog, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._catalog = catalog
        self._connection: Connection | None = None
        self.heading = heading(QLabel(), 14)
        self.icon = QLabel()
        self.summary = QFormLayout()
        self.endpoints = QFormLayout()
        self.settings = QFormLayout()
        self.secrets = QFormLayout()
        self.show_button = QPushButton("Show")
        self.show_button.setToolTip("Reveal the tokens (read from the keyring)")
        self.show_button.clicked.connect(self._on_show_clicked)
        self.claims = QPlainTextEdit()
        self.claims.setReadOnly(True)
        self.claims.setPlaceholderText("Shown with the secrets")
        self.claims.setMaximumHeight(160)

        top = QHBoxLayout()
        top.addWidget(self.icon)
        top.addWidget(self.heading, 1)
        body = QWidget()
        column = QVBoxLayout(body)
        column.addLayout(top)
        column.addLayout(self.summary)
        self._endpoints_box = QGroupBox("Endpoints")
        self._endpoints_box.setLayout(self.endpoints)
        settings_box = QGroupBox("Settings")
        settings_box.setLayout(self.settings)
        column.addWidget(self._endpoints_box)
        column.addWidget(settings_box)
        secret_box = QGroupBox("Secrets")
        secret_column = QVBoxLayout(secret_box)
        secret_column.addLayout(self.secrets)
        secret_column.addWidget(self.show_button, 0, Qt.AlignmentFlag.AlignLeft)
        secret_column.addWidget(QLabel("Id-token claims (decoded for display, not trusted)"))
        secret_column.addWidget(self.claims)
        column.addWidget(secret_box)
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
        self, connection: Connection | None, health: Health | None, endpoints: Mapping[str, str]
    ) -> None:
        """Show metadata only; secrets stay masked until the person asks."""
        self._connection = connection
        for form in (self.summary, self.endpoints, self.settings, self.secrets):
            while form.rowCount():
                form.removeRow(0)
        self.claims.clear()
        self.show_button.setEnabled(connection is not None)
        if connection is None:
            self.heading.setText("Select a connection to see its details")
            self.icon.clear()
            return
        template = self._catalog.templates.get(connection.template_id)
        now = time.time()
        self.heading.setText(connection.name)
        self.icon.setPixmap(vendor_icon(connection.template_id).pixmap(24, 24))
        rows = {
            "Vendor": template.name if template else connection.template_id,
            "Flow": FLOW_LABELS.get(connection.flow, connection.flow),
            "Account": connection.account or "—",
            "Status": (health.label if health else connection.status.value)
            + (f" — {connection.status_detail}" if connection.status_detail else ""),
            "Scopes": connection.scope or "—",
            "Token type": connection.token_type,
            "Issued": _when(connection.issued_at, now, never="—"),
            "Expires": _when(connection.expires_at, now),
            "Refresh token expires": _when(
                connection.refresh_expires_at,
                now,
                never="not given by the vendor" if connection.has_refresh_token else "—",
            ),
        }
        for key, value in rows.items():
            self.summary.addRow(key, _value_label(value))
        for name, url in endpoints.items():
            self.endpoints.addRow(name, _value_label(url))
        self._endpoints_box.setVisible(bool(endpoints))
        for name, value in sorted(connection.values.items()):
            self.settings.addRow(name, _value_label(value))
        self._mask()

    def _mask(self) -> None:
        for name in ("Access token", "Refresh token", "Id token"):
            self.secrets.addRow(name, _value_label(MASK))

    def _on_show_clicked(self) -> None:
        if self._connection is not None:
            self.reveal_requested.emit(self._connection.name)

    def reveal(self, name: str, secrets: Secrets, claims: dict[str, Any]) -> None:
        """Show the secrets the controller read, if the same connection is still selected."""
        if self._connection is None or self._connection.name != name:
            return
        while self.secrets.rowCount():
            self.secrets.removeRow(0)
        shown = {
            "Access token": secrets.access_token,
            "Refresh token": secrets.refresh_token,
            "Id token": secrets.id_token,
        }
        shown |= {f"{key} (field)": value for key, value in secrets.fields.items()}
        for key, value in shown.items():
            self.secrets.addRow(key, _value_label(value or "—"))
        self.claims.setPlainText(json.dumps(claims, indent=2, sort_keys=True) if claims else "")
