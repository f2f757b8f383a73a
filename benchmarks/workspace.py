"""The team workspace on PostgreSQL, beside the local SQLite store, on a PostgreSQL server of the benchmark's own
(started as the tests start theirs, by tests/support/postgres_server.py; `fsync = off`, as there):

- open and list 10,000 shared connections: a new store object each time (connecting, the schema's check, the
  workspace key unwrapped on this device, the listing), beside the same 10,000 in a new SQLite store;
- refresh throughput: 1,000 connections 16 at a time against the local token server (benchmarks/refresh.py's
  harness), saved through PostgreSQL, beside the same saved in SQLite, and beside authlib;
- NOTIFY latency: a save in this process until another process's store listener is told of it (a workspace of
  1,000 connections, which that store lists again), beside the save alone;
- rotating the workspace key (a member removed) over 10,000 sealed secrets, beside the re-sealing alone.

    .venv/bin/python -m benchmarks.workspace
"""

from __future__ import annotations

import asyncio
import random
import sys
import tempfile
import time
import warnings
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from statistics import median

import psycopg

from benchmarks.common import (
    CLIENT_ID,
    CLIENT_SECRET,
    Figure,
    emit,
    fill_oauth2_store,
    fill_table_store,
    fresh_home,
    oauth2_connection,
    rotated,
    table_connection,
)
from benchmarks.refresh import timed_run
from benchmarks.token_server import TokenServer
from connmgr.domain.connection import Connection, Secrets
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.services.workspace import Trust, WorkspaceMembers
from connmgr.storage import LocalStore
from connmgr.storage.members.keypair import DeviceKeyPair
from connmgr.storage.members.rotation import Member, SharedSecrets, rotate
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.rows import METADATA_COLUMNS, metadata_row
from connmgr.storage.sealing import Binding, DataKeyCodec, SecretCodec
from connmgr.storage.workspace import CodecSealing, WorkspaceAddress, WorkspaceStore
from connmgr.storage.workspace.membership import Membership
from connmgr.storage.workspace.sealing import Sealing, WorkspaceKeySealing
from connmgr.templates import load_catalog
from tests.storage.fakes import FixedDataKey
from tests.support.postgres_server import PostgresServer, remove_server, start_server

LISTED = 10_000
REFRESHED = 1_000
REPEATS = 5
ROTATIONS = 3  # each re-seals all 10,000
NOTIFIES = 100
CONCURRENCY = 16  # as benchmarks/refresh.py
_INSERT = (
    f"INSERT INTO connections ({', '.join(METADATA_COLUMNS)}, secrets)"  # noqa: S608 -- fixed column names
    f" VALUES ({', '.join(['%s'] * (len(METADATA_COLUMNS) + 1))})"
)


def _fixed_sealing() -> CodecSealing:
    return CodecSealing(DataKeyCodec(FixedDataKey.KEY))


def _device() -> DeviceKeyPair:
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    return DeviceKeyPair(X25519PrivateKey.generate())


class Team:
    """A workspace with its admin, alice, whose device unwraps the key for her stores."""

    def __init__(self, uri: str) -> None:
        self.address = WorkspaceAddress.parse(uri)
        self.alice_device = _device()
        self.alice = self.member(self.alice_device)
        self.trust = Trust([self.alice_device.public_key])
        self.seeded: dict[str, Connection] = {}  # by id: what the secrets are bound to (a rotation keeps it)

    def member(self, device: DeviceKeyPair) -> WorkspaceMembers:
        return WorkspaceMembers(Membership(self.address, actor="bench@workspace"), device)

    def sealing(self) -> WorkspaceKeySealing:
        async def open_key() -> tuple[str, WorkspaceKey]:
            info, key = await self.alice.workspace_key(self.trust)
            return info.id, key

        return WorkspaceKeySealing(open_key)


async def _seed(uri: str, sealing: Sealing, pairs: Sequence[tuple[Connection, Secrets]]) -> None:
    """The connections written at once (one transaction; seeding is not what is measured)."""
    with WorkspaceStore(WorkspaceAddress.parse(uri), sealing) as store:
        await store.list_connections()  # the schema made
    codec: SecretCodec = await sealing.codec()
    rows = []
    for connection, secrets in pairs:
        row = metadata_row(connection)
        rows.append([*(row[c] for c in METADATA_COLUMNS), codec.seal(Binding.of(connection), secrets)])
    async with await psycopg.AsyncConnection.connect(uri) as db:
        async with db.cursor() as cursor:
            await cursor.executemany(_INSERT, rows)
        await db.commit()


