"""What the workspace's lock adds to the contract: a held connection's saves are one transaction with the lock,
seen by others only once it is let go of, and rolled back (and told again as stored) if the block fails."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import psycopg
import pytest

from connmgr.storage.audit import AuditAction
from connmgr.storage.interface import Change
from tests.storage.samples import connection, secrets
from tests.storage.workspaces import Workspaces
from tests.support.postgres_server import PostgresServer

GUARD_S = 30.0


class Refused(Exception):
    pass


async def test_a_held_save_is_seen_elsewhere_once_the_lock_is_let_go(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    store, other = workspaces.open(uri), workspaces.open(uri)
    await store.save(connection(), secrets("old"))
    refreshed = replace(connection(), issued_at=2.0)
    async with store.locked(connection()) as held:
        assert await held.save(refreshed, secrets("new"), audit=AuditAction.REFRESH)
        assert await other.read("Acme") == (connection(), secrets("old"))
        assert [e.action for e in await other.audit_log()] == []
    assert await other.read("Acme") == (refreshed, secrets("new"))
    assert [e.action for e in await other.audit_log()] == ["refresh"]


async def test_a_block_that_fails_saves_nothing_and_its_listeners_hear_what_is_stored(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    store = workspaces.open(postgres.uri(workspace_database))
    await store.save(connection(), secrets("old"))
    heard: asyncio.Queue[Change] = asyncio.Queue()
    store.subscribe(heard.put_nowait)
    refreshed = replace(connection(), issued_at=2.0)

    async def refresh_then_fail() -> None:
        async with store.locked(connection()) as held:
            assert await held.save(refreshed, secrets("new"), audit=AuditAction.REFRESH)
            assert heard.get_nowait() == Change(connection(), refreshed)
            raise Refused

    with pytest.raises(Refused):
        await refresh_then_fail()
    assert await asyncio.wait_for(heard.get(), GUARD_S) == Change(refreshed, connection())
    assert await store.read("Acme") == (connection(), secrets("old"))
    assert await store.audit_log() == []


async def test_a_save_whose_caller_is_cancelled_is_still_committed(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    store = workspaces.open(uri)
    await store.save(connection(), secrets("old"))
    heard: asyncio.Queue[Change] = asyncio.Queue()
    store.subscribe(heard.put_nowait)
    await store.list_connections()
    refreshed = replace(connection(), issued_at=2.0)
    async with await psycopg.AsyncConnection.connect(uri) as blocker:
        await blocker.execute("SELECT 1 FROM connections WHERE id = 'id-Acme' FOR UPDATE")  # the save waits on it
        saving = asyncio.ensure_future(store.save(refreshed, secrets("new")))
        await until_a_session_waits_for_a_row_lock(uri)
        saving.cancel()
        await blocker.rollback()
    assert await asyncio.wait_for(heard.get(), GUARD_S) == Change(connection(), refreshed)
    assert saving.cancelled()
    assert await store.read("Acme") == (refreshed, secrets("new"))


async def until_a_session_waits_for_a_row_lock(uri: str) -> None:
    """Until the server says a session of the database waits for a lock (asked outside any transaction, whose
    view of the activity would stay as it first was)."""
    deadline = asyncio.get_running_loop().time() + GUARD_S
    async with await psycopg.AsyncConnection.connect(uri, autocommit=True) as db:
        while True:
            cursor = await db.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()"
            )
            row = await cursor.fetchone()
            if row and row[0] >= 1:
                return
            assert asyncio.get_running_loop().time() < deadline, "the save never waited for the row"
            await asyncio.sleep(0.02)
