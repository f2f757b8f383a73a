"""The audit log: who did what to which connection, and when; never a secret. Every store keeps it the same way.

Each entry is hash-chained to the one before it: its hash is SHA-256 over the previous entry's hash and the
entry's own fields, in the canonical encoding (`canonical`). An entry changed afterwards no longer matches its
hash, and one removed from the middle leaves a gap in the numbers and breaks the link of the entry after it;
`first_broken_link` finds the first such place. (A chain rewritten from the changed entry on, or cut short at its
end, needs something the writer cannot also rewrite: the workspace's append-only table, for a team.)
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from connmgr.storage.canonical import canonical

GENESIS = "0" * 64  # what the first entry is chained to


class AuditAction(StrEnum):
    CONNECT = "connect"  # signed in and saved (a new connection, or one connected again)
    REFRESH = "refresh"  # new tokens from the vendor, saved
    COPY = "copy"  # a token handed out (copied, or printed by `connmgr token`)
    REVEAL = "reveal"  # the tokens shown in the window's details pane
    EXPORT = "export"  # credentials written to a .env file
    CHECK = "check"  # the vendor asked whom the token belongs to (the detail: its status, time and answer)
    REVOKE = "revoke"
    RENAME = "rename"
    REMOVE = "remove"
    # A workspace's members (no connection: its id and name are empty; the detail names the member and device).
    JOIN = "join"  # a device asked to join
    APPROVE = "approve"  # an admin let a device in, wrapping the workspace key for it
    REMOVE_MEMBER = "remove member"  # an admin removed a member; the key was rotated, the secrets sealed again


@dataclass(frozen=True)
class AuditEntry:
    """One entry as stored: read back from outside, so `action` is the stored text, not trusted to be known."""

    seq: int  # its place in the log, from 1
    at: float  # epoch seconds
    actor: str  # who: for the local store, the user and the device ("alice@laptop")
    action: str
    connection_id: str
    connection_name: str  # the name it had then
    detail: str  # what else is worth knowing (a rename's old name, an export's file); never a secret
    hash: str  # hex SHA-256, chained to the entry before


@dataclass(frozen=True)
class BrokenLink:
    seq: int
    sentence: str


def entry_hash(previous: str, entry: AuditEntry) -> str:
    """What `entry`'s hash must be, following the entry whose hash is `previous` (its own `hash` is not read)."""
    fields = (previous, str(entry.seq), repr(entry.at), entry.actor, entry.action, entry.connection_id,
              entry.connection_name, entry.detail)  # fmt: skip
    return hashlib.sha256(canonical("connmgr audit", fields)).hexdigest()


def first_broken_link(entries: Iterable[AuditEntry]) -> BrokenLink | None:
    """The first entry (of the whole log, in order) that was changed or does not follow the one before it; None
    if every link holds."""
    previous, expected_seq = GENESIS, 1
    for entry in entries:
        if entry.seq != expected_seq:
            missing = (
                f"entry {expected_seq}"
                if entry.seq == expected_seq + 1
                else f"entries {expected_seq} to {entry.seq - 1}"
            )
            return BrokenLink(entry.seq, f"the audit log lacks {missing}: removed, or never written")
        try:
            intact = entry.hash == entry_hash(previous, entry)
        except ValueError:  # a field that is not text: written by hand
            intact = False
        if not intact:
            return BrokenLink(entry.seq, f"entry {entry.seq} of the audit log was changed after it was written")
        previous, expected_seq = entry.hash, entry.seq + 1
    return None