async def _listing(team: Team, uri: str, folder: Path) -> list[Figure]:
    now, rng = time.time(), random.Random(7)  # noqa: S311 -- reproducible data, not a secret
    await team.alice.create("Bench", "alice")
    pairs = [table_connection(i, now=now, rng=rng) for i in range(LISTED)]
    team.seeded = {connection.id: connection for connection, _ in pairs}
    await _seed(uri, team.sealing(), pairs)
    home = fresh_home(folder, "listing")
    with LocalStore(home, FixedDataKey(home)) as local:
        await local.database.unlock()
        fill_table_store(local.database, LISTED)

    async def shared() -> float:
        started = time.perf_counter()
        with WorkspaceStore(team.address, team.sealing()) as store:
            assert len(await store.list_connections()) == LISTED
        return time.perf_counter() - started

    async def sqlite() -> float:
        started = time.perf_counter()
        with LocalStore(home, FixedDataKey(home)) as store:
            assert len(await store.list_connections()) == LISTED
        return time.perf_counter() - started

    ways = {"shared": shared, "sqlite": sqlite}
    for warm_up in ways.values():  # imports, the server's caches
        await warm_up()
    samples: dict[str, list[float]] = {way: [] for way in ways}
    for repeat in range(REPEATS):
        for way in rotated(list(ways), repeat):
            samples[way].append(await ways[way]() * 1000)
    return [
        Figure(
            "workspace.open_list", f"Open and list {LISTED:,} shared connections (PostgreSQL, key unwrapped)",
            median(samples["shared"]), "ms", median(samples["sqlite"]), f"SQLite, the same {LISTED:,}",
            runs=REPEATS, samples=samples["shared"],
        ),
    ]  # fmt: skip


async def _refreshing(server: PostgresServer, tokens: TokenServer, folder: Path) -> tuple[list[Figure], str]:
    """The refresh figures, and the database they were measured on (1,000 connections)."""
    with warnings.catch_warnings():  # authlib warns that it would rather have httpx2; it runs on httpx
        warnings.simplefilter("ignore")
        from authlib.integrations.httpx_client import AsyncOAuth2Client

    uri = server.uri(_database(server, "refreshing"))
    now = time.time()
    pairs = [oauth2_connection(i, tokens.base_url, now=now) for i in range(REFRESHED)]
    names = [connection.name for connection, _ in pairs]
    await _seed(uri, _fixed_sealing(), pairs)
    home = fresh_home(folder, "refreshing")
    catalog = load_catalog().catalog
    authlib_tokens = [secrets.refresh_token or "" for _, secrets in pairs]
    with (
        LocalStore(home, FixedDataKey(home)) as local,
        WorkspaceStore(WorkspaceAddress.parse(uri), _fixed_sealing()) as shared,
    ):
        await local.database.unlock()
        fill_oauth2_store(local.database, REFRESHED, tokens.base_url)
        async with (
            OAuthClient() as client,
            AsyncOAuth2Client(CLIENT_ID, CLIENT_SECRET, token_endpoint_auth_method="client_secret_basic") as theirs,
        ):
            on_postgres, on_sqlite = Connections(shared, catalog, client), Connections(local, catalog, client)

            async def postgres(i: int) -> None:
                await on_postgres.refresh(names[i])

            async def sqlite(i: int) -> None:
                await on_sqlite.refresh(names[i])

            async def authlib(i: int) -> None:
                answer = await theirs.refresh_token(f"{tokens.base_url}/token", refresh_token=authlib_tokens[i])
                authlib_tokens[i] = answer["refresh_token"]

            ways = {"postgres": postgres, "sqlite": sqlite, "authlib": authlib}
            for one in ways.values():  # warm-up: connection pools, the server's caches
                await timed_run(range(REFRESHED), one)
            rates: dict[str, list[float]] = {way: [] for way in ways}
            stalls: dict[str, list[float]] = {way: [] for way in ways}
            for repeat in range(REPEATS):
                for way in rotated(list(ways), repeat):
                    rate, stall, _ = await timed_run(range(REFRESHED), ways[way])
                    rates[way].append(rate)
                    stalls[way].append(stall)
    ours, authlib_rate = median(rates["postgres"]), median(rates["authlib"])
    label = f"Refresh {REFRESHED:,}, {CONCURRENCY} at a time, saved through PostgreSQL"
    return [
        Figure("workspace.refresh", label, ours, "refresh/s", median(rates["sqlite"]), "saved in SQLite",
               runs=REPEATS, samples=rates["postgres"]),
        Figure("workspace.refresh_authlib", "  the same beside authlib", ours, "refresh/s", authlib_rate,
               "authlib AsyncOAuth2Client", runs=REPEATS, samples=rates["authlib"]),
        Figure("workspace.refresh_stall", "  largest event-loop stall, saved through PostgreSQL (worst run)",
               max(stalls["postgres"]), "ms", max(stalls["sqlite"]), "saved in SQLite, worst run", runs=REPEATS,
               samples=stalls["postgres"]),
    ], uri  # fmt: skip


