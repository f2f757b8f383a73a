"""A team's workspace: connections in a PostgreSQL database (13 or newer) that several machines share, the second
implementation of `interface.ConnectionStore`.

- Every call awaits the server on the event loop. psycopg's async connections need a loop with `add_reader`: a
  selector loop, which qasync's is on Linux and macOS (its readers are QSocketNotifiers, so Qt's own event loop
  drives them). On Windows qasync's default is a proactor loop, which psycopg refuses: a window there would need
  `qasync.QSelectorEventLoop`. Each task takes its own connection (`connections`).
- Secrets are sealed blobs only, bound to each connection's id and settings, by the `Sealing` the store is given.
- The per-connection lock is a transaction holding an advisory lock (`lock`); the held connection's saves and
  their audit entries are committed in that transaction when the block ends, rolled back if it raises. Until
  then the saved row stays locked too: another write to that connection waits for the block to end (so the
  holder must not await one itself).
- Changes: every write notifies in its transaction; this object's own commits are told to its listeners before
  the call returns, other processes' once their notification arrives (`notifications`), by listing again.
- The audit log is a table the app only appends to (a trigger refuses the rest), hash-chained as the local one.
- The schema is migrated by version on first use, one process at a time (`schema`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeVar, cast

from connmgr.domain.connection import Connection, Secrets
from connmgr.domain.errors import ConnmgrError
from connmgr.storage.audit import AuditAction, AuditEntry
from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.errors import ConnectionDamaged, ConnectionNotFound, NameTaken, SecretsUnreadable
from connmgr.storage.interface import Change, Subscription
from connmgr.storage.rows import METADATA_COLUMNS, SETTINGS_COLUMNS, connection_from_columns, metadata_row
from connmgr.storage.sealing import Binding, SecretCodec
from connmgr.storage.watch import Stored, Watch
from connmgr.storage.workspace import auditlog, lock
from connmgr.storage.workspace.address import WorkspaceAddress
from connmgr.storage.workspace.connections import ServerConnections
from connmgr.storage.workspace.notifications import NOTIFY, ChangeListener
from connmgr.storage.workspace.password import Credentials, Prompt
from connmgr.storage.workspace.schema import migrate
from connmgr.storage.workspace.sealing import Sealing

if TYPE_CHECKING:
    from connmgr.storage.workspace.connections import Db

log = logging.getLogger("connmgr.storage")

T = TypeVar("T")

# SQL built from fixed column names (S608 flags any f-string SQL); values always go in as parameters.
_COLUMNS = ", ".join(METADATA_COLUMNS)
_SELECT = f"SELECT {_COLUMNS} FROM connections"  # noqa: S608
_SELECT_WITH_SECRETS = f"SELECT {_COLUMNS}, secrets FROM connections"  # noqa: S608
_GET = f"{_SELECT} WHERE name = %s"
_READ = f"{_SELECT_WITH_SECRETS} WHERE name = %s"
# SQLite's NOCASE: ASCII letters folded, then the bytes (which the "C" collation compares too).
_BY_NAME = ' ORDER BY lower(name COLLATE "C"), name COLLATE "C"'
_UPSERT = (
    f"INSERT INTO connections ({_COLUMNS}, secrets)"  # noqa: S608
    f" VALUES ({', '.join(f'%({c})s' for c in METADATA_COLUMNS)}, %(secrets)s)"
    f" ON CONFLICT (id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in (*METADATA_COLUMNS, 'secrets'))}"
)
_SET_METADATA = ", ".join(f"{c} = %({c})s" for c in METADATA_COLUMNS if c not in SETTINGS_COLUMNS)
_UPDATE_METADATA = f"UPDATE connections SET {_SET_METADATA} WHERE id = %(id)s RETURNING {_COLUMNS}"  # noqa: S608
_SAVE_IF_UNCHANGED = (
    f"UPDATE connections SET {', '.join(f'{c} = %({c})s' for c in (*METADATA_COLUMNS, 'secrets'))}"  # noqa: S608
    f" WHERE id = %(was_id)s AND {' AND '.join(f'{c} IS NOT DISTINCT FROM %(was_{c})s' for c in METADATA_COLUMNS)}"
)
_DELETE = f"DELETE FROM connections WHERE name = %s RETURNING {_COLUMNS}"  # noqa: S608
_NAME_CONSTRAINT = "connections_name_key"
_SELECT_AUDIT = f"SELECT {', '.join(auditlog.AUDIT_COLUMNS)} FROM audit"  # noqa: S608

_OPENED_ON_THE_LOOP = 50  # envelopes opened without a thread hop (some 10 µs each)
# An audit entry to append: what, about which connections, and what else.
_Audit = tuple[AuditAction, Sequence[Connection], str]


class WorkspaceStore:
    """The connections of one workspace. Safe to use from one event loop's thread; other processes and machines
    may use the same workspace at the same time. Connects on first use."""

    def __init__(
        self, address: WorkspaceAddress, sealing: Sealing, *, actor: str | None = None, prompt: Prompt | None = None
    ) -> None:
        from connmgr.storage.local import local_actor

        self.address = address
        self._sealing = sealing
        self._actor = actor or local_actor()
        self._server = ServerConnections(Credentials(address, prompt))
        self._migrated = False
        self._migrating: asyncio.Lock | None = None
        self._watch: Watch | None = None
        self._starting: asyncio.Task[None] | None = None  # the watch's listener connecting, its baseline listed
        self._waiting: list[Callable[[Change], None]] = []  # listeners subscribed before the watch started
        self._listener: ChangeListener | None = None
        self._told = 0  # this object's own commits told so far: a listing from before one is not told after it
        self._uncommitted: dict[str, Connection] = {}  # what a held lock saved, until its transaction ends
        self._writes: set[asyncio.Task[Any]] = set()
        self._reachable: list[Callable[[bool], None]] = []

    @property
    def where(self) -> str:
        return self.address.shown

    def __enter__(self) -> WorkspaceStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop telling listeners and close every connection; what is in flight fails (uncommitted)."""
        if self._starting is not None:
            self._starting.cancel()
        if self._listener is not None:
            self._listener.close()
        self._watch = self._listener = self._starting = None
        self._server.close()

    # -- reading

    async def list_connections(self) -> list[Connection]:
        await self._ready()
        return await self._listing()

    async def get(self, name: str) -> Connection:
        await self._ready()
        async with self._server.connection() as db:
            rows = await _rows(db, _GET, (name,))
        if not rows:
            raise ConnectionNotFound(name)
        return connection_from_columns(rows[0])

    async def read(self, name: str) -> tuple[Connection, Secrets]:
        await self._ready()
        async with self._server.connection() as db:
            rows = await _rows(db, _READ, (name,))
        if not rows:
            raise ConnectionNotFound(name)
        return _opened(await self._opening(rows), rows[0])

    async def read_many(self, names: Sequence[str]) -> dict[str, tuple[Connection, Secrets]]:
        await self._ready()
        wanted = list(dict.fromkeys(names))
        async with self._server.connection() as db:
            rows = await _rows(db, f"{_SELECT_WITH_SECRETS} WHERE name = ANY(%s)", (wanted,))
        by_name = {row["name"]: row for row in rows}
        for name in wanted:
            if name not in by_name:
                raise ConnectionNotFound(name)
        codec = await self._opening(rows)

        def opened() -> dict[str, tuple[Connection, Secrets]]:
            return {name: _opened(codec, by_name[name]) for name in wanted}

        # An export of thousands opens as many envelopes: off the loop, as the local store's does.
        return opened() if len(wanted) <= _OPENED_ON_THE_LOOP else await asyncio.to_thread(opened)

    # -- writing: each in a task of its own, so that cancelling the caller stops nothing

    async def save(self, connection: Connection, secrets: Secrets, *, audit: AuditAction | None = None) -> None:
        codec = await self._ready()

        async def save(db: Db) -> tuple[None, list[Stored]]:
            row = {**metadata_row(connection), "secrets": codec.seal(Binding.of(connection), secrets)}
            await _execute(db, _UPSERT, row, name=connection.name)
            await self._append(db, audit, [connection], "")
            await db.execute(NOTIFY, (connection.id,))
            return None, [(connection.id, connection)]

        await self._write(save)

    async def save_metadata(self, connection: Connection, *, audit: AuditAction | None = None) -> None:
        await self._ready()

        async def save_metadata(db: Db) -> tuple[None, list[Stored]]:
            rows = await _execute(db, _UPDATE_METADATA, metadata_row(connection), name=connection.name)
            if not rows:
                raise ConnectionNotFound(connection.name)
            stored = connection_from_columns(rows[0])  # the settings as they stayed
            await self._append(db, audit, [stored], "")
            await db.execute(NOTIFY, (connection.id,))
            return None, [(stored.id, stored)]

        await self._write(save_metadata)

    async def rename(self, old: str, new: str, *, updated_at: float, audit: AuditAction | None = None) -> Connection:
        connection = await self.get(old)

        async def rename(db: Db) -> tuple[Connection, list[Stored]]:
            await db.execute(lock.WAIT, (lock.connection_key(connection.id),))  # no refresh meets a new name
            rows = await _rows(db, _GET, (old,))
            if not rows or rows[0]["id"] != connection.id:
                raise ConnectionNotFound(old)
            renamed = replace(connection_from_columns(rows[0]), name=new, updated_at=updated_at)
            await _execute(db, _UPDATE_METADATA, metadata_row(renamed), name=new)
            await self._append(db, audit, [renamed], f"was {old}")
            await db.execute(NOTIFY, (renamed.id,))
            return renamed, [(renamed.id, renamed)]

        return await self._write(rename)

    async def remove(self, name: str, *, audit: AuditAction | None = None) -> Connection | None:
        await self._ready()

        async def remove(db: Db) -> tuple[Connection | None, list[Stored]]:
            rows = await _rows(db, _DELETE, (name,))
            if not rows:
                raise ConnectionNotFound(name)
            await db.execute(NOTIFY, (rows[0]["id"],))
            try:
                removed = connection_from_columns(rows[0])
            except ConnectionDamaged:  # removing is the way out of a damaged row: nothing to record of it
                return None, [(rows[0]["id"], None)]
            await self._append(db, audit, [removed], "")
            return removed, [(removed.id, None)]

        return await self._write(remove)

    async def _write(self, body: Callable[[Db], Awaitable[tuple[T, list[Stored]]]]) -> T:
        """`body`'s result once its transaction has committed and the listeners were told what it left stored;
        run in a task of its own, which the caller's cancellation does not reach."""

        async def transaction() -> T:
            async with self._server.connection() as db, db.transaction():
                result, stored = await body(db)
            await self._tell(stored)
            return result

        task = asyncio.ensure_future(transaction())
        self._writes.add(task)
        task.add_done_callback(self._writes.discard)
        return await asyncio.shield(task)

    # -- the per-connection lock

    def locked(self, connection: Connection) -> AbstractAsyncContextManager[WorkspaceHeld]:
        return cast("AbstractAsyncContextManager[WorkspaceHeld]", self._held(connection, wait=True))

    def try_locked(self, connection: Connection) -> AbstractAsyncContextManager[WorkspaceHeld | None]:
        return self._held(connection, wait=False)

    @asynccontextmanager
    async def _held(self, connection: Connection, *, wait: bool) -> AsyncIterator[WorkspaceHeld | None]:
        codec = await self._ready()  # before the lock: a keyring prompt must not hold it
        key = lock.connection_key(connection.id)
        held: WorkspaceHeld | None = None
        committed = False
        try:
            async with self._server.connection() as db, db.transaction():
                if wait:
                    await db.execute(lock.WAIT, (key,))
                else:
                    taken = await (await db.execute(lock.TRY, (key,))).fetchone()
                    if not (taken and taken[0]):
                        yield None
                        return
                rows = await _rows(db, _READ, (connection.name,))
                if not rows or rows[0]["id"] != connection.id:
                    raise ConnectionNotFound(connection.name)
                codec = await self._opening(rows)
                held = WorkspaceHeld(self, db, codec, *_opened(codec, rows[0]))
                yield held
                await self._append_all(db, held.audits)  # committed with the saves, before the lock is let go
            committed = True
        finally:
            if held is not None and self._uncommitted.pop(connection.id, None) is not None and not committed:
                # Rolled back: the listeners were told of saves that are not stored; now they hear what is.
                with contextlib.suppress(ConnmgrError):
                    await self._look_again()

    # -- change notifications

    def subscribe(self, listener: Callable[[Change], None]) -> Subscription:
        if self._watch is not None:
            self._watch.add(listener)
        else:
            self._waiting.append(listener)
            if self._starting is None:
                self._starting = asyncio.get_running_loop().create_task(self._start_watch())
        return _Subscription(self, listener)

    def on_reachable(self, listener: Callable[[bool], None]) -> None:
        """Have `listener` told, once the changes are heard (`subscribe`), when the connection they are heard on is
        lost (False: the server went away, or the network) and when it is back (True)."""
        self._reachable.append(listener)

    def _tell_reachable(self, reachable: bool) -> None:
        if reachable:
            self._sealing.forget()  # the key may have been rotated while nobody listened
        for listener in self._reachable:
            listener(reachable)

    def _unsubscribe(self, listener: Callable[[Change], None]) -> None:
        if self._watch is not None:
            self._watch.discard(listener)
        elif listener in self._waiting:
            self._waiting.remove(listener)

    async def _start_watch(self) -> None:
        """Listening first, then the baseline: nothing committed in between is missed."""
        await self._migrate()
        listener = ChangeListener(
            self._server.credentials.connect, self._look_again, self._server.pids, self._tell_reachable,
            self._on_rotated,
        )  # fmt: skip
        await listener.start()
        try:
            watch = Watch(asyncio.get_running_loop(), await self._listing())
        except BaseException:
            listener.close()  # the next call starts again
            raise
        self._listener = listener
        for waiting in self._waiting:
            watch.add(waiting)
        self._waiting.clear()
        self._watch = watch

    async def _look_again(self) -> None:
        """Tell the listeners what is stored now; listed again if this object committed meanwhile, so that no
        listing older than a state told is told after it."""
        while True:
            told = self._told
            listing = await self._listing()
            if told == self._told:
                break
        if self._watch is not None:
            self._watch.resync([self._uncommitted.get(c.id, c) for c in listing])

    async def _listing(self) -> list[Connection]:
        async with self._server.connection() as db:
            return [connection_from_columns(row) for row in await _rows(db, _SELECT + _BY_NAME)]

    async def _tell(self, stored: Sequence[Stored]) -> None:
        """This object's listeners told of `stored` before the caller goes on."""
        if self._watch is not None and stored:
            self._told += 1
            self._watch.committed(stored)
            await asyncio.sleep(0)  # the watch tells on the loop's next turn, which this lets come first

    # -- the audit log

    async def record(self, action: AuditAction, connections: Sequence[Connection], *, detail: str = "") -> None:
        await self._ready()

        async def record(db: Db) -> tuple[None, list[Stored]]:
            await self._append(db, action, connections, detail)
            return None, []

        await self._write(record)

    async def audit_log(self, connection_id: str | None = None) -> list[AuditEntry]:
        await self._ready()
        async with self._server.connection() as db:
            if connection_id is None:
                rows = await _rows(db, f"{_SELECT_AUDIT} ORDER BY seq")
            else:
                rows = await _rows(db, f"{_SELECT_AUDIT} WHERE connection_id = %s ORDER BY seq", (connection_id,))
        return [AuditEntry(**row) for row in rows]

    async def _append(
        self, db: Db, action: AuditAction | None, connections: Sequence[Connection], detail: str = ""
    ) -> None:
        if action is not None:
            await self._append_all(db, [(action, connections, detail)])

    async def _append_all(self, db: Db, audits: Sequence[_Audit]) -> None:
        """In `db`'s transaction: an entry for each connection of each audit."""
        said = [(action.value, c.id, c.name, detail) for action, connections, detail in audits for c in connections]
        await auditlog.append(db, self._actor, said)

    # -- first use

    async def _ready(self) -> SecretCodec:
        """The codec; the schema migrated and the watch started, if they were not yet."""
        if not self._migrated:
            await self._migrate()
        starting = self._starting
        if starting is not None and (not starting.done() or starting.exception() is not None):
            if starting.done():  # it failed: the listeners still wait for it
                starting = self._starting = asyncio.get_running_loop().create_task(self._start_watch())
            await asyncio.shield(starting)
        return await self._sealing.codec()

    async def _opening(self, rows: Sequence[dict[str, Any]]) -> SecretCodec:
        """The codec that opens `rows`: the key is opened again first if one of them was sealed under a newer key
        than the codec's (it was rotated, and this object has not heard yet)."""
        codec = await self._sealing.codec()
        if any(self._sealing.stale(bytes(row["secrets"])) for row in rows):
            self._sealing.forget()
            codec = await self._sealing.codec()
        return codec

    def _on_rotated(self) -> None:
        """The workspace's key was rotated: the next seal or open uses the new one."""
        self._sealing.forget()

    async def _migrate(self) -> None:
        if self._migrating is None:
            self._migrating = asyncio.Lock()
        async with self._migrating:
            if not self._migrated:
                async with self._server.connection() as db:
                    await migrate(db, self.where)
                self._migrated = True


