"""What `connmgr.services` needs of a connection store, and nothing more: the seam every store implements.

The local store (`LocalStore`, SQLite in the data directory) is the first implementation; a team workspace on
PostgreSQL is the next. Both pass one contract suite (tests/storage/contract), which holds them to what is
written here.

Every method is called on the event loop's thread and never blocks it: whatever may wait (a keyring, a disk's
fsync, a network, a lock held elsewhere) is awaited. Names are unique within a store; the id of a connection
never changes, its name may. Failures are the typed errors of `connmgr.storage.errors`, each with its sentence:
`ConnectionNotFound` for a name (or id) not stored, `NameTaken` for a name another connection has,
`SecretsUnreadable` for secrets that do not open (sealed under another key, or for other settings: see
`sealing`), a `DataKeyError` when what opens them cannot be had, and a `StoreRefused` when the storage itself
would not (a disk, a server). A write that raises changed nothing (for `StoreRefused` across a network: or its
outcome is unknown, see there).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from connmgr.domain.connection import Connection, Secrets

if TYPE_CHECKING:
    from connmgr.storage.audit import AuditAction, AuditEntry


@dataclass(frozen=True)
class Change:
    """A stored connection as it was known to this process and as it is stored now: new (`before` None), removed
    (`after` None), renamed (the names differ), refreshed, revoked, or its status or account changed."""

    before: Connection | None
    after: Connection | None


class Subscription(Protocol):
    def close(self) -> None:
        """No more changes for this listener (none is delivered after this returns)."""


class HeldConnection(Protocol):
    """A connection locked for its holder (see `ConnectionStore.locked`), as stored once the lock was taken."""

    @property
    def connection(self) -> Connection: ...

    @property
    def secrets(self) -> Secrets: ...

    async def save(self, updated: Connection, secrets: Secrets, *, audit: AuditAction | None = None) -> bool:
        """Save `updated` (the same id) and `secrets` in place of `connection`, if that is still exactly what is
        stored (every metadata field: other writers do not take the lock), and record `audit` with it; True.
        Otherwise nothing is written, `connection` and `secrets` become what is stored now, and it returns False:
        the caller decides again. `ConnectionNotFound` if it was removed meanwhile; `SecretsUnreadable` if what
        is stored now does not open (its settings were changed outside connmgr).

        The save is committed (durable, and seen by every other reader) by the time the `async with` block that
        holds the lock has ended without an exception; a store may commit it sooner (the local store commits it
        before returning). If the block raises, whether it was committed is the store's: the local store's is,
        a workspace's transaction is rolled back. Once this has been called, cancelling the caller does not stop
        the save."""


class ConnectionStore(Protocol):
    # -- reading: what is committed now, including other processes' commits

    async def list_connections(self) -> list[Connection]:
        """Every connection's metadata, ordered by name ignoring case (then by name). Never needs the key that
        opens secrets."""

    async def get(self, name: str) -> Connection:
        """One connection's metadata. Never needs the key that opens secrets."""

    async def read(self, name: str) -> tuple[Connection, Secrets]:
        """One connection's metadata and secrets, as one snapshot; the secrets opened with the settings stored
        beside them. The first read of secrets may wait for their key (a keyring prompt)."""

    async def read_many(self, names: Sequence[str]) -> dict[str, tuple[Connection, Secrets]]:
        """Each named connection's metadata and secrets, in the order asked, as one snapshot;
        `ConnectionNotFound` for the first name missing."""

    # -- writing: each call is atomic, committed (durable, seen by every reader) once it returns, and records
    # `audit` in the same commit. Once called, cancelling the caller does not stop the write.

    async def save(self, connection: Connection, secrets: Secrets, *, audit: AuditAction | None = None) -> None:
        """Insert, or replace the connection with the same id (which may rename it): metadata and secrets, sealed
        with the settings in `connection`. `NameTaken` if another connection has the name."""

    async def save_metadata(self, connection: Connection, *, audit: AuditAction | None = None) -> None:
        """Replace an existing connection's metadata (found by id; it may rename it). Its secrets stay as they
        are, and so do the settings they are sealed with (template, flow, field values), whatever `connection`
        says; never needs the key that opens secrets."""

    async def rename(self, old: str, new: str, *, updated_at: float, audit: AuditAction | None = None) -> Connection:
        """Give the connection named `old` the name `new` (and `updated_at`), all else as stored now; the renamed
        connection. Waits while the connection is locked (a refresh in flight, here or elsewhere), so that no
        refresh meets a name changed under it. Never needs the key that opens secrets."""

    async def remove(self, name: str, *, audit: AuditAction | None = None) -> Connection | None:
        """Delete a connection, metadata and secrets; the metadata it had, or None when that was too damaged to
        read (`ConnectionDamaged`: removing is the way out, so it is removed all the same, and nothing is
        recorded about it). Does not wait for its lock."""

    # -- the per-connection lock

    def locked(self, connection: Connection) -> AbstractAsyncContextManager[HeldConnection]:
        """Hold `connection`'s lock (by its id) for the block, waiting while another holder has it: another task,
        another process, another machine; then read it again. At most one holder at a time, everywhere; the lock
        is not reentrant, and it ends with its holder (the block, the process, the connection to a server),
        however that ends. `ConnectionNotFound` if no connection with its id and name is stored once the lock is
        ours. The refresh of a rotating refresh token happens only inside this, so that it is spent once."""

    def try_locked(self, connection: Connection) -> AbstractAsyncContextManager[HeldConnection | None]:
        """As `locked`, but without waiting: the block gets None, and holds nothing, while another holder has
        the lock (a scheduler skips that connection)."""

    # -- change notifications

    def subscribe(self, listener: Callable[[Change], None]) -> Subscription:
        """Call `listener` with every change to the stored connections, made here or by another process (or
        machine), on the thread of the event loop running now, one call at a time.

        A change made through this store object reaches its listeners before the call that made it returns;
        one made elsewhere, soon after it is committed (the local store: within `POLL_S`). A listener may be
        told of a state more than once, and of the latest state only when several changes came close together;
        the `after` it is told of is never older than what it was told before."""

    # -- the audit log

    async def record(self, action: AuditAction, connections: Sequence[Connection], *, detail: str = "") -> None:
        """Append an entry for each connection, in one commit: what was done (`action`, `detail`: never a
        secret), by whom (the store knows: the local user and device, or a workspace's member) and when. For what
        is handed out (a copied token, an export) rather than written: recorded before it is handed out."""

    async def audit_log(self, connection_id: str | None = None) -> list[AuditEntry]:
        """The entries in the order they were recorded: all of them (`audit.first_broken_link` checks their
        chain), or those about one connection."""


@runtime_checkable
class PassphraseKeyed(Protocol):
    """A store whose data key a passphrase may protect where no keyring works: the local store, whose key is its
    home's own (a workspace's is not the person's to protect). Asked of a store, never assumed."""

    def may_use_passphrase(self) -> bool:
        """Whether nothing protects the data key yet, so that a passphrase still may."""

    def use_passphrase(self, passphrase: str) -> None:
        """Protect the data key with `passphrase` from now on, before any was loaded."""
