"""Connections and secrets to save, each recognisable in a failure message and in the database's bytes."""

from __future__ import annotations

from dataclasses import replace

from connmgr.domain.connection import Connection, Secrets, Status


def connection(name: str = "Acme", /, **changes: object) -> Connection:
    base = Connection(
        id=f"id-{name}",
        name=name,
        template_id="oidc",
        flow="authorization_code",
        values={"issuer": f"https://{name.lower()}.example", "client_id": f"client-{name}"},
        account=f"alice@{name.lower()}.example",
        scope="openid offline_access",
        issued_at=1_700_000_000.5,
        expires_at=1_700_003_600.5,
        refresh_expires_at=None,
        has_refresh_token=True,
        status=Status.CONNECTED,
        created_at=1_699_999_000.25,
        updated_at=1_700_000_000.5,
    )
    return replace(base, **changes)  # type: ignore[arg-type]


def secrets(tag: str = "Acme") -> Secrets:
    return Secrets(
        access_token=f"ACCESS-{tag}-7f3a9c",
        refresh_token=f"REFRESH-{tag}-b41e02",
        id_token=f"IDTOKEN-{tag}-5d8e61",
        fields={"client_secret": f"CLIENTSECRET-{tag}-0c9d", "api_key": f"APIKEY-{tag}-e2f7"},
    )


def secret_strings(value: Secrets) -> list[str]:
    return [s for s in (value.access_token, value.refresh_token, value.id_token, *value.fields.values()) if s]
