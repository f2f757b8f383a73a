"""The SQLite file: opened for crash safety and for two processes (CLI and GUI) at once, and what its failures
mean to a person."""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from connmgr.storage.errors import StorageError, StoreBusy, StoreDamaged, StoreFailed, StoreFull, StoreReadOnly

log = logging.getLogger("connmgr.storage")

DB_NAME = "connections.db"
BUSY_TIMEOUT_S = 5.0

_FULL_ERRNOS = {errno.ENOSPC, errno.EDQUOT}
_READ_ONLY_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}


def open_database(home: Path, busy_timeout: float = BUSY_TIMEOUT_S, *, reader: bool = False) -> sqlite3.Connection:
    """The store's database in `home`; the caller serialises its use across threads. A `reader` connection only
    reads, beside the writing one (whose WAL set-up it relies on): its reads never wait for that one's commits."""
    with reported_as_storage_errors(home):
        if not reader:
            _create_private(home / DB_NAME)
        # isolation_level=None: no implicit transactions; write_transaction() says where each starts and ends.
        db = sqlite3.connect(home / DB_NAME, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
        try:
            db.row_factory = sqlite3.Row
            if reader:
                db.execute("PRAGMA query_only=ON")
            else:
                # WAL: reads never wait for writes (the CLI's, or our own commits), and a killed writer leaves the
                # last commit intact.
                db.execute("PRAGMA journal_mode=WAL")
                # FULL: a save returns once its commit is on disk, so a power cut cannot take an acknowledged save.
                db.execute("PRAGMA synchronous=FULL")
        except BaseException:
            db.close()
            raise
    return db


def _create_private(path: Path) -> None:
    """Make the database file 0600 before SQLite does, whatever the umask: SQLite gives its WAL and shared-memory
    files the database's own mode."""
    if not path.exists():
        with contextlib.suppress(FileExistsError):  # another process made it meanwhile
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))


@contextmanager
def write_transaction(db: sqlite3.Connection, home: Path) -> Iterator[None]:
    """All or nothing. BEGIN IMMEDIATE takes the write lock first, so no other process writes between what we
    read and what we write. Errors of the body itself pass through untranslated."""
    with reported_as_storage_errors(home):
        db.execute("BEGIN IMMEDIATE")
    try:
        yield
        with reported_as_storage_errors(home):
            db.execute("COMMIT")
    except BaseException:
        if db.in_transaction:
            with contextlib.suppress(sqlite3.Error):  # the failure that got us here is the one to report
                db.execute("ROLLBACK")
        raise


@contextmanager
def reported_as_storage_errors(home: Path) -> Iterator[None]:
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise storage_error(exc, home) from exc


def storage_error(exc: sqlite3.Error | OSError, home: Path) -> StorageError:
    """The typed error for a failure while reading or writing the store in `home`."""
    log.warning("storage failure in %s: %r", home, exc)
    if isinstance(exc, OSError):
        if exc.errno in _FULL_ERRNOS:
            return StoreFull(home)
        if exc.errno in _READ_ONLY_ERRNOS:
            return StoreReadOnly(home, exc.strerror or type(exc).__name__)
        return StoreFailed(home, exc.strerror or type(exc).__name__)
    code = getattr(exc, "sqlite_errorcode", None)
    primary = None if code is None else code & 0xFF  # an extended code keeps its primary code in the low byte
    if primary == sqlite3.SQLITE_FULL:
        return StoreFull(home)
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_CANTOPEN):
        return StoreReadOnly(home, str(exc))
    if primary in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return StoreBusy(home)
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB):
        return StoreDamaged(home / DB_NAME)
    return StoreFailed(home, str(exc))
