"""This home's store joined with its workspace's (`storage.both`), over the real SQLite home and the tests' real
PostgreSQL: where what is held there, and what holds or gives way where the two sides meet (a name on both, two
audit logs, a workspace that cannot be reached)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from connmgr.storage import LocalStore
from connmgr.storage.audit import AuditAction, first_broken_link
from connmgr.storage.both import HomeAndWorkspace, Side
from connmgr.storage.errors import (
    ConnectionDamaged,
    ConnectionNotFound,
    NameOnBothSides,
    NameTaken,
    WorkspaceUnavailable,
)
from connmgr.storage.interface import Change
from connmgr.storage.workspace import WorkspaceStore
from connmgr.storage.workspace.errors import WorkspaceUnreachable
from tests.storage.fakes import FixedDataKey
from tests.storage.samples import connection, secrets
from tests.storage.workspaces import Workspaces
from tests.support.postgres_server import PostgresServer


@pytest.fixture
def local(home: Path) -> Iterator[LocalStore]:
    with LocalStore(home, FixedDataKey(home)) as store:
        yield store


@pytest.fixture
def shared(postgres: PostgresServer, workspace_database: str, workspaces: Workspaces) -> WorkspaceStore:
    return workspaces.open(postgres.uri(workspace_database))


def joined(local: LocalStore, shared: WorkspaceStore, new_side: Side = Side.HOME) -> HomeAndWorkspace:
    return HomeAndWorkspace(local, shared, where=shared.where, new_side=lambda _: new_side)


async def test_new_connections_go_where_asked_and_each_is_found_by_name(
    local: LocalStore, shared: WorkspaceStore
) -> None:
    await joined(local, shared).save(connection("Private"), secrets("Private"), audit=AuditAction.CONNECT)
    await joined(local, shared, Side.WORKSPACE).save(connection("Team"), secrets("Team"), audit=AuditAction.CONNECT)

    assert [c.name for c in await local.list_connections()] == ["Private"]
    assert [c.name for c in await shared.list_connections()] == ["Team"]
    both = joined(local, shared)  # as the next command opens it
    assert [c.name for c in await both.list_connections()] == ["Private", "Team"]
    assert await both.read("Team") == (connection("Team"), secrets("Team"))
    assert list(await both.read_many(["Team", "Private"])) == ["Team", "Private"]
    async with both.locked(connection("Team")) as held:  # the workspace's lock
        assert await held.save(replace(held.connection, issued_at=2.0), secrets("new"), audit=AuditAction.REFRESH)
    assert (await shared.read("Team"))[1] == secrets("new")
    renamed = await both.rename("Team", "Team prod", updated_at=3.0)
    assert await shared.get("Team prod") == renamed
    assert await both.remove("Team prod") == renamed
    assert await shared.list_connections() == []


async def test_a_name_taken_on_the_other_side_is_refused(local: LocalStore, shared: WorkspaceStore) -> None:
    await local.save(connection("Acme"), secrets("Acme"))
    await shared.save(connection("Zeta"), secrets("Zeta"))
    both = joined(local, shared, Side.WORKSPACE)
    for taking in (
        lambda: both.save(connection("Other", name="Acme"), secrets("Other")),  # new, to the workspace
        lambda: both.save_metadata(connection("Zeta", name="Acme")),
        lambda: both.rename("Zeta", "Acme", updated_at=2.0),
        lambda: both.rename("Acme", "Zeta", updated_at=2.0),
    ):
        with pytest.raises(NameTaken):
            await taking()
    assert [c.name for c in await shared.list_connections()] == ["Zeta"]
    assert [c.name for c in await local.list_connections()] == ["Acme"]


async def test_a_name_on_both_sides_is_said_never_shadowed(local: LocalStore, shared: WorkspaceStore) -> None:
    """Two machines may save one name at the same moment on two sides; neither is then taken for the other."""
    await local.save(connection("Acme"), secrets("mine"))
    await shared.save(connection("Acme", id="id-theirs"), secrets("theirs"))
    both = joined(local, shared)

    assert [c.id for c in await both.list_connections()] == ["id-Acme", "id-theirs"]
    for attempt in (lambda: both.get("Acme"), lambda: both.read("Acme"), lambda: both.read_many(["Acme"])):
        with pytest.raises(NameOnBothSides) as error:
            await attempt()
        assert error.value.sentence == (
            f"Connection store: a connection named 'Acme' is both in this home and in the workspace at {shared.where};"
            f" rename this home's to tell them apart (connmgr rename 'Acme' NEW renames it)."
        )
    renamed = await both.rename("Acme", "Acme mine", updated_at=2.0)  # the way out the sentence gives
    assert (renamed.id, await local.get("Acme mine")) == ("id-Acme", renamed)
    assert await both.read("Acme") == (connection("Acme", id="id-theirs"), secrets("theirs"))


async def test_each_side_keeps_its_own_audit_log_each_chained(local: LocalStore, shared: WorkspaceStore) -> None:
    both = joined(local, shared)
    await both.save(connection("Private"), secrets("Private"), audit=AuditAction.CONNECT)
    await joined(local, shared, Side.WORKSPACE).save(connection("Team"), secrets("Team"), audit=AuditAction.CONNECT)
    await both.record(AuditAction.EXPORT, await both.list_connections(), detail="/tmp/both.env")
    await both.rename("Team", "Team prod", updated_at=2.0, audit=AuditAction.RENAME)

    home_log, workspace_log = await local.audit_log(), await shared.audit_log()
    assert [(e.action, e.connection_name) for e in home_log] == [("connect", "Private"), ("export", "Private")]
    assert [(e.action, e.connection_name) for e in workspace_log] == [
        ("connect", "Team"), ("export", "Team"), ("rename", "Team prod")
    ]  # fmt: skip
    assert first_broken_link(home_log) is None and first_broken_link(workspace_log) is None
    assert await both.audit_log() == home_log + workspace_log
    assert await both.audit_log("id-Team") == workspace_log


async def test_while_the_workspace_is_offline_this_homes_connections_work(
    local: LocalStore, workspaces: Workspaces, tmp_path: Path
) -> None:
    nowhere = workspaces.open(f"postgresql:///nowhere?host={tmp_path}&port=1")
    both = HomeAndWorkspace(local, nowhere, where=nowhere.where)
    await local.save(connection("Private"), secrets("Private"))

    assert await both.read("Private") == (connection("Private"), secrets("Private"))
    await both.save(connection("New"), secrets("New"), audit=AuditAction.CONNECT)  # to this home, as ever
    async with both.locked(connection("Private")) as held:
        assert await held.save(replace(held.connection, issued_at=2.0), secrets("refreshed"))
    assert [c.name for c in await both.list_connections()] == ["New", "Private"]
    assert both.unlisted is not None
    with pytest.raises(WorkspaceUnavailable) as error:
        await both.read("Team")
    assert error.value.sentence == (
        f"Workspace: 'Team' is not in this home, and the workspace at {nowhere.where} is offline (the server of"
        f" {nowhere.where} cannot be reached); check the network and try again; nothing was changed."
    )
    with pytest.raises(WorkspaceUnavailable):
        await both.read_many(["Private", "Team"])
    with pytest.raises(WorkspaceUnavailable):  # nor is a shared connection locked
        async with both.locked(connection("Team")):
            pass
    assert {c.name: c.issued_at for c in await local.list_connections()} == {"New": 1_700_000_000.5, "Private": 2.0}


async def test_a_listener_hears_each_change_with_its_side_and_a_move_as_a_change(
    local: LocalStore, shared: WorkspaceStore
) -> None:
    both = joined(local, shared)
    await both.save(connection("Acme"), secrets("Acme"), audit=AuditAction.CONNECT)
    heard: asyncio.Queue[Change] = asyncio.Queue()
    both.subscribe(heard.put_nowait)
    await shared.list_connections()  # the workspace's watch started

    # Shared as `connmgr share` does: saved in the workspace first, then removed from this home.
    await shared.save(connection("Acme"), secrets("Acme"), audit=AuditAction.CONNECT)
    moved = await asyncio.wait_for(heard.get(), 10)
    assert (moved.before, moved.after) == (None, connection("Acme"))
    assert both.side_of(connection("Acme")) is Side.WORKSPACE
    await local.remove("Acme", audit=AuditAction.REMOVE)
    await both.save(connection("Zeta"), secrets("Zeta"))  # a change after it: the removal was heard, or never is
    after = await asyncio.wait_for(heard.get(), 10)
    assert (after.before, after.after) == (None, connection("Zeta")) and both.side_of(connection("Zeta")) is Side.HOME
    await shared.remove("Acme")  # gone from the side that holds it: removed
    gone = await asyncio.wait_for(heard.get(), 10)
    assert (gone.before, gone.after) == (connection("Acme"), None)
    chains = await both.audit_chains()
    assert [[e.action for e in chain] for chain in chains] == [["connect", "remove"], ["connect"]]
    assert all(first_broken_link(chain) is None for chain in chains)


async def test_a_damaged_row_in_the_workspace_stops_no_private_command(
    local: LocalStore, shared: WorkspaceStore, postgres: PostgresServer, workspace_database: str
) -> None:
    """A database administrator's edit harms the shared connection it edits, not the private ones beside it."""
    await local.save(connection("Private"), secrets("Private"))
    await local.save(connection("Mine"), secrets("Mine"))
    await shared.save(connection("Team"), secrets("Team"))
    postgres.psql("UPDATE connections SET field_values = 'edited' WHERE name = 'Team'", workspace_database)
    both = joined(local, shared)

    assert await both.read_many(["Private", "Mine"]) == {
        "Private": (connection("Private"), secrets("Private")),
        "Mine": (connection("Mine"), secrets("Mine")),
    }
    with pytest.raises(ConnectionDamaged):
        await both.read_many(["Private", "Team"])
    with pytest.raises(ConnectionNotFound):
        await both.read_many(["Private", "Nowhere"])


