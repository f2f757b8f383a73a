"""A saved connection: its metadata (listed without the keyring) and its secrets."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from types import MappingProxyType

from connmgr.domain.dialect import Flow
from connmgr.domain.tokens import TokenSet


class Status(StrEnum):
    """What is stored. What a person sees (expiring soon, expired, ...) is derived from it and the clock."""

    CONNECTED = "connected"
    NEEDS_SIGN_IN = "needs_sign_in"
    REVOKED = "revoked"
    ERROR = "error"


@dataclass(frozen=True)
class Secrets:
    """Everything that must never be written in the clear."""

    access_token: str | None = field(default=None, repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    fields: Mapping[str, str] = field(default_factory=dict, repr=False)  # client_secret, api_key

    def to_json(self) -> dict[str, object]:
        return {
            "access_token": self.access_token,
            "refresh_token": self.refresh_token,
            "id_token": self.id_token,
            "fields": dict(self.fields),
        }

    @classmethod
    def from_json(cls, data: Mapping[str, object]) -> Secrets:
        def text(key: str) -> str | None:
            value = data.get(key)
            return value if isinstance(value, str) else None

        raw_fields = data.get("fields")
        fields = {k: v for k, v in raw_fields.items() if isinstance(v, str)} if isinstance(raw_fields, dict) else {}
        return cls(text("access_token"), text("refresh_token"), text("id_token"), MappingProxyType(fields))


@dataclass(frozen=True)
class Connection:
    """The metadata row: enough to list, sort and count down without touching a secret."""

    id: str
    name: str
    template_id: str
    flow: Flow
    values: Mapping[str, str]  # non-secret field values (site, tenant, client_id, ...)
    account: str | None = None
    scope: str | None = None
    token_type: str = "Bearer"
    issued_at: float | None = None
    expires_at: float | None = None
    refresh_expires_at: float | None = None
    has_refresh_token: bool = False
    status: Status = Status.CONNECTED
    status_detail: str = ""
    created_at: float = 0.0
    updated_at: float = 0.0

    def remaining(self, now: float) -> float | None:
        """Seconds from `now` until the access token runs out (negative once it has); None if it never does."""
        return None if self.expires_at is None else self.expires_at - now

    @property
    def generation(self) -> tuple[object, ...]:
        """Which tokens it holds: changes whenever it gets new ones (a sign-in, a refresh, a revoke) and only then,
        not when its account label or its status does."""
        return self.id, self.issued_at, self.expires_at, self.has_refresh_token

    def with_tokens(self, tokens: TokenSet, *, now: float) -> Connection:
        """This connection after a sign-in or refresh produced `tokens`."""
        return replace(
            self,
            scope=tokens.scope or self.scope,
            token_type=tokens.token_type,
            issued_at=tokens.issued_at,
            expires_at=tokens.expires_at,
            refresh_expires_at=tokens.refresh_expires_at,
            has_refresh_token=bool(tokens.refresh_token),
            status=Status.CONNECTED,
            status_detail="",
            updated_at=now,
        )


def split_values(values: Mapping[str, str], secret_names: set[str]) -> tuple[dict[str, str], dict[str, str]]:
    """(plain, secret) field values: secret ones go to the encrypted store only."""
    plain = {k: v for k, v in values.items() if k not in secret_names}
    secret = {k: v for k, v in values.items() if k in secret_names}
    return plain, secret


def secrets_of(tokens: TokenSet, fields: Mapping[str, str]) -> Secrets:
    """What is kept secret of `tokens`, with the connection's secret field values (`fields`)."""
    return Secrets(tokens.access_token, tokens.refresh_token, tokens.id_token, dict(fields))


def tokens_of(connection: Connection, secrets: Secrets) -> TokenSet | None:
    if not secrets.access_token:
        return None
    return TokenSet(
        access_token=secrets.access_token,
        token_type=connection.token_type,
        refresh_token=secrets.refresh_token,
        id_token=secrets.id_token,
        scope=connection.scope,
        issued_at=connection.issued_at or 0.0,
        expires_at=connection.expires_at,
        refresh_expires_at=connection.refresh_expires_at,
    )
