"""The local store: one person's connections in their data directory, the first implementation of
`interface.ConnectionStore`.

Over the home's SQLite database (`ConnectionDatabase`):
- reads run on the caller's thread, on the database's reading connection, which never waits for a commit (WAL);
  only `read_many`, which may open thousands of envelopes, runs on a worker thread;
- writes go to the database's writer thread, so the event loop never waits for an fsync, and each one is awaited
  until its commit is on disk;
- the per-connection lock is a file lock in the home (`locks`), which every process on the home respects and
  the OS lets go of when its process dies; the locked connection's saves are the writer's commits;
- changes: this object's own commits are told to its listeners straight after they are on disk; another
  process's (the command line's) are noticed by polling SQLite's `data_version` every `POLL_S` on the writing
  connection, which counts other connections' commits only, so the window's own refreshes cost no polling work;
- the audit log is a table in the same database, appended to in the same commit as the change it records.
"""

from __future__ import annotations

import logging
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar, cast

from connmgr.domain.connection import Connection, Secrets
from connmgr.storage.database import BUSY_TIMEOUT_S
from connmgr.storage.datakey import DataKeySource, PassphraseDataKey
from connmgr.storage.errors import ConnectionDamaged, ConnectionNotFound, StorageError
from connmgr.storage.keysource import recorded_key_source
from connmgr.storage.store import ConnectionDatabase

if TYPE_CHECKING:
    import asyncio

    from connmgr.storage.audit import AuditAction, AuditEntry
    from connmgr.storage.interface import Change, Subscription
    from connmgr.storage.watch import Stored, Watch

# asyncio, the lock files, the watch and the audit log's types are imported where they are used: the window
# opens this store and lists its connections before its first paint, which must not wait for them (asyncio alone
# is a noticeable part of start-up).

log = logging.getLogger("connmgr.storage")

T = TypeVar("T")

POLL_S = 0.5  # how soon a window notices what the command line changed
# While other connections of this store are locked (refreshes in flight), a locked save waits this long for theirs
# to join its commit (see storage.writer): the answers that arrive within a couple of milliseconds share one
# wake-up of the writer, and no refresh waits long for its commit (waiting much longer, refreshes in flight would
# spend most of their time waiting for it).
GROUP_COMMIT_S = 0.002

# What a transaction body hands back: its result, and what it left stored for the listeners.
_Written = tuple[T, Sequence["Stored"]]


