"""The contract suite's fixtures: every test runs once per backend (`BACKENDS`), through the store interface."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from connmgr.storage.interface import ConnectionStore
from tests.storage.contract.backends import BACKENDS, Backend, made_backend
from tests.storage.contract.child import StoreChild


@pytest.fixture(params=sorted(BACKENDS))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    yield from made_backend(request)


@pytest.fixture
def store(backend: Backend) -> ConnectionStore:
    return backend.open()


@pytest.fixture
async def child(backend: Backend) -> AsyncIterator[StoreChild]:
    """Another process over the same store."""
    started = await StoreChild.start(backend.name, backend.location)
    yield started
    await started.finish()