class WorkspaceHeld:
    """A connection of a `WorkspaceStore`, its advisory lock held by an open transaction on `db`."""

    def __init__(
        self, store: WorkspaceStore, db: Db, codec: SecretCodec, connection: Connection,
        secrets: Secrets,
    ) -> None:  # fmt: skip
        self._store = store
        self._db = db
        self._codec = codec
        self.connection = connection
        self.secrets = secrets
        self.audits: list[_Audit] = []  # appended when the block ends, in its commit

    async def save(self, updated: Connection, secrets: Secrets, *, audit: AuditAction | None = None) -> bool:
        if updated.id != self.connection.id:
            raise ValueError("updated must be the same connection as the one held")
        store, db, expected = self._store, self._db, self.connection
        parameters: dict[str, object] = {f"was_{c}": value for c, value in metadata_row(expected).items()}
        parameters |= metadata_row(updated)
        parameters["secrets"] = self._codec.seal(Binding.of(updated), secrets)

        async def save() -> tuple[Connection, Secrets] | None:
            with store._server.reported():
                if (await db.execute(_SAVE_IF_UNCHANGED, parameters)).rowcount == 1:
                    await db.execute(NOTIFY, (updated.id,))
                    return None
                rows = await _rows(db, f"{_SELECT_WITH_SECRETS} WHERE id = %s", (expected.id,))
            if not rows:
                raise ConnectionNotFound(expected.name)
            return _opened(self._codec, rows[0])

        now = await asyncio.shield(asyncio.ensure_future(save()))  # a statement left half-read would spoil `db`
        if now is not None:
            self.connection, self.secrets = now
            return False
        if audit is not None:
            self.audits.append((audit, [updated], ""))
        self.connection, self.secrets = updated, secrets
        store._uncommitted[updated.id] = updated
        await store._tell([(updated.id, updated)])
        return True


