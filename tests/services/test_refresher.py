"""One refresh at a time per connection, and what a refused grant does, against the iOFFICE simulator (rotation)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from dataclasses import replace

import pytest

from connmgr.domain.connection import Status
from connmgr.domain.errors import ConfigError, GrantError, ServiceUnavailable
from connmgr.services import refresher
from connmgr.services.refresher import Refresher, read_stored
from connmgr.storage.both import HomeAndWorkspace
from connmgr.storage.errors import ConnectionNotFound, StoreFull
from connmgr.storage.local import LocalHeld
from tests.simulators.ioffice import TOKEN_PATH
from tests.storage.contract.child import StoreChild
from tests.storage.workspaces import Workspaces
from tests.support.providers import CATALOG
from tests.support.refreshing import connect_ioffice, connections_for


async def test_fifty_concurrent_callers_share_one_http_refresh(connections, ioffice_sim):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    before = len(sim.requests_to(TOKEN_PATH))

    results = await asyncio.gather(*(connections.refresh("Acme") for _ in range(50)))

    assert len(sim.requests_to(TOKEN_PATH)) - before == 1
    assert all(r is results[0] for r in results)  # one refresh, awaited by all (not fifty that found it done)
    stored = connections.store.database.secrets("Acme")
    assert sim.refresh_tokens.find(stored.refresh_token) is not None
    assert (await connections.check("Acme")).identity == "alice@example.com"
    assert connections.refresher.refreshing() == frozenset()


async def test_every_kind_of_caller_joins_the_refresh_in_flight(connections, ioffice_sim, sleep):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    expiring = connections.store.database.get("Acme")
    connections.now = lambda: expiring.expires_at - 30  # inside the hand-out margin: access_token refreshes first
    sim.inject(TOKEN_PATH, status=503)  # keeps the first refresh in flight across a retry
    before = len(sim.requests_to(TOKEN_PATH))

    button = asyncio.ensure_future(connections.refresh("Acme"))
    await asyncio.sleep(0)
    assert connections.refresher.refreshing() == {"Acme"}
    token, timer, _ = await asyncio.gather(
        connections.access_token("Acme"), connections.refresher.refresh("Acme", basis=expiring), button
    )

    assert len(sim.requests_to(TOKEN_PATH)) - before == 2  # the 503 and its retry, nothing more
    assert token == connections.store.database.secrets("Acme").access_token
    assert timer[1].access_token == token
    assert len(sleep.waits) == 1


async def test_a_cancelled_caller_does_not_cancel_the_refresh(connections, ioffice_sim):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    old = connections.store.database.secrets("Acme").refresh_token
    sim.inject(TOKEN_PATH, status=503)
    caller = asyncio.ensure_future(connections.refresh("Acme"))
    await asyncio.sleep(0)
    caller.cancel()

    await connections.refresher.settle()

    assert caller.cancelled()
    fresh = connections.store.database.secrets("Acme").refresh_token
    assert fresh != old and sim.refresh_tokens.find(fresh) is not None


async def test_a_refused_grant_means_needs_sign_in_and_is_not_retried(connections, ioffice_sim, sleep):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    sim.refresh_tokens.revoke(connections.store.database.secrets("Acme").refresh_token)  # revoked at the vendor's side
    before = len(sim.requests_to(TOKEN_PATH))

    with pytest.raises(GrantError) as refused:
        await connections.refresh("Acme")

    assert len(sim.requests_to(TOKEN_PATH)) - before == 1
    assert sleep.waits == []
    stored = connections.store.database.get("Acme")
    assert stored.status is Status.NEEDS_SIGN_IN
    assert stored.status_detail == refused.value.sentence
    assert refused.value.sentence.startswith("iOFFICE: the token endpoint no longer accepts this grant")


async def test_a_refusal_after_another_process_rotated_returns_its_tokens(store, client, ioffice_sim, sleep):
    """A writer that ignores the lock (an older connmgr, say) rotates the token while our request waits to be
    retried: the refusal that follows is not the grant's end, since the store already holds the successor."""
    sim = ioffice_sim.sim
    connections = connections_for(store, client, sleep)
    await connect_ioffice(connections, ioffice_sim, "Acme")
    other = Refresher(store, CATALOG, client)  # its own flights: as if in another process, minus the lock
    sim.inject(TOKEN_PATH, status=503)

    async def rotate_elsewhere_while_waiting(seconds):
        sleep.waits.append(seconds)
        unlocked = LocalHeld(store, *await read_stored(store, "Acme"))  # as if locked, by a process that took no lock
        await other._refresh_held(unlocked, unlocked.connection)

    connections.refresher._sleep = rotate_elsewhere_while_waiting
    connection, secrets = await connections.refresher.refresh("Acme")

    assert connection.status is Status.CONNECTED
    assert secrets == store.database.secrets("Acme")
    assert sim.refresh_tokens.find(secrets.refresh_token) is not None
    assert (await connections.check("Acme")).identity == "alice@example.com"


