"""A connection's history: what the audit log says was done to it, and whether the whole log still holds together
(an entry changed or removed anywhere breaks the chain after it, so the check is of the whole log)."""

from __future__ import annotations

from dataclasses import dataclass

from connmgr.domain.connection import Connection
from connmgr.storage.audit import AuditAction, AuditEntry, BrokenLink, first_broken_link
from connmgr.storage.both import HomeAndWorkspace
from connmgr.storage.interface import ConnectionStore


@dataclass(frozen=True)
class History:
    connection: Connection
    entries: tuple[AuditEntry, ...]  # about this connection, oldest first
    broken: BrokenLink | None  # the whole log's first broken link; None: intact


async def history_of(store: ConnectionStore, name: str) -> History:
    connection = await store.get(name)
    # A home joined to its workspace keeps two logs, each chained on its own.
    chains = await store.audit_chains() if isinstance(store, HomeAndWorkspace) else [await store.audit_log()]
    about = tuple(entry for chain in chains for entry in chain if entry.connection_id == connection.id)
    broken = next((link for chain in chains if (link := first_broken_link(chain)) is not None), None)
    return History(connection, about, broken)


async def connected_by(store: ConnectionStore, connection_id: str | None = None) -> dict[str, str]:
    """The member who connected each connection (or shared it into the workspace), by connection id, as the audit
    log says: the latest connect wins. `connection_id`: that one connection's only."""
    members: dict[str, str] = {}
    for entry in await store.audit_log(connection_id):
        if entry.action == AuditAction.CONNECT:
            members[entry.connection_id] = entry.actor
    return members