class _Subscription:
    def __init__(self, store: WorkspaceStore, listener: Callable[[Change], None]) -> None:
        self._store = store
        self._listener = listener

    def close(self) -> None:
        self._store._unsubscribe(self._listener)


async def _rows(db: Db, sql: str, parameters: Sequence[object] | dict[str, object] = ()) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    cursor = db.cursor(row_factory=dict_row)
    await cursor.execute(sql, parameters)  # built from fixed text (see above)
    return await cursor.fetchall() if cursor.description else []


async def _execute(db: Db, sql: str, parameters: dict[str, object], *, name: str
                   ) -> list[dict[str, Any]]:  # fmt: skip
    """One statement that may take a name: `NameTaken` if another connection has it."""
    import psycopg.errors

    try:
        return await _rows(db, sql, parameters)
    except psycopg.errors.UniqueViolation as error:
        if error.diag.constraint_name != _NAME_CONSTRAINT:
            raise
        raise NameTaken(name) from None


def _opened(codec: SecretCodec, row: dict[str, Any]) -> tuple[Connection, Secrets]:
    """The row's connection and its secrets, opened with the settings stored beside them."""
    connection = connection_from_columns(row)
    try:
        return connection, codec.open(Binding.of(connection), bytes(row["secrets"]))
    except EnvelopeUnreadable as exc:
        raise SecretsUnreadable(row["name"], exc.reason) from exc
