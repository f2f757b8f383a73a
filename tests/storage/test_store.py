"""The local store's database on the in-memory keyring: metadata never needs the key, the key is asked for once,
and its transactions and writer thread. (What every store does is in tests/storage/contract.)"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from dataclasses import FrozenInstanceError, fields, replace

import pytest

from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.storage import KeyringDataKey
from connmgr.storage.audit import AuditAction
from connmgr.storage.database import DB_NAME
from connmgr.storage.errors import ConnectionDamaged, StoreBusy
from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import MemoryKeyring
from tests.storage.opener import StoreOpener
from tests.storage.samples import connection, secrets


def test_a_20000_character_token_bundle_fits_and_the_keyring_holds_only_the_key(
    open_store: StoreOpener, memory_keyring: MemoryKeyring
) -> None:
    bundle = Secrets(access_token="a" * 20_000, refresh_token="r" * 20_000, id_token="i" * 20_000)
    open_store().save(connection(), bundle)

    assert open_store().secrets("Acme") == bundle
    # Windows Credential Manager keeps about 1,280 characters per entry.
    assert [len(v) for v in memory_keyring.entries.values()] == [44]


def test_listing_and_metadata_never_ask_the_keyring(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    open_store().save(connection("Acme"), secrets())
    open_store().save(connection("Zeta"), secrets("Zeta"))
    calls = memory_keyring.calls

    store = open_store()  # a new store: no data key cached
    assert [c.name for c in store.list_connections()] == ["Acme", "Zeta"]
    assert store.get("Zeta").account == "alice@zeta.example"
    assert store.exists("Acme") and not store.exists("Nobody")
    store.save_metadata(replace(store.get("Acme"), status=Status.ERROR, status_detail="refresh failed"))
    store.remove("Zeta")
    assert memory_keyring.calls == calls


def test_read_many_asks_the_keyring_once_for_all(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    names = [f"conn-{i:03}" for i in range(50)]
    writer = open_store()
    for name in names:
        writer.save(connection(name), secrets(name))
    calls = memory_keyring.calls

    exported = open_store().read_many(reversed(names))
    assert list(exported) == list(reversed(names))
    assert all(exported[name] == (connection(name), secrets(name)) for name in names)
    assert memory_keyring.calls == calls + 1


def test_transaction_commits_all_or_nothing(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets())

    def refresh_that_fails_half_way() -> None:
        with store.transaction():
            store.save_metadata(connection("Acme", status=Status.ERROR))
            store.save(connection("Zeta"), secrets("Zeta"))
            raise RuntimeError("network down")

    with pytest.raises(RuntimeError, match="network down"):
        refresh_that_fails_half_way()
    assert store.list_connections() == [connection("Acme")]

    with store.transaction():
        current = store.get("Acme")
        store.save_metadata(replace(current, status=Status.REVOKED))
        store.save(connection("Zeta"), secrets("Zeta"))
    assert [c.status for c in open_store().list_connections()] == [Status.REVOKED, Status.CONNECTED]


def test_a_transaction_holds_off_writers_in_other_connections(
    open_store: StoreOpener, memory_keyring: MemoryKeyring
) -> None:
    first = open_store()
    first.save(connection("Acme"), secrets())
    second = ConnectionDatabase(first.home, KeyringDataKey(first.home), busy_timeout=0)  # as another process would
    try:
        with first.transaction():
            assert second.list_connections() == [connection("Acme")]  # readers are not blocked (WAL)
            with pytest.raises(StoreBusy):
                second.save_metadata(connection("Acme", status=Status.ERROR))
        second.save_metadata(connection("Acme", status=Status.ERROR))
    finally:
        second.close()
    assert first.get("Acme").status is Status.ERROR


def test_read_is_metadata_and_secrets_at_once(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    open_store().save(connection("Acme"), secrets("Acme"))
    assert open_store().read("Acme") == (connection("Acme"), secrets("Acme"))


def test_reads_never_wait_for_a_transaction_on_another_thread(
    open_store: StoreOpener, memory_keyring: MemoryKeyring
) -> None:
    """A commit may wait a long time for its fsync: the window's reads must not wait behind it."""
    store = open_store()
    store.save(connection("Acme"), secrets("Acme"))
    inside, finish = threading.Event(), threading.Event()

    def slow_transaction() -> None:
        with store.transaction():
            store.save_metadata(connection("Acme", status=Status.ERROR))
            assert store.get("Acme").status is Status.ERROR  # its own reads see its own writes
            inside.set()
            assert finish.wait(30)

    writer = threading.Thread(target=slow_transaction)
    writer.start()
    try:
        assert inside.wait(30)
        read: list[object] = []
        reader = threading.Thread(target=lambda: read.extend([store.get("Acme"), store.read("Acme")[1]]))
        reader.start()
        reader.join(30)
        assert not reader.is_alive(), "a read waited for another thread's transaction"
        assert read == [connection("Acme"), secrets("Acme")]  # the last commit, not the transaction's writes
    finally:
        finish.set()
        writer.join(30)
    assert store.get("Acme").status is Status.ERROR


