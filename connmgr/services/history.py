"""A connection's history: what the audit log says was done to it, and whether the whole log still holds together
(an entry changed or removed anywhere breaks the chain after it, so the check is of the whole log)."""

from __future__ import annotations

from dataclasses import dataclass

from connmgr.domain.connection import Connection
from connmgr.storage.audit import AuditEntry, BrokenLink, first_broken_link
from connmgr.storage.interface import ConnectionStore


@dataclass(frozen=True)
class History:
    connection: Connection
    entries: tuple[AuditEntry, ...]  # about this connection, oldest first
    broken: BrokenLink | None  # the whole log's first broken link; None: intact


async def history_of(store: ConnectionStore, name: str) -> History:
    connection = await store.get(name)
    everything = await store.audit_log()
    about = tuple(entry for entry in everything if entry.connection_id == connection.id)
    return History(connection, about, first_broken_link(everything))
