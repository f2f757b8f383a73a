"""The stores the contract suite runs against, each behind one small class (the shape of keyring's backend tests).

A backend opens store objects over one set of stored data (each as another process would open it: no state
shared in memory), names that data for a child process (`child.py`), and does what only raw access to its
storage can: change what the store keeps behind its back, as a database administrator or another program
could. A workspace on PostgreSQL is added here as one more class and one more name in `BACKENDS`.
"""

from __future__ import annotations

import sqlite3
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path
from typing import ClassVar

import psycopg
import pytest

from connmgr.domain.connection import Connection
from connmgr.storage import LocalStore, resolve_home
from connmgr.storage.both import HomeAndWorkspace, Side
from connmgr.storage.database import DB_NAME
from connmgr.storage.interface import ConnectionStore
from connmgr.storage.sealing import DataKeyCodec
from connmgr.storage.workspace import CodecSealing, WorkspaceAddress, WorkspaceStore
from tests.storage.fakes import FixedDataKey
from tests.support.postgres_server import PostgresServer


class Backend(ABC):
    """One set of stored data, and the store objects opened over it for a test."""

    name: str

    @abstractmethod
    def open(self) -> ConnectionStore:
        """A new store object over the data (closed by `close_all`)."""

    @abstractmethod
    def close_all(self) -> None:
        """Close every store object opened."""

    @property
    @abstractmethod
    def location(self) -> str:
        """What `open_in_child` needs to open the same data in another process."""

    @staticmethod
    @abstractmethod
    def open_in_child(location: str) -> ConnectionStore:
        """In a child process: a store over the data at `location`."""

    @staticmethod
    @abstractmethod
    def close_in_child(store: ConnectionStore) -> None: ...

    @abstractmethod
    def set_settings(self, connection_id: str, *, template_id: str | None = None, values_json: str | None = None
                     ) -> None:  # fmt: skip
        """Change a stored connection's template or field values (JSON) behind the store's back."""

    @abstractmethod
    def set_column(self, connection_id: str, column: str, value: object) -> None:
        """Set one column of a stored connection's row behind the store's back."""

    @abstractmethod
    def swap_secrets(self, first_id: str, second_id: str) -> None:
        """Swap two stored connections' sealed secrets behind the store's back."""

    @abstractmethod
    def change_audit(self, seq: int, column: str, value: object) -> None:
        """Change one column of one audit entry behind the store's back (past whatever guards the log)."""

    @abstractmethod
    def delete_audit(self, seq: int) -> None:
        """Delete one audit entry behind the store's back (past whatever guards the log)."""

    @abstractmethod
    def raw_contents(self) -> bytes:
        """Everything the backend keeps, as bytes: what someone who copies its storage can read."""


class LocalBackend(Backend):
    """The local store: a home directory, with the test's fixed data key."""

    name = "local"

    def __init__(self, home: Path) -> None:
        self.home = home
        self._opened: list[LocalStore] = []

    def open(self) -> LocalStore:
        store = LocalStore(self.home, FixedDataKey(self.home))
        self._opened.append(store)
        return store

    def close_all(self) -> None:
        while self._opened:
            self._opened.pop().close()

    @property
    def location(self) -> str:
        return str(self.home)

    @staticmethod
    def open_in_child(location: str) -> LocalStore:
        home = resolve_home(Path(location))
        return LocalStore(home, FixedDataKey(home))

    @staticmethod
    def close_in_child(store: ConnectionStore) -> None:
        assert isinstance(store, LocalStore)
        store.close()

    def set_settings(self, connection_id: str, *, template_id: str | None = None, values_json: str | None = None
                     ) -> None:  # fmt: skip
        with self._raw() as db:
            if template_id is not None:
                db.execute("UPDATE connections SET template_id = ? WHERE id = ?", (template_id, connection_id))
            if values_json is not None:
                db.execute("UPDATE connections SET field_values = ? WHERE id = ?", (values_json, connection_id))

    def set_column(self, connection_id: str, column: str, value: object) -> None:
        with self._raw() as db:
            db.execute(f"UPDATE connections SET {column} = ? WHERE id = ?", (value, connection_id))

    def swap_secrets(self, first_id: str, second_id: str) -> None:
        with self._raw() as db:
            blobs = dict(db.execute("SELECT id, secrets FROM connections WHERE id IN (?, ?)", (first_id, second_id)))
            for one, other in ((first_id, second_id), (second_id, first_id)):
                db.execute("UPDATE connections SET secrets = ? WHERE id = ?", (blobs[other], one))

    def change_audit(self, seq: int, column: str, value: object) -> None:
        with self._raw() as db:
            db.execute("DROP TRIGGER IF EXISTS audit_is_not_changed")  # what stops connmgr, not someone with the file
            db.execute(f"UPDATE audit SET {column} = ? WHERE seq = ?", (value, seq))

    def delete_audit(self, seq: int) -> None:
        with self._raw() as db:
            db.execute("DROP TRIGGER IF EXISTS audit_is_not_deleted")
            db.execute("DELETE FROM audit WHERE seq = ?", (seq,))

    def raw_contents(self) -> bytes:
        return b"".join(path.read_bytes() for path in sorted(self.home.glob(f"{DB_NAME}*")))

    def _raw(self) -> closing[sqlite3.Connection]:
        db = sqlite3.connect(self.home / DB_NAME, isolation_level=None)
        db.execute("PRAGMA busy_timeout = 5000")
        return closing(db)


