"""What the workspace's lock adds to the contract: a held connection's saves are one transaction with the lock,
seen by others only once it is let go of, and rolled back (and told again as stored) if the block fails."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest

from connmgr.storage.audit import AuditAction
from connmgr.storage.interface import Change
from tests.storage.postgres_server import PostgresServer
from tests.storage.samples import connection, secrets
from tests.storage.workspaces import Workspaces

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
