"""What is saved comes back, through another store object too; each write is atomic and committed once it returns;
unknown names and taken names are typed errors with their sentences."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from connmgr.domain.connection import Secrets, Status
from connmgr.storage.errors import ConnectionNotFound, NameTaken, StoreFailed
from connmgr.storage.interface import ConnectionStore
from tests.storage.contract.backends import Backend
from tests.storage.samples import connection, secrets


async def test_round_trip_through_a_new_store(backend: Backend, store: ConnectionStore) -> None:
    saved = connection("Acme", expires_at=None, issued_at=None, account=None, status=Status.NEEDS_SIGN_IN)
    await store.save(saved, secrets())

    again = backend.open()  # as another process would see it
    assert await again.list_connections() == [saved]
    assert await again.get("Acme") == saved
    assert await again.read("Acme") == (saved, secrets())


async def test_a_20000_character_token_bundle_fits(backend: Backend, store: ConnectionStore) -> None:
    bundle = Secrets(access_token="a" * 20_000, refresh_token="r" * 20_000, id_token="i" * 20_000)
    await store.save(connection(), bundle)
    assert (await backend.open().read("Acme"))[1] == bundle


async def test_list_is_sorted_by_name_ignoring_case(store: ConnectionStore) -> None:
    for name in ("beta", "Gamma", "alpha"):
        await store.save(connection(name), secrets(name))
    assert [c.name for c in await store.list_connections()] == ["alpha", "beta", "Gamma"]


async def test_read_many_is_in_the_order_asked(backend: Backend, store: ConnectionStore) -> None:
    names = [f"conn-{i:03}" for i in range(50)]
    for name in names:
        await store.save(connection(name), secrets(name))

    exported = await backend.open().read_many(list(reversed(names)))
    assert list(exported) == list(reversed(names))
    assert all(exported[name] == (connection(name), secrets(name)) for name in names)
    assert await store.read_many([]) == {}


async def test_save_replaces_by_id_and_may_rename(store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets("old"))
    renamed = connection("Acme", name="Acme (prod)", account="bob@acme.example")
    await store.save(renamed, secrets("new"))

    assert await store.list_connections() == [renamed]
    assert (await store.read("Acme (prod)"))[1] == secrets("new")


async def test_save_metadata_keeps_the_secrets_and_the_settings_they_are_sealed_with(store: ConnectionStore) -> None:
    await store.save(connection(), secrets())
    revoked = connection(status=Status.REVOKED, status_detail="revoked by the user")
    await store.save_metadata(replace(revoked, template_id="oauth2", values={"token_url": "https://evil.example"}))

    assert await store.get("Acme") == revoked
    assert (await store.read("Acme"))[1] == secrets()


async def test_a_name_belongs_to_one_connection(store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets("first"))
    await store.save(connection("Zeta"), secrets("Zeta"))
    for taking in (
        lambda: store.save(connection("Other", name="Acme"), secrets("second")),
        lambda: store.save_metadata(connection("Zeta", name="Acme")),
        lambda: store.rename("Zeta", "Acme", updated_at=2.0),
    ):
        with pytest.raises(NameTaken) as error:
            await taking()
        assert error.value.sentence == (
            "Connection store: a connection named 'Acme' already exists; choose another name or remove the existing"
            " connection."
        )
    assert await store.list_connections() == [connection("Acme"), connection("Zeta")]
    assert (await store.read("Acme"))[1] == secrets("first")


async def test_unknown_names_are_typed_errors(store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets())
    for attempt in (
        lambda: store.get("Nobody"),
        lambda: store.read("Nobody"),
        lambda: store.read_many(["Acme", "Nobody"]),
        lambda: store.remove("Nobody"),
        lambda: store.save_metadata(connection("Nobody")),
        lambda: store.rename("Nobody", "Somebody", updated_at=2.0),
    ):
        with pytest.raises(ConnectionNotFound) as error:
            await attempt()
        assert error.value.sentence == (
            "Connection store: there is no connection named 'Nobody'; check the name in the list."
        )


async def test_remove_deletes_metadata_and_secrets(backend: Backend, store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets())
    assert await store.remove("Acme") == connection("Acme")
    assert await store.list_connections() == []
    with pytest.raises(ConnectionNotFound):
        await backend.open().read("Acme")


async def test_rename_keeps_the_connection_and_its_secrets(backend: Backend, store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets("Acme"))
    renamed = await store.rename("Acme", "Acme prod", updated_at=1_800_000_000.0)

    assert renamed == replace(connection("Acme"), name="Acme prod", updated_at=1_800_000_000.0)
    again = backend.open()
    assert await again.read("Acme prod") == (renamed, secrets("Acme"))
    with pytest.raises(ConnectionNotFound):
        await again.get("Acme")


async def test_fifty_concurrent_saves_are_all_kept(backend: Backend, store: ConnectionStore) -> None:
    names = [f"client {i:02}" for i in range(50)]
    await asyncio.gather(*(store.save(connection(name), secrets(name)) for name in names))
    stored = await backend.open().read_many(names)
    assert all(stored[name] == (connection(name), secrets(name)) for name in names)


async def test_a_closed_store_refuses_with_a_sentence(backend: Backend) -> None:
    closing = backend.open()
    await closing.save(connection(), secrets())
    backend.close_all()
    for attempt in (lambda: closing.get("Acme"), lambda: closing.save(connection("Zeta"), secrets())):
        with pytest.raises(StoreFailed) as error:
            await attempt()
        assert error.value.sentence.startswith("Connection store: reading or writing ")