class PostgresBackend(Backend):
    """A team workspace: a database of its own on the tests' PostgreSQL server, sealed with the fixed data key."""

    name = "postgres"

    def __init__(self, server: PostgresServer) -> None:
        self.server = server
        self.database = server.new_database()
        self._opened: list[WorkspaceStore] = []

    def open(self) -> WorkspaceStore:
        store = self.open_in_child(self.location)
        self._opened.append(store)
        return store

    def close_all(self) -> None:
        while self._opened:
            self._opened.pop().close()

    def drop(self) -> None:
        self.close_all()
        self.server.psql(f'DROP DATABASE "{self.database}" WITH (FORCE)')

    @property
    def location(self) -> str:
        return self.server.uri(self.database)

    @staticmethod
    def open_in_child(location: str) -> WorkspaceStore:
        return WorkspaceStore(WorkspaceAddress.parse(location), CodecSealing(DataKeyCodec(FixedDataKey.KEY)))

    @staticmethod
    def close_in_child(store: ConnectionStore) -> None:
        assert isinstance(store, WorkspaceStore)
        store.close()

    def set_settings(self, connection_id: str, *, template_id: str | None = None, values_json: str | None = None
                     ) -> None:  # fmt: skip
        with self._raw() as db:
            if template_id is not None:
                db.execute("UPDATE connections SET template_id = %s WHERE id = %s", (template_id, connection_id))
            if values_json is not None:
                db.execute("UPDATE connections SET field_values = %s WHERE id = %s", (values_json, connection_id))

    def set_column(self, connection_id: str, column: str, value: object) -> None:
        with self._raw() as db:
            db.execute(f"UPDATE connections SET {column} = %s WHERE id = %s", (value, connection_id))  # type: ignore[arg-type]

    def swap_secrets(self, first_id: str, second_id: str) -> None:
        with self._raw() as db:
            db.execute(
                "UPDATE connections SET secrets = other.secrets FROM connections AS other"
                " WHERE (connections.id, other.id) IN ((%s, %s), (%s, %s))",
                (first_id, second_id, second_id, first_id),
            )

    def change_audit(self, seq: int, column: str, value: object) -> None:
        with self._raw() as db:  # the table's owner can set aside its trigger; the app's role should not be it
            db.execute("ALTER TABLE audit DISABLE TRIGGER audit_is_not_changed")
            db.execute(f"UPDATE audit SET {column} = %s WHERE seq = %s", (value, seq))
            db.execute("ALTER TABLE audit ENABLE TRIGGER audit_is_not_changed")

    def delete_audit(self, seq: int) -> None:
        with self._raw() as db:
            db.execute("ALTER TABLE audit DISABLE TRIGGER audit_is_not_changed")
            db.execute("DELETE FROM audit WHERE seq = %s", (seq,))
            db.execute("ALTER TABLE audit ENABLE TRIGGER audit_is_not_changed")

    def raw_contents(self) -> bytes:
        """The database's files and the server's write-ahead log, once what is in memory is written to them."""
        with self._raw() as db:
            db.execute("CHECKPOINT")
            row = db.execute("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()
        assert row is not None
        data = self.server.folder / "data"
        files = [*(data / "base" / str(row[0])).rglob("*"), *(data / "pg_wal").glob("0*")]
        return b"".join(path.read_bytes() for path in sorted(files) if path.is_file())

    def _raw(self) -> psycopg.Connection[tuple[object, ...]]:
        return psycopg.connect(self.location, autocommit=True)


def _either_side(connection: Connection) -> Side:
    """Half the connections in the home, half in the workspace, by their ids (the samples' Acme and Zeta apart)."""
    return Side.WORKSPACE if zlib.crc32(connection.id.encode()) % 2 else Side.HOME


class BothBackend(Backend):
    """This home's store and its workspace's as one (`storage.both`), new connections on either side."""

    name = "both"
    _SEPARATOR = "\n"  # between the home and the workspace's address in `location`
    _in_child: ClassVar[list[tuple[LocalStore, WorkspaceStore]]] = []

    def __init__(self, home: Path, server: PostgresServer) -> None:
        self.home_side = LocalBackend(home)
        self.workspace_side = PostgresBackend(server)

    def open(self) -> HomeAndWorkspace:
        return self._joined(self.home_side.open(), self.workspace_side.open())

    def close_all(self) -> None:
        self.home_side.close_all()
        self.workspace_side.close_all()

    def drop(self) -> None:
        self.workspace_side.drop()

    @property
    def location(self) -> str:
        return self.home_side.location + self._SEPARATOR + self.workspace_side.location

    @classmethod
    def open_in_child(cls, location: str) -> HomeAndWorkspace:
        home, uri = location.split(cls._SEPARATOR)
        sides = (LocalBackend.open_in_child(home), PostgresBackend.open_in_child(uri))
        cls._in_child.append(sides)
        return cls._joined(*sides)

    @classmethod
    def close_in_child(cls, store: ConnectionStore) -> None:
        while cls._in_child:
            for side in cls._in_child.pop():
                side.close()

    @staticmethod
    def _joined(home: LocalStore, workspace: WorkspaceStore) -> HomeAndWorkspace:
        return HomeAndWorkspace(home, workspace, where=workspace.where, new_side=_either_side)

    def set_settings(self, connection_id: str, *, template_id: str | None = None, values_json: str | None = None
                     ) -> None:  # fmt: skip
        for side in (self.home_side, self.workspace_side):  # a change of no row on the side that lacks it
            side.set_settings(connection_id, template_id=template_id, values_json=values_json)

    def set_column(self, connection_id: str, column: str, value: object) -> None:
        for side in (self.home_side, self.workspace_side):
            side.set_column(connection_id, column, value)

    def swap_secrets(self, first_id: str, second_id: str) -> None:
        with self.home_side._raw() as local, self.workspace_side._raw() as shared:
            blobs = {
                **dict(local.execute("SELECT id, secrets FROM connections WHERE id IN (?, ?)", (first_id, second_id))),
                **dict(
                    shared.execute("SELECT id, secrets FROM connections WHERE id IN (%s, %s)", (first_id, second_id))
                ),
            }
            for one, other in ((first_id, second_id), (second_id, first_id)):
                local.execute("UPDATE connections SET secrets = ? WHERE id = ?", (bytes(blobs[other]), one))
                shared.execute("UPDATE connections SET secrets = %s WHERE id = %s", (bytes(blobs[other]), one))

    def change_audit(self, seq: int, column: str, value: object) -> None:
        """In the workspace's log (the one a database administrator can reach)."""
        self.workspace_side.change_audit(seq, column, value)

    def delete_audit(self, seq: int) -> None:
        """From the workspace's log."""
        self.workspace_side.delete_audit(seq)

    def raw_contents(self) -> bytes:
        return self.home_side.raw_contents() + self.workspace_side.raw_contents()


BACKENDS: dict[str, type[Backend]] = {
    LocalBackend.name: LocalBackend,
    PostgresBackend.name: PostgresBackend,
    BothBackend.name: BothBackend,
}


# How each backend is made for one test, from the test's other fixtures.
_MAKERS: dict[str, Callable[[pytest.FixtureRequest], Backend]] = {
    LocalBackend.name: lambda request: LocalBackend(request.getfixturevalue("home")),
    PostgresBackend.name: lambda request: PostgresBackend(request.getfixturevalue("postgres")),
    BothBackend.name: lambda request: BothBackend(request.getfixturevalue("home"), request.getfixturevalue("postgres")),
}
assert _MAKERS.keys() == BACKENDS.keys()


# The backends that keep one audit log, one chain (the joined store keeps each side's: see storage.both).
ONE_LOG = sorted(name for name in _MAKERS if name != BothBackend.name)


def made_backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """The backend `request.param` names, dropped after the test."""
    made = _MAKERS[request.param](request)
    yield made
    made.close_all()
    if isinstance(made, (PostgresBackend, BothBackend)):
        made.drop()