def test_commit_soon_runs_the_body_on_the_writer_thread_and_commits_it(
    open_store: StoreOpener, memory_keyring: MemoryKeyring
) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets("Acme"))
    threads: list[int] = []

    def body() -> Status:
        threads.append(threading.get_ident())
        store.save_metadata(connection("Acme", status=Status.REVOKED))
        return store.get("Acme").status

    assert store.commit_soon(body).result(30) is Status.REVOKED
    assert threads and threads[0] != threading.get_ident()
    assert open_store().get("Acme").status is Status.REVOKED  # on disk: another store sees it


def test_the_audit_log_refuses_to_be_changed_through_sql(
    open_store: StoreOpener, memory_keyring: MemoryKeyring
) -> None:
    store = open_store()
    store.append_audit(AuditAction.COPY, [connection("Acme")], actor="alice@laptop", at=1.0)
    with closing(sqlite3.connect(store.home / DB_NAME)) as db:
        for statement in ("UPDATE audit SET actor = 'mallory'", "DELETE FROM audit"):
            with pytest.raises(sqlite3.IntegrityError, match="the audit log is append-only"):
                db.execute(statement)
    assert [entry.actor for entry in store.audit_entries()] == ["alice@laptop"]


def test_save_if_unchanged_writes_over_what_was_read(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    read = connection("Acme")
    store.save(read, secrets("old"))
    refreshed = replace(read, issued_at=1_700_007_200.5, expires_at=1_700_010_800.5, updated_at=1_700_007_200.5)

    assert store.save_if_unchanged(read, refreshed, secrets("new"))
    assert open_store().read("Acme") == (refreshed, secrets("new"))


def test_save_if_unchanged_writes_nothing_over_a_change(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    read = connection("Acme")
    store.save(read, secrets("old"))
    renamed = replace(read, account="bob@acme.example", updated_at=1_700_000_100.5)
    store.save_metadata(renamed)  # by someone else, after `read` was read

    assert not store.save_if_unchanged(read, replace(read, issued_at=1_700_007_200.5), secrets("new"))
    assert store.read("Acme") == (renamed, secrets("old"))


@pytest.mark.parametrize(("column", "value"), [("flow", "implicit"), ("status", "paused")])
def test_a_row_with_a_word_no_connmgr_writes_is_reported_as_damaged_and_can_be_removed(
    open_store: StoreOpener, memory_keyring: MemoryKeyring, column: str, value: str
) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets())
    with closing(sqlite3.connect(store.home / DB_NAME)) as db, db:  # edited by hand, or by a bug
        db.execute(f"UPDATE connections SET {column} = ? WHERE name = 'Acme'", (value,))

    for read in (store.list_connections, lambda: store.get("Acme"), lambda: store.read("Acme")):
        with pytest.raises(ConnectionDamaged) as damaged:
            read()
        assert damaged.value.sentence == (
            f"Connection store: the saved connection 'Acme' is damaged (its {column} '{value}' is unknown); "
            "restore the store from a backup, or remove that connection and connect it again."
        )
    store.remove("Acme")
    assert store.list_connections() == []


def test_a_listed_connection_holds_every_field_as_saved(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    saved = connection(
        "Acme", account=None, scope="read write", issued_at=1_700_000_000.5, refresh_expires_at=1_700_086_400.0
    )
    open_store().save(saved, secrets())

    listed = open_store().list_connections()[0]
    assert vars(listed) == {field.name: getattr(saved, field.name) for field in fields(Connection)}
    assert type(listed) is Connection and listed == saved
    with pytest.raises(FrozenInstanceError):
        listed.name = "Zeta"  # type: ignore[misc]