async def test_retries_give_up_and_keep_the_stored_tokens(connections, ioffice_sim, sleep):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    kept = connections.store.database.secrets("Acme")
    sim.inject(TOKEN_PATH, status=503, headers={"Retry-After": "2"}, times=4)

    with pytest.raises(ServiceUnavailable):
        await connections.refresh("Acme")

    assert len(sleep.waits) == 3 and min(sleep.waits) >= 2.0  # Retry-After is the least wait
    assert connections.store.database.get("Acme").status is Status.CONNECTED
    assert connections.store.database.secrets("Acme") == kept
    assert sim.refresh_tokens.find(kept.refresh_token) is not None


async def test_a_revoked_connection_is_not_refreshed(connections, ioffice_sim):
    await connect_ioffice(connections, ioffice_sim, "Acme")
    await connections.revoke("Acme")
    before = len(ioffice_sim.sim.requests_to(TOKEN_PATH))

    with pytest.raises(GrantError, match="was revoked"):
        await connections.refresh("Acme")

    assert len(ioffice_sim.sim.requests_to(TOKEN_PATH)) == before
    assert connections.store.database.get("Acme").status is Status.REVOKED


async def test_the_event_loop_never_runs_a_commit(connections, ioffice_sim):
    """Commits wait for an fsync, which now and then takes a hundred milliseconds: never on the window's loop."""
    await connect_ioffice(connections, ioffice_sim, "Acme")
    await connect_ioffice(connections, ioffice_sim, "Zeta")
    ran_on: list[tuple[int, str]] = []
    connections.store.database._db.set_trace_callback(lambda sql: ran_on.append((threading.get_ident(), sql)))
    try:
        await asyncio.gather(connections.refresh("Acme"), connections.refresh("Zeta"))
    finally:
        connections.store.database._db.set_trace_callback(None)

    assert any(sql == "COMMIT" for _, sql in ran_on)
    assert [sql for thread, sql in ran_on if thread == threading.get_ident()] == []


async def test_a_refresh_cancelled_once_answered_still_saves_the_rotated_token(connections, ioffice_sim, monkeypatch):
    """The vendor has rotated the refresh token: its successor exists only in memory, and must reach the disk."""
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    old = connections.store.database.secrets("Acme").refresh_token

    def cancel_when_answered(name: str) -> None:
        if name == "answered":
            asyncio.current_task().cancel()  # the refresh's own task, as when the loop shuts down

    monkeypatch.setattr(refresher, "checkpoint", cancel_when_answered)
    with pytest.raises(asyncio.CancelledError):
        await connections.refresh("Acme")
    # Queued after the save: done once the save is committed.
    await asyncio.wrap_future(connections.store.database.commit_soon(lambda: None))

    fresh = connections.store.database.secrets("Acme").refresh_token
    # Judged first and asserted by name: pytest would print the tokens of a failing comparison.
    rotated, issued = fresh != old, sim.refresh_tokens.find(fresh) is not None
    assert rotated, "the stored refresh token is still the one used"
    assert issued, "the stored refresh token is not one iOFFICE issued"


