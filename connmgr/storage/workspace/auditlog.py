"""Appending to a workspace's audit log (`storage.audit`), in the caller's transaction, so an entry is committed
with the change it records or not at all: the connections' changes (`store`) and the members' (`membership`)."""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from connmgr.storage.audit import GENESIS, AuditEntry, entry_hash

if TYPE_CHECKING:
    from connmgr.storage.workspace.connections import Db

AUDIT_COLUMNS = ("seq", "at", "actor", "action", "connection_id", "connection_name", "detail", "hash")
_APPEND = f"INSERT INTO audit ({', '.join(AUDIT_COLUMNS)}) VALUES ({', '.join(f'%({c})s' for c in AUDIT_COLUMNS)})"  # noqa: S608

# What one entry says besides who and when: the action, the connection's id and name ("" for a member's entry),
# and the detail.
Said = tuple[str, str, str, str]


async def append(db: Db, actor: str, said: Sequence[Said]) -> None:
    """In `db`'s transaction: an entry for each of `said`, chained to the last entry stored. The head's row lock
    puts concurrent appends in one order, and is held only until the commit (so it is taken last, after any lock
    a refresh may hold meanwhile)."""
    if not said:
        return
    head = await (await db.execute("UPDATE audit_head SET seq = seq + %s RETURNING seq", (len(said),))).fetchone()
    assert head is not None
    seq = int(head[0]) - len(said)
    last = await (await db.execute("SELECT hash FROM audit ORDER BY seq DESC LIMIT 1")).fetchone()
    previous = GENESIS if last is None else str(last[0])  # chained to what is there, even if changed
    at = time.time()
    for action, connection_id, connection_name, detail in said:
        seq += 1
        entry = AuditEntry(seq, at, actor, action, connection_id, connection_name, detail, "")
        previous = entry_hash(previous, entry)
        await db.execute(_APPEND, {**vars(entry), "hash": previous})
