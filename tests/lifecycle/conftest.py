"""A home with a fixed data key (child processes share it), connections made by iOFFICE's direct code request,
and waits that record their lengths instead of waiting."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from random import Random

import httpx
import pytest

from connmgr.domain.connection import Connection
from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import new_http_client
from connmgr.services.connections import Connections
from connmgr.services.refresher import Refresher
from connmgr.services.retry import RetryPolicy
from connmgr.storage import LocalStore
from tests.engine.conftest import CATALOG, provider_for
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.storage.fakes import FixedDataKey

# Reading: short enough that an injected "no answer" costs little real time, long enough that a real answer never
# misses it. Connecting: the simulator's listen backlog is 5, so a burst of new connections may wait a second for
# the kernel's SYN retry; that wait is no fault of the vendor's and must not count as one.
TEST_TIMEOUT = httpx.Timeout(1.0, connect=5.0)


@dataclass
class RecordedSleep:
    """An injected `sleep`: notes how long it was asked to wait, and only lets other tasks run."""

    waits: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        await asyncio.sleep(0)


@pytest.fixture
def store(home: Path) -> Iterator[LocalStore]:
    with LocalStore(home, FixedDataKey(home)) as opened:
        yield opened


@pytest.fixture
async def client() -> AsyncIterator[OAuthClient]:
    async with new_http_client(timeout=TEST_TIMEOUT) as http:
        yield OAuthClient(http)


@pytest.fixture
def sleep() -> RecordedSleep:
    return RecordedSleep()


def connections_for(
    store: LocalStore,
    client: OAuthClient,
    sleep: RecordedSleep,
    *,
    now: Callable[[], float] | None = None,
) -> Connections:
    clock = now or client.now
    refresher = Refresher(store, CATALOG, client, policy=RetryPolicy(), rng=Random(7), sleep=sleep, now=clock)
    return Connections(store, CATALOG, client, now=clock, refresher=refresher)


@pytest.fixture
def connections(store: LocalStore, client: OAuthClient, sleep: RecordedSleep) -> Connections:
    return connections_for(store, client, sleep)


async def connect_ioffice(connections: Connections, seeded, name: str) -> Connection:
    """A connection by the direct code request: no browser, the password used once."""
    provider = provider_for("ioffice", seeded, "password", username=USERNAME, password=PASSWORD)
    return await connections.connect_directly(name, provider, username=USERNAME, password=PASSWORD)