async def _notifying(uri: str) -> list[Figure]:
    child = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "benchmarks.workspace", "listen", uri,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert child.stdout is not None
    assert child.stdin is not None
    assert (await child.stdout.readline()).strip() == b"listening"
    latencies, saves = [], []
    with WorkspaceStore(WorkspaceAddress.parse(uri), _fixed_sealing()) as store:
        connection = (await store.list_connections())[0]
        for turn in range(NOTIFIES + 5):  # the first five warm up
            changed = replace(connection, updated_at=connection.updated_at + turn + 1)
            started = time.monotonic()  # the same clock in both processes (CLOCK_MONOTONIC)
            await store.save_metadata(changed)
            saved = time.monotonic()
            heard = float((await child.stdout.readline()).decode())
            if turn >= 5:
                latencies.append((heard - started) * 1000)
                saves.append((saved - started) * 1000)
    child.stdin.close()
    await child.wait()
    return [
        Figure("workspace.notify", f"A save heard by another process's store ({REFRESHED:,} connections listed)",
               median(latencies), "ms", median(saves), "the save alone", runs=NOTIFIES, samples=latencies),
    ]  # fmt: skip


async def _listen(uri: str) -> None:
    """The other process: its store's listener prints when it was told of a change, until stdin closes."""
    with WorkspaceStore(WorkspaceAddress.parse(uri), _fixed_sealing()) as store:
        store.subscribe(lambda _: print(time.monotonic(), flush=True))
        await store.list_connections()  # returns once the watch is listening
        print("listening", flush=True)
        await asyncio.to_thread(sys.stdin.read)


async def _rotating(team: Team, uri: str) -> list[Figure]:
    removals, resealing = [], []
    for turn in range(ROTATIONS):
        leaving = team.member(_device())
        await leaving.join(f"leaver {turn}")
        await team.alice.approve(await team.alice.requester(f"leaver {turn}"), team.trust)
        started = time.perf_counter()
        removal = await team.alice.remove(f"leaver {turn}", team.trust)
        removals.append(time.perf_counter() - started)
        assert removal.dropped == ()
        resealing.append(await _resealing_alone(team, uri))
    return [
        Figure("workspace.rotate", f"Rotate the workspace key (a member removed) over {LISTED:,} secrets",
               median(removals), "s", median(resealing), "the re-sealing alone", runs=ROTATIONS, samples=removals),
    ]  # fmt: skip


async def _resealing_alone(team: Team, uri: str) -> float:
    """What `rotate` takes over the same secrets, without the database: the cryptography's share."""
    info, current = await team.alice.workspace_key(team.trust)
    async with await psycopg.AsyncConnection.connect(uri) as db:
        rows = await (await db.execute("SELECT id, secrets FROM connections")).fetchall()
    shared = [SharedSecrets(Binding.of(team.seeded[id_]), bytes(sealed)) for id_, sealed in rows]
    started = time.perf_counter()
    alice = [Member("alice", team.alice_device.public_key)]
    rotate(info.id, current, current.next(), admin=team.alice_device, remaining=alice, shared=shared,
           removed_generations=set())  # fmt: skip
    return time.perf_counter() - started


def _database(server: PostgresServer, name: str) -> str:
    server.psql(f'CREATE DATABASE "{name}"')
    return name


async def _bench(server: PostgresServer, tokens: TokenServer, folder: Path) -> list[Figure]:
    listing_uri = server.uri(_database(server, "listing"))
    team = Team(listing_uri)
    figures = await _listing(team, listing_uri, folder)
    refreshing, refresh_uri = await _refreshing(server, tokens, folder)
    figures += refreshing
    figures += await _notifying(refresh_uri)
    figures += await _rotating(team, listing_uri)
    return figures


def main() -> None:
    if sys.argv[1:2] == ["listen"]:
        asyncio.run(_listen(sys.argv[2]))
        return
    server = start_server()
    try:
        with TokenServer() as tokens, tempfile.TemporaryDirectory() as directory:
            figures = asyncio.run(_bench(server, tokens, Path(directory)))
    finally:
        remove_server(server)
    emit(figures, listed=LISTED, refreshed=REFRESHED, repeats=REPEATS, rotations=ROTATIONS, notifies=NOTIFIES)


if __name__ == "__main__":
    main()
