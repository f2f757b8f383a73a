"""The per-connection lock of a workspace: a transaction-scoped advisory lock on the connection's id, taken with
`pg_advisory_xact_lock` (waiting) or `pg_try_advisory_xact_lock`. The server lets go of it when the transaction
ends: committed, rolled back, or its connection lost (a machine that died holds nothing). The held connection's
saves are written in that same transaction, so the new tokens are committed before the lock is let go of."""

from __future__ import annotations

import hashlib

WAIT = "SELECT pg_advisory_xact_lock(%s)"
TRY = "SELECT pg_try_advisory_xact_lock(%s)"


def connection_key(connection_id: str) -> int:
    """The lock's key: 63 bits of a hash of the id (non-negative, apart from `schema.MIGRATION_LOCK`). Two ids
    sharing a key would only wait for each other, never both hold one."""
    digest = hashlib.sha256(b"connmgr connection lock\0" + connection_id.encode()).digest()
    return int.from_bytes(digest[:8], "big") & 0x7FFF_FFFF_FFFF_FFFF