async def test_a_workspace_row_given_a_private_connections_id_is_never_taken_for_it(
    local: LocalStore, shared: WorkspaceStore
) -> None:
    """A connection moved out of the workspace keeps its id, which the workspace's audit log still holds: a row
    given that id there draws neither the private connection's entries, nor its lock, nor its saves."""
    await local.save(connection("Private"), secrets("Private"))
    await shared.save(connection("Team", id="id-Private"), secrets("Team"))
    team = connection("Team", id="id-Private")
    both = joined(local, shared)
    await both.list_connections()  # each seen on its side

    await both.record(AuditAction.COPY, [connection("Private")], detail="exec")
    async with both.locked(connection("Private")) as held:
        assert await held.save(replace(held.connection, issued_at=2.0), secrets("refreshed"))
    await both.record(AuditAction.COPY, [team], detail="exec")

    assert [(e.action, e.connection_name) for e in await local.audit_log()] == [("copy", "Private")]
    assert [(e.action, e.connection_name) for e in await shared.audit_log()] == [("copy", "Team")]
    assert await local.read("Private") == (replace(connection("Private"), issued_at=2.0), secrets("refreshed"))
    assert await shared.read("Team") == (team, secrets("Team"))
    assert [e.connection_name for e in await both.audit_log("id-Private")] == ["Private", "Team"]


async def test_a_shared_connection_saved_under_a_new_name_while_the_workspace_is_offline_stays_shared(
    local: LocalStore, shared: WorkspaceStore, postgres: PostgresServer, workspace_database: str
) -> None:
    """A reconnect may rename; if the workspace went away meanwhile, the save fails rather than leave a private copy
    of the shared connection in this home."""
    await shared.save(connection("Team"), secrets("Team"))
    both = joined(local, shared)
    team, _ = await both.read("Team")
    postgres.psql(f"ALTER DATABASE {workspace_database} ALLOW_CONNECTIONS false")
    postgres.psql(f"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{workspace_database}'")
    try:
        with pytest.raises(WorkspaceUnreachable):
            await both.save(replace(team, name="Team 2"), secrets("new"))
    finally:
        postgres.psql(f"ALTER DATABASE {workspace_database} ALLOW_CONNECTIONS true")
    assert await local.list_connections() == []