@cache
def local_actor() -> str:
    """Who acts, for the audit log: the local user and this device."""
    import getpass
    import socket

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no name for this uid (a container's)
        user = "unknown user"
    return f"{user}@{socket.gethostname()}"


class LocalStore:
    """The connections of one home. Safe to use from one event loop's thread; other processes on the same home
    (the command line beside the window) may use it at the same time."""

    def __init__(self, home: Path, keys: DataKeySource, *, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        self.home = home
        self.database = ConnectionDatabase(home, keys, busy_timeout=busy_timeout)
        self._watch: Watch | None = None
        self._poll: asyncio.TimerHandle | None = None
        self._seen_version: int | None = None
        self._locking = 0  # this store's locks held or waited for now

    def __enter__(self) -> LocalStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit what is queued, stop telling listeners, then close the database."""
        if self._poll is not None:
            self._poll.cancel()
        self._watch = self._poll = None
        self.database.close()

    # -- the data key, where no keyring works

    def may_use_passphrase(self) -> bool:
        return recorded_key_source(self.home) is None

    def use_passphrase(self, passphrase: str) -> None:
        self.database.use_key_source(PassphraseDataKey(self.home, passphrase))

    # -- reading

    async def list_connections(self) -> list[Connection]:
        return self.database.list_connections()

    async def get(self, name: str) -> Connection:
        return self.database.get(name)

    async def read(self, name: str) -> tuple[Connection, Secrets]:
        await self.database.unlock()
        return self.database.read(name)

    async def read_many(self, names: Sequence[str]) -> dict[str, tuple[Connection, Secrets]]:
        import asyncio

        await self.database.unlock()
        return await asyncio.to_thread(self.database.read_many, names)

    # -- writing

    async def save(self, connection: Connection, secrets: Secrets, *, audit: AuditAction | None = None) -> None:
        await self.database.unlock()

        def save() -> _Written[None]:
            self.database.save(connection, secrets)
            self._record(audit, [connection])
            return None, [(connection.id, connection)]

        await self._commit(save)

    async def save_metadata(self, connection: Connection, *, audit: AuditAction | None = None) -> None:
        def save_metadata() -> _Written[None]:
            self.database.save_metadata(connection)
            self._record(audit, [connection])
            return None, [(connection.id, self.database.get(connection.name))]  # the settings as they stayed

        await self._commit(save_metadata)

    async def rename(self, old: str, new: str, *, updated_at: float, audit: AuditAction | None = None) -> Connection:
        connection = self.database.get(old)

        def rename() -> _Written[Connection]:  # what is stored now, so no other change is undone
            current = self.database.get(old)
            if current.id != connection.id:
                raise ConnectionNotFound(old)
            renamed = replace(current, name=new, updated_at=updated_at)
            self.database.save_metadata(renamed)  # NameTaken if another connection has the name
            self._record(audit, [renamed], detail=f"was {old}")
            return renamed, [(renamed.id, renamed)]

        from connmgr.storage.locks import connection_lock

        async with connection_lock(self.home, connection.id):
            return await self._commit(rename)

    async def remove(self, name: str, *, audit: AuditAction | None = None) -> Connection | None:
        def remove() -> _Written[Connection | None]:
            try:
                removed = self.database.get(name)
            except ConnectionDamaged as damaged:  # removing is the way out of a damaged row
                self.database.remove(name)
                return None, [(damaged.connection_id, None)]
            self.database.remove(name)
            self._record(audit, [removed])
            return removed, [(removed.id, None)]

        return await self._commit(remove)

    # -- the per-connection lock

    def locked(self, connection: Connection) -> AbstractAsyncContextManager[LocalHeld]:
        return cast("AbstractAsyncContextManager[LocalHeld]", self._held(connection, wait=True))  # waits: never None

    def try_locked(self, connection: Connection) -> AbstractAsyncContextManager[LocalHeld | None]:
        return self._held(connection, wait=False)

    @asynccontextmanager
    async def _held(self, connection: Connection, *, wait: bool) -> AsyncIterator[LocalHeld | None]:
        from connmgr.storage.locks import connection_lock

        await self.database.unlock()  # before the lock: a keyring prompt must not hold it
        self._locking += 1
        try:
            async with connection_lock(self.home, connection.id, wait=wait) as taken:
                if not taken:
                    yield None
                    return
                stored, secrets = self.database.read(connection.name)
                if stored.id != connection.id:
                    raise ConnectionNotFound(connection.name)
                yield LocalHeld(self, stored, secrets)
        finally:
            self._locking -= 1

    # -- change notifications

    def subscribe(self, listener: Callable[[Change], None]) -> Subscription:
        import asyncio

        from connmgr.storage.watch import Watch

        if self._watch is None:
            loop = asyncio.get_running_loop()
            self._seen_version = self.database.data_version()
            self._watch = Watch(loop, self.database.list_connections())
            self._poll = loop.call_later(POLL_S, self._look_for_changes)
        return self._watch.add(listener)

    def _look_for_changes(self) -> None:
        """On the loop, every POLL_S while anyone listens: one query when nothing changed. Another process's
        commit is answered by listing everything again on the writer thread, in order with this object's own
        commits (see `watch`)."""
        watch = self._watch
        if not watch:  # everyone stopped listening: a new listener starts a new watch
            self._watch = self._poll = None
            return
        try:
            version = self.database.data_version()
        except StorageError as error:  # a failing disk: the next look may fare better
            log.warning("cannot look for changes made elsewhere: %s", error.sentence)
            version = None
        if version is not None and version != self._seen_version:
            self._seen_version = version
            listing = self.database.commit_soon(self.database.list_connections)
            listing.add_done_callback(lambda done: None if done.exception() else watch.resync(done.result()))
        self._poll = watch.loop.call_later(POLL_S, self._look_for_changes)

    # -- the audit log

    async def record(self, action: AuditAction, connections: Sequence[Connection], *, detail: str = "") -> None:
        def record() -> _Written[None]:
            self._record(action, connections, detail=detail)
            return None, ()

        await self._commit(record)

    async def audit_log(self, connection_id: str | None = None) -> list[AuditEntry]:
        return self.database.audit_entries(connection_id)

    def _record(self, action: AuditAction | None, connections: Sequence[Connection], *, detail: str = "") -> None:
        """In a transaction body: the audit entries, in the same commit as the change."""
        if action is not None:
            self.database.append_audit(action, connections, actor=local_actor(), at=time.time(), detail=detail)

    # -- committing

    async def _commit(self, work: Callable[[], _Written[T]], *, gather_s: float = 0.0) -> T:
        """`work`'s result once the writer thread has committed it; the listeners are told what it left stored
        before that (and whether or not the caller is still waiting: cancelling it stops nothing)."""
        import asyncio

        future = self.database.commit_soon(work, gather_s=gather_s)
        watch = self._watch
        if watch is not None:
            future.add_done_callback(lambda done: None if done.exception() else watch.committed(done.result()[1]))
        result, _ = await asyncio.wrap_future(future)
        return result


class LocalHeld:
    """A connection of a `LocalStore`, its file lock held."""

    def __init__(self, store: LocalStore, connection: Connection, secrets: Secrets) -> None:
        self._store = store
        self.connection = connection
        self.secrets = secrets

    async def save(self, updated: Connection, secrets: Secrets, *, audit: AuditAction | None = None) -> bool:
        store, expected = self._store, self.connection
        database = store.database

        def save() -> _Written[tuple[Connection, Secrets] | None]:
            if database.save_if_unchanged(expected, updated, secrets):
                store._record(audit, [updated])
                return None, [(updated.id, updated)]
            now = database.read_by_id(expected.id)
            if now is None:
                raise ConnectionNotFound(expected.name)
            return now, ()

        # Queued before anything can run: what the caller saves (a rotated refresh token) reaches the disk even if
        # the caller is cancelled now.
        gather_s = GROUP_COMMIT_S if store._locking > 1 else 0.0
        now = await store._commit(save, gather_s=gather_s)
        if now is None:
            self.connection, self.secrets = updated, secrets
            return True
        self.connection, self.secrets = now
        return False
