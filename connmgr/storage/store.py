"""The database of one home: connections' metadata in SQLite, their secrets sealed under the data key in the same
row, and the audit log; read and written synchronously (`LocalStore` is the asynchronous store over it).

Listing and `get` read metadata only and never ask for the data key. A row whose
secrets cannot be opened is kept: reading its secrets raises a typed error, and
only `remove` deletes a row. The secrets are sealed with the settings stored beside
them (`sealing`): every save that writes settings seals them, and saving metadata
alone cannot change them.

Two SQLite connections: one writes (transactions, and the reads inside them), one reads everything else, so that
a read never waits behind a commit, whose fsync can take a hundred milliseconds. The writer thread
(`commit_soon`) takes commits off a caller's thread, an event loop's above all.
"""

from __future__ import annotations

import json
import logging
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from connmgr.domain.connection import Connection, Secrets
from connmgr.storage.database import BUSY_TIMEOUT_S, open_database, reported_as_storage_errors, write_transaction
from connmgr.storage.datakey import DataKeySource
from connmgr.storage.envelope import EnvelopeUnreadable
from connmgr.storage.errors import ConnectionNotFound, DataKeyLost, NameTaken, SecretsUnreadable, StoreFailed
from connmgr.storage.rows import METADATA_COLUMNS, SETTINGS_COLUMNS, connection_from_row, metadata_row
from connmgr.storage.schema import migrate
from connmgr.storage.sealing import Binding, DataKeyCodec, SecretCodec, open_format_1
from connmgr.storage.writer import GroupWriter

if TYPE_CHECKING:
    from concurrent.futures import Future

    from connmgr.storage.audit import AuditAction, AuditEntry

log = logging.getLogger("connmgr.storage")

T = TypeVar("T")

# SQL built from fixed column names (S608 flags any f-string SQL); values always go in as parameters.
_COLUMNS = ", ".join(METADATA_COLUMNS)
_SELECT = f"SELECT {_COLUMNS} FROM connections"  # noqa: S608
_SELECT_WITH_SECRETS = f"SELECT {_COLUMNS}, secrets FROM connections"  # noqa: S608
_READ = f"{_SELECT_WITH_SECRETS} WHERE name = ?"
_READ_BY_ID = f"{_SELECT_WITH_SECRETS} WHERE id = ?"
_READ_MANY = f"{_SELECT_WITH_SECRETS} WHERE name IN (SELECT value FROM json_each(?))"  # noqa: S608
_READ_FORMAT_1 = f"{_SELECT_WITH_SECRETS} JOIN sealed_in_format_1 USING (id)"
_UPSERT = (
    f"INSERT INTO connections ({_COLUMNS}, secrets)"  # noqa: S608
    f" VALUES ({', '.join(':' + c for c in METADATA_COLUMNS)}, :secrets)"
    # ON CONFLICT(id), never INSERT OR REPLACE: REPLACE would silently delete another connection holding the name.
    f" ON CONFLICT(id) DO UPDATE SET {', '.join(f'{c} = excluded.{c}' for c in (*METADATA_COLUMNS, 'secrets'))}"
)
_SET_METADATA = ", ".join(f"{c} = :{c}" for c in METADATA_COLUMNS if c not in SETTINGS_COLUMNS)
_UPDATE_METADATA = f"UPDATE connections SET {_SET_METADATA} WHERE id = :id"  # noqa: S608
_STILL_STORED = " AND ".join(f"{c} IS :was_{c}" for c in METADATA_COLUMNS)
_NAME_CLASH = "UNIQUE constraint failed: connections.name"
_AUDIT_COLUMNS = "seq, at, actor, action, connection_id, connection_name, detail, hash"
_SELECT_AUDIT = f"SELECT {_AUDIT_COLUMNS} FROM audit"  # noqa: S608
_APPEND_AUDIT = (
    f"INSERT INTO audit ({_AUDIT_COLUMNS}) VALUES ({', '.join(':' + c for c in _AUDIT_COLUMNS.split(', '))})"  # noqa: S608
)
# The highest number given (SQLite keeps it, even for entries since removed) and the last entry's hash.
_LAST_AUDIT = (
    "SELECT (SELECT seq FROM sqlite_sequence WHERE name = 'audit'), (SELECT hash FROM audit ORDER BY seq DESC LIMIT 1)"
)


