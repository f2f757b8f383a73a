"""Fixtures for the simulators' own tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    """One client per test: building a client's TLS context costs more than the requests themselves."""
    async with httpx.AsyncClient() as client:
        yield client
