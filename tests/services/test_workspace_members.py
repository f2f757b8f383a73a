"""Membership against the tests' real PostgreSQL, with what a database admin can do: a wrapped key of their own
making, or an old one put back, is refused by the member's device; a member removed while a refresh holds a
connection's lock is removed after it, and what the refresh saved is sealed again under the new key."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import psycopg
import pytest

from connmgr.services.workspace import MembershipRefused, Trust, WorkspaceMembers
from connmgr.storage.audit import AuditAction, first_broken_link
from connmgr.storage.members.codec import generation_of
from connmgr.storage.members.errors import WrappedKeyUnreadable
from connmgr.storage.members.keypair import DeviceKeyPair
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.workspace import WorkspaceAddress, WorkspaceStore
from connmgr.storage.workspace.membership import Membership, MembershipError
from connmgr.storage.workspace.sealing import WorkspaceKeySealing
from tests.storage.members import device
from tests.storage.samples import connection, secrets
from tests.support.postgres_server import PostgresServer

GUARD_S = 30.0


class Team:
    def __init__(self, uri: str) -> None:
        self.address = WorkspaceAddress.parse(uri)
        self.directories: list[Membership] = []
        self.stores: list[WorkspaceStore] = []
        self.alice_key, self.bob_key = device(), device()
        self.alice, self.bob = self.members(self.alice_key, "alice@laptop"), self.members(self.bob_key, "bob@desk")
        self.admins = Trust([self.alice_key.public_key])

    def members(self, pair: DeviceKeyPair, actor: str | None = None) -> WorkspaceMembers:
        directory = Membership(self.address, actor=actor)
        self.directories.append(directory)
        return WorkspaceMembers(directory, pair)

    def store(self, members: WorkspaceMembers, trust: Trust) -> WorkspaceStore:
        async def open_key() -> tuple[str, WorkspaceKey]:
            info, key = await members.workspace_key(trust)
            return info.id, key

        store = WorkspaceStore(self.address, WorkspaceKeySealing(open_key))
        self.stores.append(store)
        return store

    async def joined(self) -> str:
        info = await self.alice.create("Support", "alice")
        await self.bob.join("bob")
        await self.alice.approve(await self.alice.requester("bob"), self.admins)
        return info.id

    def close(self) -> None:
        for closing in (*self.stores, *self.directories):
            closing.close()


@pytest.fixture
async def team(postgres: PostgresServer, workspace_database: str) -> AsyncIterator[Team]:
    made = Team(postgres.uri(workspace_database))
    yield made
    made.close()


async def test_a_wrapped_key_of_a_database_admins_making_is_refused(
    team: Team, postgres: PostgresServer, workspace_database: str,
) -> None:  # fmt: skip
    workspace_id = await team.joined()
    mallory = device()
    forged = mallory.wrap(workspace_id, WorkspaceKey(1, b"\x07" * 32), team.bob_key.public_key)
    postgres.psql(f"UPDATE wrapped_keys SET wrapped = '\\x{forged.hex()}' WHERE member = 'bob'", workspace_database)

    with pytest.raises(WrappedKeyUnreadable) as refused:
        await team.bob.workspace_key(team.admins)
    assert refused.value.reason == "it was sealed by a device this one was never shown to trust"


async def test_an_old_wrapped_key_put_back_after_a_rotation_is_refused(
    team: Team, postgres: PostgresServer, workspace_database: str,
) -> None:  # fmt: skip
    await team.joined()
    carol = team.members(device())
    await carol.join("carol")
    await team.alice.approve(await team.alice.requester("carol"), team.admins)
    old = postgres.psql("SELECT encode(wrapped, 'hex') FROM wrapped_keys WHERE member = 'bob'", workspace_database)

    await team.alice.remove("carol", team.admins)
    _, key = await team.bob.workspace_key(team.admins)
    assert key.generation == 2
    postgres.psql(
        f"UPDATE wrapped_keys SET wrapped = '\\x{old.strip()}', generation = 2 WHERE member = 'bob';"
        " UPDATE workspace SET generation = 2",
        workspace_database,
    )
    with pytest.raises(WrappedKeyUnreadable):  # bob's device opened generation 2 already
        await team.bob.workspace_key(Trust(team.admins.admins, generation=2))


async def test_only_an_admin_approves_or_removes_and_never_their_own_device(team: Team) -> None:
    await team.joined()
    carol = team.members(device())
    await carol.join("carol")
    bob_trust = Trust([team.alice_key.public_key])

    with pytest.raises(MembershipError, match="this device is not an admin of the workspace"):
        await team.bob.approve(await team.bob.requester("carol"), bob_trust)
    with pytest.raises(MembershipError, match="this device is not an admin of the workspace"):
        await team.bob.remove("alice", bob_trust)
    with pytest.raises(MembershipRefused, match="an admin cannot remove their own device"):
        await team.alice.remove("alice", team.admins)
    with pytest.raises(MembershipRefused, match="is not approved"):
        await carol.workspace_key(team.admins)
    assert [(m.name, m.approved) for m in await team.alice.status()] == [
        ("alice", True),
        ("bob", True),
        ("carol", False),
    ]


async def test_a_removal_waits_for_a_held_refresh_and_seals_what_it_saved_again(
    team: Team, postgres: PostgresServer, workspace_database: str,
) -> None:  # fmt: skip
    await team.joined()
    alices = team.store(team.alice, team.admins)
    await alices.save(connection("Acme"), secrets("Acme"))
    refreshed = secrets("Refreshed")

    async with alices.locked(connection("Acme")) as held:
        removing = asyncio.ensure_future(team.alice.remove("bob", team.admins))
        await until_waiting_for_an_advisory_lock(postgres.uri(workspace_database))
        assert not removing.done()
        assert await held.save(connection("Acme"), refreshed, audit=AuditAction.REFRESH)
    removal = await asyncio.wait_for(removing, GUARD_S)

    # Both audited, neither waits on the other's entry (no deadlock): the refresh's first, as it committed first.
    assert [e.action for e in await alices.audit_log()][-2:] == ["refresh", "remove member"]

    assert removal.exposed == ("Acme",)
    blob = postgres.psql("SELECT encode(secrets, 'hex') FROM connections WHERE id = 'id-Acme'", workspace_database)
    assert generation_of(bytes.fromhex(blob.strip())) == 2  # a key bob's device never had
    stored = team.store(team.alice, team.admins)
    assert await stored.read("Acme") == (connection("Acme"), refreshed)


async def test_joining_approving_and_removing_are_audited_by_who_which_device_and_when(team: Team) -> None:
    started = time.time()
    await team.joined()
    carol_key = device()
    carol = team.members(carol_key, "carol@phone")
    await carol.join("carol")
    await carol.join("carol")  # asked again: the same request, not another entry
    with pytest.raises(MembershipError):  # refused: nothing recorded
        await team.bob.approve(await team.bob.requester("carol"), Trust([team.alice_key.public_key]))
    store = team.store(team.alice, team.admins)
    await store.save(connection("Acme"), secrets("Acme"), audit=AuditAction.CONNECT)
    await team.alice.remove("carol", team.admins)

    log = await store.audit_log()
    bob, carol_device = (f"(device {k.fingerprint})" for k in (team.bob_key, carol_key))
    by_alice = f"by admin device {team.alice_key.fingerprint}"
    assert [(e.actor, e.action, e.connection_id, e.connection_name, e.detail) for e in log] == [
        ("bob@desk", "join", "", "", f"member 'bob' {bob} asked to join"),
        ("alice@laptop", "approve", "", "", f"member 'bob' {bob} approved {by_alice}, with key 1"),
        ("carol@phone", "join", "", "", f"member 'carol' {carol_device} asked to join"),
        (log[3].actor, "connect", "id-Acme", "Acme", ""),
        ("alice@laptop", "remove member", "", "", f"member 'carol' {carol_device} removed {by_alice};"
         " key 2, 1 connections sealed again, 0 dropped"),
    ]  # fmt: skip
    assert first_broken_link(log) is None  # what `connmgr audit --verify` checks
    assert started <= log[0].at <= log[-1].at <= time.time()
    written = repr(log)
    for key in (team.alice_key, team.bob_key, carol_key):
        assert key.public_key.hex() not in written
    shared = secrets("Acme")
    for secret in (shared.access_token, shared.refresh_token, shared.id_token, *shared.fields.values()):
        assert secret not in written


async def until_waiting_for_an_advisory_lock(uri: str) -> None:
    """Until another session waits for an advisory lock (the server's own record of it)."""
    deadline = time.monotonic() + GUARD_S
    async with await psycopg.AsyncConnection.connect(uri, autocommit=True) as db:
        while True:
            row = await (
                await db.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted")
            ).fetchone()
            if row and row[0] == 1:
                return
            assert time.monotonic() < deadline, "the removal never waited for the connection's lock"
            await asyncio.sleep(0.02)