class ConnectionDatabase:
    """The connections of one home, safe to share between threads and with other processes on the same home.

    The data key is fetched at most once per database object; on an asyncio loop, `await unlock()` first, since
    fetching it may block (keyring round trip or scrypt) and is refused on the loop's thread.
    """

    def __init__(self, home: Path, keys: DataKeySource, *, busy_timeout: float = BUSY_TIMEOUT_S) -> None:
        _check_belongs(keys, home)
        self.home = home
        self._keys = keys
        self._codec: SecretCodec | None = None  # once the data key is loaded
        self._lock = threading.RLock()  # the writing connection, shared by the GUI thread and workers
        self._writing: int | None = None  # the thread in a transaction, whose reads must see its own writes
        self._db = open_database(home, busy_timeout)
        try:
            migrate(self._db, home)
            self._read_lock = threading.Lock()
            self._reader = open_database(home, busy_timeout, reader=True)
        except BaseException:
            self._db.close()
            raise
        self._writer = GroupWriter(self.transaction, lambda: StoreFailed(home, "the store is closed"))

    def __enter__(self) -> ConnectionDatabase:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        """Commit what `commit_soon` has queued, then close."""
        self._writer.close()
        with self._lock, self._read_lock:
            self._db.close()
            self._reader.close()

    def list_connections(self, *, first: int | None = None) -> list[Connection]:
        """Every connection's metadata (or the `first` ones), by name; never touches the keyring."""
        rows = self._query(f"{_SELECT} ORDER BY name COLLATE NOCASE, name LIMIT ?", (-1 if first is None else first,))
        return [connection_from_row(row) for row in rows]

    def get(self, name: str) -> Connection:
        """The connection's metadata as it is on disk now (another process may have changed it)."""
        rows = self._query(f"{_SELECT} WHERE name = ?", (name,))
        if not rows:
            raise ConnectionNotFound(name)
        return connection_from_row(rows[0])

    def exists(self, name: str) -> bool:
        return bool(self._query("SELECT 1 FROM connections WHERE name = ?", (name,)))

    def save(self, connection: Connection, secrets: Secrets) -> None:
        """Insert, or replace the connection with the same id, metadata and secrets in one commit."""
        envelope = self._sealer().seal(Binding.of(connection), secrets)
        self._write(_UPSERT, {**metadata_row(connection), "secrets": envelope})

    def save_if_unchanged(self, expected: Connection, updated: Connection, secrets: Secrets) -> bool:
        """Save `updated` and `secrets` over `expected` if that is still exactly what is stored; False, and nothing
        written, if anything changed it meanwhile. One statement and no read; and it sets only the columns that
        differ, so an unchanged name or id leaves its index alone (one page to commit instead of three)."""
        if updated.id != expected.id:
            raise ValueError("updated must be the same connection as expected")
        was, now = metadata_row(expected), metadata_row(updated)
        changed = [c for c in METADATA_COLUMNS if now[c] != was[c]]
        assignments = ", ".join(f"{c} = :{c}" for c in (*changed, "secrets"))
        parameters = {f"was_{c}": value for c, value in was.items()} | {c: now[c] for c in changed}
        parameters["secrets"] = self._sealer().seal(Binding.of(updated), secrets)
        return self._write(f"UPDATE connections SET {assignments} WHERE {_STILL_STORED}", parameters) == 1  # noqa: S608

    def save_metadata(self, connection: Connection) -> None:
        """Update an existing connection's metadata (name, status, account, ...); its secrets stay as they are, and
        so do the settings they are sealed with (template, flow, field values), whatever `connection` says."""
        if not self._write(_UPDATE_METADATA, metadata_row(connection)):
            raise ConnectionNotFound(connection.name)

    def remove(self, name: str) -> None:
        if not self._write("DELETE FROM connections WHERE name = :name", {"name": name}):
            raise ConnectionNotFound(name)

    def secrets(self, name: str) -> Secrets:
        return self.read(name)[1]

    def read(self, name: str) -> tuple[Connection, Secrets]:
        """The connection's metadata and secrets as one snapshot (one query)."""
        rows = self._sealed_rows(_READ, (name,))
        if not rows:
            raise ConnectionNotFound(name)
        return _open_row(self._sealer(), rows[0])

    def read_by_id(self, connection_id: str) -> tuple[Connection, Secrets] | None:
        """As `read`, by id; None if there is no such connection."""
        rows = self._sealed_rows(_READ_BY_ID, (connection_id,))
        return _open_row(self._sealer(), rows[0]) if rows else None

    def read_many(self, names: Iterable[str]) -> dict[str, tuple[Connection, Secrets]]:
        """Each named connection's metadata and secrets, in the order asked, as one snapshot (one query) and with
        one fetch of the data key for all."""
        wanted = list(dict.fromkeys(names))
        rows = self._sealed_rows(_READ_MANY, (json.dumps(wanted),))
        by_name = {row["name"]: row for row in rows}
        for name in wanted:
            if name not in by_name:
                raise ConnectionNotFound(name)
        if not wanted:
            return {}
        codec = self._sealer()
        return {name: _open_row(codec, by_name[name]) for name in wanted}

    def _sealed_rows(self, sql: str, parameters: tuple[object, ...]) -> list[sqlite3.Row]:
        """Rows with their secrets, read again if that needed the data key loaded first: loading it may seal rows
        again (`_seal_format_1_again`). A name that is not there needs no key."""
        rows = self._query(sql, parameters)
        if rows and self._codec is None:
            self._sealer()
            rows = self._query(sql, parameters)
        return rows

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Hold the database's write lock across processes until the block ends, then commit all of it (or none,
        if it raises). Reads inside see the latest state, which no other process can change meanwhile; nested
        transactions and the store's own writes join the outer one. Other threads meanwhile read the last commit,
        and wait only to write."""
        with self._lock:
            if self._db.in_transaction:
                yield
            else:
                with write_transaction(self._db, self.home):
                    self._writing = threading.get_ident()
                    try:
                        yield
                    finally:
                        self._writing = None

    def commit_soon(self, work: Callable[[], T], *, gather_s: float = 0.0) -> Future[T]:
        """Run `work` (a transaction body: reads and writes of this store) on the store's writer thread, in one
        transaction with whatever else has queued meanwhile; `gather_s`: how long the writer may wait for more to
        join (when the caller knows more are coming). The future is done once that commit is on disk, and cannot
        be cancelled. `work` runs again if another body in its group fails (its own writes rolled back)."""
        return self._writer.submit(work, gather_s)

    def append_audit(
        self, action: AuditAction, connections: Iterable[Connection], *, actor: str, at: float, detail: str = ""
    ) -> None:
        """An audit entry for each connection, each chained to the one before; in the caller's transaction (a
        transaction body's), else in one of its own. Numbers follow the highest ever given (SQLite keeps it), so
        that entries removed from the end leave a gap the next entry shows."""
        from connmgr.storage.audit import GENESIS, AuditEntry, entry_hash  # not at the top: see `audit_entries`

        with self.transaction(), reported_as_storage_errors(self.home):
            seq, previous = self._db.execute(_LAST_AUDIT).fetchone()
            seq = int(seq or 0)
            previous = GENESIS if previous is None else str(previous)  # chained to what is there, even if changed
            for connection in connections:
                seq += 1
                entry = AuditEntry(seq, at, actor, action.value, connection.id, connection.name, detail, "")
                previous = entry_hash(previous, entry)
                self._db.execute(_APPEND_AUDIT, {**vars(entry), "hash": previous})

    def audit_entries(self, connection_id: str | None = None) -> list[AuditEntry]:
        """The audit log in order: all of it, or the entries about one connection."""
        # Imported here, not at the top: the window opens the database before its first paint, which the log's
        # types would slow.
        from connmgr.storage.audit import AuditEntry

        if connection_id is None:
            rows = self._query(f"{_SELECT_AUDIT} ORDER BY seq")
        else:
            rows = self._query(f"{_SELECT_AUDIT} WHERE connection_id = ? ORDER BY seq", (connection_id,))
        return [AuditEntry(*row) for row in rows]

    def data_version(self) -> int | None:
        """A number that changes whenever another connection to the file (another process's, or another database
        object's) commits, and only then; None if the writing connection is busy right now (ask again later).
        Never waits."""
        if not self._lock.acquire(blocking=False):
            return None
        try:
            with reported_as_storage_errors(self.home):
                # On the writing connection: its own commits, unlike the reading connection's, do not count.
                return int(self._db.execute("PRAGMA data_version").fetchone()[0])
        finally:
            self._lock.release()

    def use_key_source(self, keys: DataKeySource) -> None:
        """Take the data key from `keys` instead, before any was loaded: where no keyring works, a passphrase
        the person chose. Everything holding this store follows, so nothing needs rebuilding."""
        _check_belongs(keys, self.home)
        with self._lock:
            if self._codec is not None:
                raise RuntimeError("the data key is already loaded")
            self._keys = keys

    async def unlock(self) -> None:
        """Fetch the data key on a worker thread, so that later calls on the loop's thread need no keyring."""
        if self._codec is None:  # once loaded, no thread hop: every refresh calls this
            import asyncio  # not at the top: the window imports the store before it paints

            await asyncio.to_thread(self._sealer)

    def _sealer(self) -> SecretCodec:
        """What seals and opens secrets here: the data key's codec, the key loaded first if need be."""
        codec = self._codec
        if codec is not None:
            return codec
        _refuse_on_event_loop()
        key = self._keys.load() or self._first_key()
        self._seal_format_1_again(key)
        self._codec = codec = DataKeyCodec(key)
        return codec

    def _seal_format_1_again(self, key: bytes) -> None:
        """Seal the secrets an older connmgr left in format 1 (bound to the id alone) in format 2, with their
        settings, in one transaction: only the rows the upgrade listed, and only here, open in format 1 (one put
        back later from a copy is refused). The settings they are sealed with are those stored now: format 1
        never bound them. Their secrets stay readable only through this, so a failure to write is raised."""
        if not self._query("SELECT 1 FROM sealed_in_format_1 LIMIT 1"):
            return  # the usual case: one read, no write lock
        with self.transaction():
            for row in self._query(_READ_FORMAT_1):
                try:
                    secrets = open_format_1(key, row["id"], row["secrets"])
                    envelope = DataKeyCodec(key).seal(Binding.of(connection_from_row(row)), secrets)
                except (EnvelopeUnreadable, ValueError, TypeError) as exc:
                    # Unreadable before, so unreadable after: its reads say so (left in format 1).
                    log.warning("the secrets of %r stay as they were: %s", row["name"], exc)
                    continue
                self._write(
                    "UPDATE connections SET secrets = :secrets WHERE id = :id", {"secrets": envelope, "id": row["id"]}
                )
            self._write("DELETE FROM sealed_in_format_1", {})

    def _first_key(self) -> bytes:
        """A new data key, made under the database's write lock so that two processes saving their first
        connection at once cannot make two keys; and never while sealed rows exist, which would make them all
        unreadable: those mean the key was lost, and that is said plainly."""
        with self.transaction():
            (sealed_rows,) = self._query("SELECT count(*) FROM connections")[0]
            if sealed_rows:
                raise DataKeyLost(self._keys.where, sealed_rows)
            return self._keys.load() or self._keys.create()  # another process may have made it while we waited

    def _query(self, sql: str, parameters: tuple[object, ...] = ()) -> list[sqlite3.Row]:
        in_transaction = self._writing == threading.get_ident()  # then the read must see its own writes
        lock, db = (self._lock, self._db) if in_transaction else (self._read_lock, self._reader)
        with lock, reported_as_storage_errors(self.home):
            return db.execute(sql, parameters).fetchall()

    def _write(self, sql: str, parameters: Mapping[str, object]) -> int:
        """Run one changing statement in its own transaction (or the caller's); the number of rows changed."""
        with self.transaction(), reported_as_storage_errors(self.home):
            try:
                return self._db.execute(sql, parameters).rowcount
            except sqlite3.IntegrityError as exc:
                if _NAME_CLASH not in str(exc):
                    raise
                raise NameTaken(str(parameters["name"])) from exc


def _check_belongs(keys: DataKeySource, home: Path) -> None:
    if keys.home.resolve() != home.resolve():
        raise ValueError(f"the data key source belongs to {keys.home}, not to {home}")


def _open_row(codec: SecretCodec, row: sqlite3.Row) -> tuple[Connection, Secrets]:
    """The row's connection and its secrets, opened with the settings stored beside them."""
    connection = connection_from_row(row)
    try:
        return connection, codec.open(Binding.of(connection), row["secrets"])
    except EnvelopeUnreadable as exc:
        raise SecretsUnreadable(row["name"], exc.reason) from exc


def _refuse_on_event_loop() -> None:
    """Fetching the data key may block for the keyring timeout: never on an event loop's (the GUI's) thread."""
    import asyncio  # not at the top: the window imports the store before it paints

    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return
    raise RuntimeError("fetching the data key would block the event loop; await ConnectionDatabase.unlock() first")
