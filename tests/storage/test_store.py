"""The store's contract on the in-memory keyring: what is saved comes back, metadata never needs the key."""

from __future__ import annotations

import sqlite3
import threading
from contextlib import closing
from dataclasses import replace

import pytest

from connmgr.domain.connection import Secrets, Status
from connmgr.storage import KeyringDataKey
from connmgr.storage.database import DB_NAME
from connmgr.storage.errors import ConnectionNotFound, NameTaken, SecretsUnreadable, StoreBusy
from connmgr.storage.store import ConnectionDatabase
from tests.storage.conftest import StoreOpener
from tests.storage.fakes import MemoryKeyring
from tests.storage.samples import connection, secret_strings, secrets


def test_round_trip_through_a_new_store(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    saved = connection("Acme", expires_at=None, issued_at=None, account=None, status=Status.NEEDS_SIGN_IN)
    open_store().save(saved, secrets())

    again = open_store()
    assert again.list_connections() == [saved]
    assert again.get("Acme") == saved
    assert again.secrets("Acme") == secrets()


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


def test_list_is_sorted_by_name_ignoring_case(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    for name in ("beta", "Gamma", "alpha"):
        store.save(connection(name), secrets(name))
    assert [c.name for c in store.list_connections()] == ["alpha", "beta", "Gamma"]


def test_save_replaces_by_id_and_may_rename(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets("old"))
    renamed = connection("Acme", name="Acme (prod)", account="bob@acme.example")
    store.save(renamed, secrets("new"))

    assert store.list_connections() == [renamed]
    assert store.secrets("Acme (prod)") == secrets("new")


def test_save_metadata_keeps_the_secrets(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection(), secrets())
    revoked = connection(status=Status.REVOKED, status_detail="revoked by the user")
    store.save_metadata(revoked)

    assert store.get("Acme") == revoked
    assert store.secrets("Acme") == secrets()


def test_a_name_belongs_to_one_connection(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets("first"))
    with pytest.raises(NameTaken) as error:
        store.save(connection("Other", name="Acme"), secrets("second"))

    assert error.value.sentence == (
        "Connection store: a connection named 'Acme' already exists; choose another name or remove the existing"
        " connection."
    )
    assert store.list_connections() == [connection("Acme")]
    assert store.secrets("Acme") == secrets("first")


def test_unknown_names_are_typed_errors(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets())
    for attempt in (
        lambda: store.get("Nobody"),
        lambda: store.read("Nobody"),
        lambda: store.secrets("Nobody"),
        lambda: store.read_many(["Acme", "Nobody"]),
        lambda: store.remove("Nobody"),
        lambda: store.save_metadata(connection("Nobody")),
    ):
        with pytest.raises(ConnectionNotFound) as error:
            attempt()
        assert error.value.sentence == (
            "Connection store: there is no connection named 'Nobody'; check the name in the list."
        )


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


def test_remove_deletes_row_and_secrets(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets())
    store.remove("Acme")
    assert store.list_connections() == []
    with pytest.raises(ConnectionNotFound):
        store.secrets("Acme")


def test_a_sealed_blob_is_bound_to_its_row(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection("Acme"), secrets("Acme"))
    store.save(connection("Zeta"), secrets("Zeta"))
    with closing(sqlite3.connect(store.home / DB_NAME)) as db, db:  # an attacker, or a bug, swaps the two blobs
        blobs = dict(db.execute("SELECT name, secrets FROM connections"))
        for name, other in (("Acme", "Zeta"), ("Zeta", "Acme")):
            db.execute("UPDATE connections SET secrets = ? WHERE name = ?", (blobs[other], name))

    fresh = open_store()
    with pytest.raises(SecretsUnreadable) as error:
        fresh.secrets("Acme")
    assert error.value.sentence == (
        "Connection store: the secrets of 'Acme' cannot be decrypted (its settings or its secrets were changed"
        " outside connmgr); sign in again to replace them; the connection itself is kept."
    )
    with pytest.raises(SecretsUnreadable):
        fresh.read_many(["Zeta"])
    # A failed read deletes nothing.
    assert [c.name for c in fresh.list_connections()] == ["Acme", "Zeta"]


def test_no_secret_reaches_the_database_files(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    saved = {name: secrets(name) for name in ("Acme", "Zeta")}
    for name, value in saved.items():
        store.save(connection(name), value)

    def database_bytes() -> bytes:
        return b"".join(p.read_bytes() for p in sorted(store.home.glob(f"{DB_NAME}*")))

    while_open = database_bytes()  # the commits are still in the WAL file
    store.close()
    after_close = database_bytes()  # checkpointed into the main file
    for content in (while_open, after_close):
        assert b"alice@acme.example" in content  # the search does find what is stored in the clear
        for value in saved.values():
            for secret in secret_strings(value):
                assert secret.encode() not in content


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
