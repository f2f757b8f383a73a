"""The contract suite's fixtures: every test runs once per backend (`BACKENDS`), through the store interface."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator

import pytest

from connmgr.storage.interface import ConnectionStore
from tests.storage.contract.backends import BACKENDS, Backend, LocalBackend, PostgresBackend
from tests.storage.contract.child import StoreChild

# How each backend is made for one test, from the test's other fixtures.
_MAKERS: dict[str, Callable[[pytest.FixtureRequest], Backend]] = {
    LocalBackend.name: lambda request: LocalBackend(request.getfixturevalue("home")),
    PostgresBackend.name: lambda request: PostgresBackend(request.getfixturevalue("postgres")),
}
assert _MAKERS.keys() == BACKENDS.keys()


@pytest.fixture(params=sorted(_MAKERS))
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    made = _MAKERS[request.param](request)
    yield made
    made.close_all()
    if isinstance(made, PostgresBackend):
        made.drop()


@pytest.fixture
def store(backend: Backend) -> ConnectionStore:
    return backend.open()


@pytest.fixture
async def child(backend: Backend) -> AsyncIterator[StoreChild]:
    """Another process over the same store."""
    started = await StoreChild.start(backend.name, backend.location)
    yield started
    await started.finish()
