"""A home with a fixed data key (child processes share it), an HTTP client with the tests' timeouts, and waits
that record their lengths instead of waiting."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import new_http_client
from connmgr.services.connections import Connections
from connmgr.storage import LocalStore
from tests.storage.fakes import FixedDataKey
from tests.support.refreshing import TEST_TIMEOUT, RecordedSleep, connections_for


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


@pytest.fixture
def connections(store: LocalStore, client: OAuthClient, sleep: RecordedSleep) -> Connections:
    return connections_for(store, client, sleep)
