"""Five machines, each with its own scheduler over its own connection to one workspace, all find the same 200
rotating (iOFFICE) connections due at once: each is refreshed once at the vendor, no refresh token is spent twice,
and every machine then reads the newest tokens."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from random import Random

import httpx
import pytest

from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import new_http_client
from connmgr.services.connections import Connections
from connmgr.services.scheduler import HELD_RETRY_S, RefreshScheduler
from connmgr.storage.workspace import WorkspaceStore
from tests.simulators.ioffice import TOKEN_PATH
from tests.storage.workspaces import Workspaces
from tests.support.fake_clock import FakeClock
from tests.support.postgres_server import PostgresServer
from tests.support.refreshing import TEST_TIMEOUT, RecordedSleep, connect_ioffice, connections_for

MACHINES = 5
CONNECTIONS = 200
HOUR = 3600.0
GUARD_S = 60.0  # only a scheduler that stopped short reaches it


@dataclass
class Machine:
    store: WorkspaceStore
    connections: Connections
    scheduler: RefreshScheduler
    failures: list[tuple[str, Exception]]


def machine(store: WorkspaceStore, http: httpx.AsyncClient, clock: FakeClock, number: int) -> Machine:
    """One machine's connections and scheduler over its own store, on the shared fake clock."""
    connections = connections_for(store, OAuthClient(http, now=clock.wall), RecordedSleep(), now=clock.wall)
    failures: list[tuple[str, Exception]] = []
    scheduler = RefreshScheduler(
        store, connections.refresher, on_refreshed=lambda _: None,
        on_failed=lambda name, error: failures.append((name, error)),
        rng=Random(number), wall=clock.wall, monotonic=clock.monotonic, sleep=clock.sleep,
    )  # fmt: skip
    return Machine(store, connections, scheduler, failures)


@pytest.fixture
async def workspace_machines(
    postgres: PostgresServer, workspace_database: str
) -> AsyncIterator[tuple[FakeClock, list[Machine]]]:
    """Five machines on one fake clock (their schedulers not started), stopped and closed after the test."""
    clock, workspaces = FakeClock(time.time()), Workspaces()
    async with contextlib.AsyncExitStack() as stack:
        made = []
        for number in range(MACHINES):
            http = await stack.enter_async_context(new_http_client(timeout=TEST_TIMEOUT))
            made.append(machine(workspaces.open(postgres.uri(workspace_database)), http, clock, number))
        try:
            yield clock, made
        finally:
            for each in made:
                await each.scheduler.stop()
            workspaces.close_all()


def refresh_tokens_sent(sim) -> list[str]:
    return [r.headers["x-refresh-token"] for r in sim.requests_to(TOKEN_PATH) if "x-refresh-token" in r.headers]


async def test_five_schedulers_refresh_each_due_shared_connection_once(workspace_machines, ioffice_sim):
    clock, machines = workspace_machines
    sim = ioffice_sim.sim
    names = [f"client {i:03d}" for i in range(CONNECTIONS)]
    first = machines[0]
    for name in names:
        await connect_ioffice(first.connections, ioffice_sim, name)
    signed_in = {name: secrets.refresh_token for name, (_, secrets) in (await first.store.read_many(names)).items()}
    assert refresh_tokens_sent(sim) == []

    clock.wall_now += 2 * HOUR  # every one-hour token ran out an hour ago: all 200 due on every machine
    naps = clock.naps
    for machine in machines:
        machine.scheduler.start()
    await clock.nap_after(naps)

    def all_planned_ahead() -> bool:
        """Every machine plans every connection from its new token (not merely looked at again later)."""
        later = clock.wall() + HELD_RETRY_S
        return all(
            len(due := m.scheduler.due_times()) == CONNECTIONS and min(due.values()) > later for m in machines
        )

    await asyncio.wait_for(clock.until(all_planned_ahead), GUARD_S)

    assert [m.failures for m in machines] == [[]] * MACHINES
    sent = refresh_tokens_sent(sim)
    assert [token for token, uses in Counter(sent).items() if uses > 1] == []  # none spent twice
    assert sorted(sent) == sorted(signed_in.values())  # one refresh per due connection, with its signed-in token
    newest = await first.store.read_many(names)
    for name, (connection, secrets) in newest.items():
        assert secrets.refresh_token != signed_in[name]
        assert sim.refresh_tokens.find(secrets.refresh_token) is not None  # the one the vendor accepts now
        assert connection.issued_at == clock.wall()
    for machine in machines[1:]:
        assert await machine.store.read_many(names) == newest