async def refused_by_a_full_disk(connections, monkeypatch) -> None:
    """A refresh of "Acme" whose save the disk refuses; the disk has room again afterwards."""
    store = connections.store

    def full(*_):
        raise StoreFull(store.home)  # how the store reports SQLITE_FULL or ENOSPC (tests/storage/test_disk_faults)

    monkeypatch.setattr(store.database, "_write", full)
    with pytest.raises(StoreFull):
        await connections.refresh("Acme")
    monkeypatch.undo()


async def test_a_rotated_token_a_full_disk_refused_is_saved_by_the_next_try(connections, ioffice_sim, monkeypatch):
    """The vendor has retired the stored refresh token; its successor, refused by the disk, is kept in memory and
    saved by the next refresh, which then uses it: nothing is lost, and the grant lives on."""
    sim = ioffice_sim.sim
    store = connections.store
    await connect_ioffice(connections, ioffice_sim, "Acme")
    stored_before = store.database.secrets("Acme")
    before = len(sim.requests_to(TOKEN_PATH))

    await refused_by_a_full_disk(connections, monkeypatch)
    unchanged = store.database.secrets("Acme") == stored_before  # judged first: pytest would print the tokens
    assert unchanged, "the failed save changed the store"
    await connections.refresh("Acme")

    assert len(sim.requests_to(TOKEN_PATH)) - before == 2  # the refused save's refresh, then one with its token
    issued = sim.refresh_tokens.find(store.database.secrets("Acme").refresh_token) is not None
    assert issued, "the stored refresh token is not one iOFFICE issued"
    assert store.database.get("Acme").status is Status.CONNECTED
    assert (await connections.check("Acme")).identity == "alice@example.com"


async def test_tokens_kept_then_saved_then_spent_on_a_refresh_the_disk_refuses_are_kept_in_turn(
    connections, ioffice_sim, monkeypatch
):
    """The next try saves the kept tokens (the local store commits that at once), spends them on its refresh, and
    the disk refuses that save: the newest tokens are kept against what is stored now, for the try after."""
    sim = ioffice_sim.sim
    store = connections.store
    await connect_ioffice(connections, ioffice_sim, "Acme")
    await refused_by_a_full_disk(connections, monkeypatch)
    write, writes = store.database._write, []

    def full_on_the_second(*args):
        writes.append(args)
        if len(writes) == 2:
            raise StoreFull(store.home)
        return write(*args)

    monkeypatch.setattr(store.database, "_write", full_on_the_second)
    with pytest.raises(StoreFull):
        await connections.refresh("Acme")
    monkeypatch.undo()
    kept = connections.refresher.unsaved(store.database.get("Acme"))
    assert kept is not None and sim.refresh_tokens.find(kept.refresh_token) is not None

    await connections.refresh("Acme")

    issued = sim.refresh_tokens.find(store.database.secrets("Acme").refresh_token) is not None
    assert issued, "the stored refresh token is not one iOFFICE issued"
    assert store.database.get("Acme").status is Status.CONNECTED


async def test_revoking_also_revokes_the_tokens_a_full_disk_refused(connections, ioffice_sim, monkeypatch):
    sim = ioffice_sim.sim
    await connect_ioffice(connections, ioffice_sim, "Acme")
    await refused_by_a_full_disk(connections, monkeypatch)
    kept = connections.refresher.unsaved(connections.store.database.get("Acme"))
    assert kept is not None

    await connections.revoke("Acme")

    live = sim.refresh_tokens.find(kept.refresh_token) is not None
    assert not live, "the refresh token the disk refused is still live at iOFFICE"
    assert connections.refresher._unsaved == {}


async def test_tokens_of_a_connection_removed_meanwhile_are_not_kept(connections, ioffice_sim, monkeypatch):
    await connect_ioffice(connections, ioffice_sim, "Acme")

    def remove_when_answered(name: str) -> None:
        if name == "answered":
            connections.store.database.remove("Acme")  # from another window or the command line

    monkeypatch.setattr(refresher, "checkpoint", remove_when_answered)
    with pytest.raises(ConnectionNotFound):
        await connections.refresh("Acme")
    assert connections.refresher._unsaved == {}  # no disk refused them: nothing to save again


