"""What the window last saw of its workspace's connections, kept in the home so that they stay listed while the
workspace cannot be reached: `workspace-listing.json` (0600), metadata only (what the table and the details pane
show, never a token, a key or a client secret), the workspace's name and who connected each.

Read back as hostile input: anything but the exact shape written here is refused as a whole with one sentence,
and the window then lists this home's connections alone until the workspace answers (nothing is lost: the
workspace holds the connections; this is a copy of what it showed).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from connmgr.domain.connection import Connection
from connmgr.domain.sharing import LastKnown
from connmgr.storage.errors import ConnectionDamaged, StorageError
from connmgr.storage.rows import METADATA_COLUMNS, connection_from_row, metadata_row
from connmgr.storage.workspace.errors import WORKSPACE
from connmgr.storage.workspace.home_files import read_json, write_json

LAST_KNOWN_NAME = "workspace-listing.json"
_MAX_BYTES = 64 * 1024 * 1024  # some 80,000 connections
_TEXT = ("id", "name", "template_id", "flow", "field_values", "status")
_TEXT_OR_NONE = ("account", "scope", "token_type", "status_detail")
_TIME = ("created_at", "updated_at")
_TIME_OR_NONE = ("issued_at", "expires_at", "refresh_expires_at")
_ROW_KEYS = {*METADATA_COLUMNS, "connected_by"}


class LastKnownUnreadable(StorageError):
    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(
            WORKSPACE,
            f"{path} is not a listing connmgr wrote ({reason}), so the workspace's connections are not listed while"
            " it is offline",
            "nothing is lost: they are listed again once the workspace answers, and the file is written anew",
        )


def last_known_path(home: Path) -> Path:
    return home / LAST_KNOWN_NAME


def save_last_known(home: Path, known: LastKnown) -> None:
    """Written whole (a new file, then renamed over the old), private to its owner."""
    rows = [
        {**metadata_row(c), "connected_by": known.connected_by.get(c.id)} for c in known.connections
    ]  # metadata only: a Connection holds no secret
    write_json(last_known_path(home), {"version": 1, "workspace": known.workspace, "connections": rows})


def load_last_known(home: Path) -> LastKnown | None:
    """What was last saved; None if nothing was; `LastKnownUnreadable` for a file connmgr did not write."""
    path = last_known_path(home)
    data = read_json(path, _MAX_BYTES, lambda reason: LastKnownUnreadable(path, reason))
    if data is None:
        return None
    if not isinstance(data, dict) or set(data) != {"version", "workspace", "connections"} or data["version"] != 1:
        raise LastKnownUnreadable(path, "its fields are not the expected ones")
    if not isinstance(data["workspace"], str) or not isinstance(data["connections"], list):
        raise LastKnownUnreadable(path, "its workspace or connections are not what connmgr writes")
    connections, connected_by = [], {}
    for row in data["connections"]:
        connection, member = _connection(path, row)
        connections.append(connection)
        if member is not None:
            connected_by[connection.id] = member
    if len({c.id for c in connections}) != len(connections) or len({c.name for c in connections}) != len(connections):
        raise LastKnownUnreadable(path, "a connection is listed twice")
    return LastKnown(data["workspace"], tuple(connections), connected_by)


def _connection(path: Path, row: Any) -> tuple[Connection, str | None]:
    if not isinstance(row, dict) or set(row) != _ROW_KEYS:
        raise LastKnownUnreadable(path, "a connection's fields are not the expected ones")
    flag = row["has_refresh_token"]
    wrong = (
        [k for k in _TEXT if not isinstance(row[k], str)]
        + [k for k in (*_TEXT_OR_NONE, "connected_by") if row[k] is not None and not isinstance(row[k], str)]
        + [k for k in _TIME if not _is_time(row[k])]
        + [k for k in _TIME_OR_NONE if row[k] is not None and not _is_time(row[k])]
        + ([] if type(flag) is int and flag in (0, 1) else ["has_refresh_token"])
    )
    if wrong:
        raise LastKnownUnreadable(path, f"a connection's {wrong[0]} is not what connmgr writes")
    try:
        values = json.loads(row["field_values"])
    except (ValueError, RecursionError):
        values = None
    if not isinstance(values, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in values.items()):
        raise LastKnownUnreadable(path, "a connection's settings are not text")
    try:
        return connection_from_row(tuple(row[column] for column in METADATA_COLUMNS)), row["connected_by"]
    except ConnectionDamaged:
        raise LastKnownUnreadable(path, "a connection's flow or status is unknown") from None


def _is_time(value: object) -> bool:
    return type(value) in (int, float) and math.isfinite(value)  # type: ignore[arg-type]
