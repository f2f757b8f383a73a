"""A `Connection` as a row of the `connections` table, and back."""

from __future__ import annotations

import json
import math
import sqlite3
from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from connmgr.domain.connection import Connection, Status
from connmgr.domain.dialect import Flow
from connmgr.domain.errors import clip
from connmgr.storage.errors import ConnectionDamaged

Word = TypeVar("Word", bound=StrEnum)
# A stored word to its member by a dict lookup: calling the enum costs more, for every row of every listing.
_FLOWS = {flow.value: flow for flow in Flow}
_STATUSES = {status.value: status for status in Status}
_new_connection = object.__new__

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
_METADATA_COUNT = len(METADATA_COLUMNS)
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


def connection_from_row(row: sqlite3.Row | tuple[Any, ...]) -> Connection:
    """The connection a row holds (its columns in `METADATA_COLUMNS`' order, any others after them);
    `ConnectionDamaged` for a value no connmgr writes (a schema change comes with a migration, so a newer
    connmgr's rows are refused as a whole before one is read). Read by position: by name, each of a listing's
    sixteen thousand look-ups searched the columns' names."""
    (id_, name, template_id, flow, field_values, account, scope, token_type, issued_at, expires_at, refresh_expires_at,
     has_refresh_token, status, status_detail, created_at, updated_at) = row[:_METADATA_COUNT]  # fmt: skip
    _check_times(id_, name, (issued_at, expires_at, refresh_expires_at, created_at, updated_at))
    # Its fields filled at once: the frozen dataclass's __init__ sets them one object.__setattr__ at a time, which
    # was half of a listing's conversion (10,000 rows: 40 ms, now 18). Every field is set, as `__init__` would.
    connection = _new_connection(Connection)
    connection.__dict__.update(
        id=id_,
        name=name,
        template_id=template_id,
        flow=_word(id_, name, "flow", flow, _FLOWS),
        values=_values(id_, name, field_values),
        account=account,
        scope=scope,
        token_type=token_type,
        issued_at=issued_at,
        expires_at=expires_at,
        refresh_expires_at=refresh_expires_at,
        has_refresh_token=bool(has_refresh_token),
        status=_word(id_, name, "status", status, _STATUSES),
        status_detail=status_detail,
        created_at=created_at,
        updated_at=updated_at,
    )
    return connection


def connection_from_columns(row: Mapping[str, Any]) -> Connection:
    """The same, from a row read by column name (PostgreSQL's)."""
    return connection_from_row(tuple(row[column] for column in METADATA_COLUMNS))


_TIMES = ("issued_at", "expires_at", "refresh_expires_at", "created_at", "updated_at")


def _check_times(id_: str, name: str, times: tuple[Any, ...]) -> None:
    """`ConnectionDamaged` unless each time is absent or a finite number: an infinite expiry is no time to count
    down to, or to plan a refresh at."""
    for column, stored in zip(_TIMES, times, strict=True):
        if stored is not None and not (type(stored) is float and math.isfinite(stored)):  # REAL, DOUBLE: a float
            raise ConnectionDamaged(id_, name, f"its {column} {clip(repr(stored), 40)} is not a time")


def _values(id_: str, name: str, stored: str) -> Mapping[str, str]:
    """The settings' JSON object, or `ConnectionDamaged`. (A value changed in it, of any type, is the seal's to
    catch: the secrets bound to the settings then do not open, and the row is still listed.)"""
    try:
        values = json.loads(stored)
    except (TypeError, ValueError, RecursionError):  # RecursionError: nested deeper than the parser goes
        values = None
    if type(values) is not dict:
        raise ConnectionDamaged(id_, name, "its settings are not a JSON object")
    return MappingProxyType(values)


def _word(id_: str, name: str, column: str, stored: str, words: Mapping[str, Word]) -> Word:
    try:
        return words[stored]
    except KeyError:
        raise ConnectionDamaged(id_, name, f"its {column} {clip(str(stored), 40)!r} is unknown") from None