async def test_an_account_renamed_during_the_refresh_is_kept(connections, ioffice_sim, sleep):
    sim = ioffice_sim.sim
    store = connections.store
    await connect_ioffice(connections, ioffice_sim, "Acme")
    sim.inject(TOKEN_PATH, status=503)  # a retry, during which a `check` renames the account

    async def rename_while_waiting(seconds):
        sleep.waits.append(seconds)
        store.database.save_metadata(replace(store.database.get("Acme"), account="bob@example.com"))

    connections.refresher._sleep = rename_while_waiting
    refreshed = await connections.refresh("Acme")

    assert len(sleep.waits) == 1
    assert refreshed.account == "bob@example.com"
    assert store.database.get("Acme") == refreshed
    issued = sim.refresh_tokens.find(store.database.secrets("Acme").refresh_token) is not None  # judged first
    assert issued, "not a token iOFFICE issued"


async def test_refreshing_a_lasting_token_without_a_refresh_token_leaves_it_connected(connections, ioffice_sim):
    await connect_ioffice(connections, ioffice_sim, "Acme")
    stored, secrets = await read_stored(connections.store, "Acme")
    lasting = replace(stored, has_refresh_token=False)  # as vcita issues them: years, and nothing to refresh with
    await connections.store.save(lasting, replace(secrets, refresh_token=None))

    with pytest.raises(ConfigError) as caught:
        await connections.refresh("Acme")

    assert "gave no refresh token" in caught.value.sentence
    assert connections.store.database.get("Acme").status is Status.CONNECTED


async def test_trying_leaves_a_refresh_to_the_process_holding_the_lock_and_waiting_joins_it(
    connections, ioffice_sim
):
    sim, store = ioffice_sim.sim, connections.store
    await connect_ioffice(connections, ioffice_sim, "Acme")
    before = len(sim.requests_to(TOKEN_PATH))
    other = await StoreChild.start("local", str(store.home))
    try:
        assert await other.ask("hold Acme") == "held"
        # Both at once: the waiting caller joins the try, which does not wait; then it waits by itself.
        tried = asyncio.ensure_future(connections.refresher.try_refresh("Acme"))
        waiting = asyncio.ensure_future(connections.refresh("Acme"))
        assert await tried is None
        assert not waiting.done() and len(sim.requests_to(TOKEN_PATH)) == before
        await other.go_on()
        refreshed = await waiting
    finally:
        await other.finish()

    assert len(sim.requests_to(TOKEN_PATH)) - before == 1
    assert refreshed == store.database.get("Acme")


async def test_tokens_a_full_disk_refused_are_never_saved_into_a_workspace_row_given_the_same_id_and_times(
    store, client, sleep, ioffice_sim, postgres, workspace_database, monkeypatch
):
    """A connection moved out of the workspace leaves its id and token times in the workspace's audit log and
    backups: a database administrator may give a shared row the same. The tokens the home's disk refused are the
    private connection's alone, and the shared row's refresh never takes them."""
    sim = ioffice_sim.sim
    workspaces = Workspaces()
    try:
        shared = workspaces.open(postgres.uri(workspace_database))
        private = await connect_ioffice(connections_for(store, client, sleep), ioffice_sim, "Acme")
        await shared.save(replace(private, name="Team"), (await store.read("Acme"))[1])
        connections = connections_for(HomeAndWorkspace(store, shared, where=shared.where), client, sleep)
        issued_before = set(sim.issued_secrets())

        monkeypatch.setattr(store.database, "_write", lambda *_: (_ for _ in ()).throw(StoreFull(store.home)))
        with pytest.raises(StoreFull):
            await connections.refresh("Acme")
        monkeypatch.undo()
        with contextlib.suppress(GrantError):  # the row's own refresh token was the one just spent
            await connections.refresh("Team")

        _, team = await shared.read("Team")
        kept_there = bool({team.access_token, team.refresh_token} & (set(sim.issued_secrets()) - issued_before))
        assert not kept_there, "the private connection's new tokens were saved into the workspace"  # never printed
    finally:
        workspaces.close_all()
