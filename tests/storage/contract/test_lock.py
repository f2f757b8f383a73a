"""The per-connection lock: one holder at a time, in this process and across processes; `try_locked` never waits;
the holder reads the connection anew and saves it only over what it read."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from connmgr.storage.errors import ConnectionNotFound
from connmgr.storage.interface import ConnectionStore
from tests.storage.contract.backends import Backend
from tests.storage.contract.child import StoreChild
from tests.storage.samples import connection, secrets

GUARD_S = 30.0  # a lock never let go of fails the test instead of hanging it


async def hold(store: ConnectionStore, name: str, entered: asyncio.Event, leave: asyncio.Event) -> None:
    async with store.locked(await store.get(name)):
        entered.set()
        await leave.wait()


async def saved(store: ConnectionStore, *names: str) -> None:
    for name in names:
        await store.save(connection(name), secrets(name))


async def test_the_holder_saves_over_what_it_read(backend: Backend, store: ConnectionStore) -> None:
    await saved(store, "Acme")
    async with store.locked(connection("Acme")) as held:
        assert (held.connection, held.secrets) == (connection("Acme"), secrets("Acme"))
        refreshed = replace(held.connection, issued_at=1_700_007_200.5, expires_at=1_700_010_800.5)
        assert await held.save(refreshed, secrets("new"))
        assert (held.connection, held.secrets) == (refreshed, secrets("new"))
    assert await backend.open().read("Acme") == (refreshed, secrets("new"))


async def test_the_holder_saves_nothing_over_a_change_and_reads_it(backend: Backend, store: ConnectionStore) -> None:
    await saved(store, "Acme")
    async with store.locked(connection("Acme")) as held:
        renamed = replace(connection("Acme"), account="bob@acme.example", updated_at=1_700_000_100.5)
        await backend.open().save_metadata(renamed)  # by another writer, which does not take the lock

        assert not await held.save(replace(held.connection, issued_at=1_700_007_200.5), secrets("new"))
        assert (held.connection, held.secrets) == (renamed, secrets("Acme"))
    assert await store.read("Acme") == (renamed, secrets("Acme"))


async def test_the_holder_reads_what_was_saved_before_the_lock_was_its(
    backend: Backend, store: ConnectionStore
) -> None:
    await saved(store, "Acme")
    newer = replace(connection("Acme"), issued_at=1_700_009_000.5)
    await backend.open().save(newer, secrets("newer"))
    async with store.locked(connection("Acme")) as held:  # the caller's copy is older
        assert (held.connection, held.secrets) == (newer, secrets("newer"))


async def test_a_removed_or_renamed_connection_cannot_be_locked(store: ConnectionStore) -> None:
    await saved(store, "Acme", "Zeta")
    await store.remove("Acme")
    await store.rename("Zeta", "Zeta prod", updated_at=2.0)
    for gone in (connection("Acme"), connection("Zeta")):
        with pytest.raises(ConnectionNotFound):
            async with store.locked(gone):
                pass
    async with store.locked(await store.get("Zeta prod")) as held:
        await store.remove("Zeta prod")  # removing does not wait for the lock
        with pytest.raises(ConnectionNotFound):
            await held.save(replace(held.connection, issued_at=3.0), held.secrets)


async def test_a_second_holder_waits_until_the_first_lets_go(backend: Backend, store: ConnectionStore) -> None:
    await saved(store, "c1", "c2")
    other_store = backend.open()  # a holder through another store object waits all the same
    first_in, first_out, second_in, second_out = (asyncio.Event() for _ in range(4))
    first = asyncio.ensure_future(hold(store, "c1", first_in, first_out))
    await first_in.wait()
    second = asyncio.ensure_future(hold(other_store, "c1", second_in, second_out))
    other_in = asyncio.Event()
    other = asyncio.ensure_future(hold(store, "c2", other_in, first_out))

    await other_in.wait()  # another connection's lock is its own
    assert not second_in.is_set()
    first_out.set()
    await asyncio.wait_for(second_in.wait(), GUARD_S)
    second_out.set()
    await asyncio.gather(first, second, other)


async def test_a_cancelled_waiter_leaves_the_lock_free(store: ConnectionStore) -> None:
    await saved(store, "c1")
    first_in, first_out = asyncio.Event(), asyncio.Event()
    first = asyncio.ensure_future(hold(store, "c1", first_in, first_out))
    await first_in.wait()
    waiter = asyncio.ensure_future(hold(store, "c1", asyncio.Event(), asyncio.Event()))
    await asyncio.sleep(0)
    waiter.cancel()
    first_out.set()
    await first

    third_in, third_out = asyncio.Event(), asyncio.Event()
    third_out.set()
    await asyncio.wait_for(hold(store, "c1", third_in, third_out), GUARD_S)
    # The waiter may still be ending: a wait in PostgreSQL is cancelled by a request of its own, a round trip.
    await asyncio.wait_for(asyncio.gather(waiter, return_exceptions=True), GUARD_S)
    assert waiter.cancelled() and third_in.is_set()


async def test_trying_never_waits(store: ConnectionStore) -> None:
    await saved(store, "c1", "c2")
    async with (
        store.locked(connection("c1")),
        store.try_locked(connection("c1")) as busy,
        store.try_locked(connection("c2")) as free,
    ):
        assert busy is None
        assert free is not None and free.connection == connection("c2")
    async with store.try_locked(connection("c1")) as free_now:
        assert free_now is not None


async def test_a_lock_held_by_another_process_is_waited_for_or_tried(
    store: ConnectionStore, child: StoreChild
) -> None:
    await saved(store, "c1", "c2")
    assert await child.ask("hold c1") == "held"

    async with store.try_locked(connection("c1")) as busy, store.try_locked(connection("c2")) as free:
        assert busy is None and free is not None
    entered, leave = asyncio.Event(), asyncio.Event()
    waiting = asyncio.ensure_future(hold(store, "c1", entered, leave))
    async with store.try_locked(connection("c1")) as still_busy:
        assert still_busy is None  # the child holds it still: the waiter cannot have it
    assert not entered.is_set()
    await child.go_on()
    await asyncio.wait_for(entered.wait(), GUARD_S)
    assert await child.ask("try c1") == "busy"  # and the other way round
    leave.set()
    await waiting
    assert await child.ask("try c1") == "held"
    await child.go_on()


async def test_a_lock_ends_with_the_process_that_held_it(backend: Backend, store: ConnectionStore) -> None:
    await saved(store, "c1")
    child = await StoreChild.start(backend.name, backend.location)
    assert await child.ask("hold c1") == "held"
    child.process.kill()  # no clean-up of any kind
    await child.process.wait()
    async with store.try_locked(connection("c1")) as held:
        assert held is not None


async def test_twenty_holders_one_after_another_each_see_the_last_save(
    backend: Backend, store: ConnectionStore
) -> None:
    """Each one reads, adds one and saves under the lock, half of them through another store object: no save is
    lost, none is made over a state it did not read."""
    await store.save(connection("Acme", account="0"), secrets())
    other_store = backend.open()

    async def add_one(through: ConnectionStore) -> None:
        async with through.locked(connection("Acme")) as held:
            counted = replace(held.connection, account=str(int(held.connection.account or "0") + 1))
            assert await held.save(counted, held.secrets)

    await asyncio.gather(*(add_one(store if i % 2 else other_store) for i in range(20)))
    assert (await store.get("Acme")).account == "20"


async def test_a_rename_waits_for_the_lock(store: ConnectionStore) -> None:
    await saved(store, "Acme")
    async with store.locked(connection("Acme")) as held:
        renaming = asyncio.ensure_future(store.rename("Acme", "Acme prod", updated_at=2.0))
        assert await held.save(replace(held.connection, issued_at=3.0), held.secrets)  # its refresh ends first
        assert not renaming.done()
    renamed = await asyncio.wait_for(renaming, GUARD_S)
    assert (renamed.name, renamed.issued_at) == ("Acme prod", 3.0)
