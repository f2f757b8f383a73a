"""The workspace's schema: migrated on first use, by one process however many start at once; a newer one refused;
its audit log refuses what is not an append, whoever asks."""

from __future__ import annotations

import asyncio
import time

import psycopg
import pytest

from connmgr.storage.audit import AuditAction, first_broken_link
from connmgr.storage.workspace.schema import MIGRATION_LOCK, MIGRATIONS, WorkspaceTooNew
from tests.storage.contract.child import StoreChild
from tests.storage.samples import connection, secrets
from tests.storage.workspaces import Workspaces
from tests.support.postgres_server import PostgresServer

GUARD_S = 30.0


async def until_waiting_for_the_migration_lock(db: psycopg.AsyncConnection[tuple[object, ...]], count: int) -> None:
    """Until `count` other sessions wait for the migration's advisory lock (the server's own record of it)."""
    deadline = time.monotonic() + GUARD_S
    while True:
        cursor = await db.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            " AND ((classid::bigint << 32) | objid::bigint) = %s",
            (MIGRATION_LOCK,),  # a bigint key is held as its high and low halves
        )
        row = await cursor.fetchone()
        if row and row[0] == count:
            return
        assert time.monotonic() < deadline, "the processes never waited for the migration lock"
        await asyncio.sleep(0.02)


async def test_two_processes_starting_at_once_migrate_once(postgres: PostgresServer, workspace_database: str) -> None:
    uri = postgres.uri(workspace_database)
    async with await psycopg.AsyncConnection.connect(uri, autocommit=True) as db:
        await db.execute("SELECT pg_advisory_lock(%s)", (MIGRATION_LOCK,))  # both find the schema missing, and wait
        children = [await StoreChild.start("postgres", uri) for _ in range(2)]
        for child, name in zip(children, ("Acme", "Zeta"), strict=True):
            assert child.process.stdin is not None
            child.process.stdin.write(f"save {name}\n".encode())
            await child.process.stdin.drain()
        await until_waiting_for_the_migration_lock(db, 2)
        await db.execute("SELECT pg_advisory_unlock(%s)", (MIGRATION_LOCK,))

        answers = [await asyncio.wait_for(c.process.stdout.readline(), GUARD_S) for c in children]  # type: ignore[union-attr]
        assert answers == [b"saved\n", b"saved\n"]  # the second to migrate would have failed on the tables made
        for child in children:
            await child.finish()
        versions = await (await db.execute("SELECT version FROM connmgr_schema ORDER BY version")).fetchall()
        assert versions == [(v,) for v in range(1, len(MIGRATIONS) + 1)]
        names = await (await db.execute("SELECT name FROM connections ORDER BY name")).fetchall()
        assert names == [("Acme",), ("Zeta",)]


async def test_a_workspace_of_a_newer_connmgr_is_refused(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    await workspaces.open(uri).list_connections()
    postgres.psql(f"INSERT INTO connmgr_schema VALUES ({len(MIGRATIONS) + 1}, now())", workspace_database)
    with pytest.raises(WorkspaceTooNew) as error:
        await workspaces.open(uri).list_connections()
    assert error.value.sentence == (
        f"Connection store: the workspace connmgr@{postgres.socket_dir}:{postgres.port}/{workspace_database} was set"
        f" up by a newer connmgr (schema {len(MIGRATIONS) + 1}, this one knows up to {len(MIGRATIONS)}); upgrade"
        " connmgr."
    )


@pytest.mark.parametrize(
    "statement", ["UPDATE audit SET actor = 'mallory'", "DELETE FROM audit", "TRUNCATE audit"]
)
async def test_the_audit_log_refuses_all_but_appending(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces, statement: str
) -> None:
    store = workspaces.open(postgres.uri(workspace_database))
    await store.save(connection(), secrets(), audit=AuditAction.CONNECT)
    async with await psycopg.AsyncConnection.connect(postgres.uri(workspace_database), autocommit=True) as db:
        with pytest.raises(psycopg.errors.RaiseException, match="the audit log is append-only"):
            await db.execute(statement)
    assert [e.action for e in await store.audit_log()] == ["connect"]


async def test_appends_from_several_machines_at_once_make_one_chain(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    uri = postgres.uri(workspace_database)
    machines = [workspaces.open(uri) for _ in range(3)]
    await machines[0].save(connection(), secrets())
    await asyncio.gather(*(m.record(AuditAction.COPY, [connection()]) for m in machines for _ in range(20)))
    log = await machines[1].audit_log()
    assert [e.seq for e in log] == list(range(1, 61))
    assert first_broken_link(log) is None
