"""Connections over a store with a fixed data key, refreshed with recorded waits; connections made by iOFFICE's
direct code request."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field
from random import Random

import httpx

from connmgr.domain.connection import Connection
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.services.refresher import Refresher
from connmgr.services.retry import RetryPolicy
from connmgr.storage import LocalStore
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import connected
from tests.support.providers import CATALOG, provider_for

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


async def connect_ioffice(connections: Connections, seeded, name: str) -> Connection:
    """A connection by the direct code request: no browser, the password used once."""
    provider = provider_for("ioffice", seeded, "password", username=USERNAME, password=PASSWORD)
    return await connected(connections, name, provider)
