"""The tests' own PostgreSQL server, started once per run, and a database of its own for each test that asks."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.postgres_server import PostgresServer, remove_server, start_server


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL server of the tests' own, for the whole run (each test takes a database of its own)."""
    server = start_server()
    yield server
    remove_server(server)


@pytest.fixture
def workspace_database(postgres: PostgresServer) -> Iterator[str]:
    """A new database on the tests' server, dropped after the test."""
    database = postgres.new_database()
    yield database
    postgres.psql(f'DROP DATABASE "{database}" WITH (FORCE)')
