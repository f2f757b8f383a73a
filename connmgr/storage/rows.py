"""A `Connection` as a row of the `connections` table, and back."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import TypeVar

from connmgr.domain.connection import Connection, Status
from connmgr.domain.dialect import Flow
from connmgr.domain.errors import clip
from connmgr.storage.errors import ConnectionDamaged

Word = TypeVar("Word", bound=StrEnum)
# A stored word to its member by a dict lookup: calling the enum costs more, for every row of every listing.
_FLOWS = {flow.value: flow for flow in Flow}
_STATUSES = {status.value: status for status in Status}

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
    """The connection a row holds; `ConnectionDamaged` for a value no connmgr writes (a schema change comes with a
    migration, so a newer connmgr's rows are refused as a whole before one is read)."""
    return Connection(
        id=row["id"],
        name=row["name"],
        template_id=row["template_id"],
        flow=_word(row, "flow", _FLOWS),
        values=MappingProxyType(json.loads(row["field_values"])),
        account=row["account"],
        scope=row["scope"],
        token_type=row["token_type"],
        issued_at=row["issued_at"],
        expires_at=row["expires_at"],
        refresh_expires_at=row["refresh_expires_at"],
        has_refresh_token=bool(row["has_refresh_token"]),
        status=_word(row, "status", _STATUSES),
        status_detail=row["status_detail"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )


def _word(row: sqlite3.Row, column: str, words: Mapping[str, Word]) -> Word:
    try:
        return words[row[column]]
    except KeyError:
        raise ConnectionDamaged(
            row["id"], row["name"], f"its {column} {clip(str(row[column]), 40)!r} is unknown"
        ) from None
