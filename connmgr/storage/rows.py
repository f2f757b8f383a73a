"""A `Connection` as a row of the `connections` table, and back."""

from __future__ import annotations

import json
import sqlite3
from types import MappingProxyType

from connmgr.domain.connection import Connection, Status

# Every metadata column, in one place: the SQL of the store is built from it.
METADATA_COLUMNS = (
    "id",
    "name",
    "template_id",
    "flow",
    "field_values",
    "account",
    "scope",
    "token_type",
    "issued_at",
    "expires_at",
    "refresh_expires_at",
    "has_refresh_token",
    "status",
    "status_detail",
    "created_at",
    "updated_at",
)
# The columns holding what the seal binds the secrets to (`sealing.Binding`): written only with new secrets.
SETTINGS_COLUMNS = ("template_id", "flow", "field_values")


def metadata_row(connection: Connection) -> dict[str, object]:
    """Named parameters for the columns in `METADATA_COLUMNS`."""
    return {
        "id": connection.id,
        "name": connection.name,
        "template_id": connection.template_id,
        "flow": connection.flow,
        "field_values": json.dumps(dict(connection.values), sort_keys=True),
        "account": connection.account,
        "scope": connection.scope,
        "token_type": connection.token_type,
        "issued_at": connection.issued_at,
        "expires_at": connection.expires_at,
        "refresh_expires_at": connection.refresh_expires_at,
        "has_refresh_token": int(connection.has_refresh_token),
        "status": connection.status.value,
        "status_detail": connection.status_detail,
        "created_at": connection.created_at,
        "updated_at": connection.updated_at,
    }


def connection_from_row(row: sqlite3.Row) -> Connection:
    return Connection(
        id=row["id"],
        name=row["name"],
        template_id=row["template_id"],
        flow=row["flow"],
        values=MappingProxyType(json.loads(row["field_values"])),
        account=row["account"],
        scope=row["scope"],
        token_type=row["token_type"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        refresh_expires_at=row["refresh_expires_at"],
        has_refresh_token=bool(row["has_refresh_token"]),
        status=Status(row["status"]),
        status_detail=row["status_detail"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )
