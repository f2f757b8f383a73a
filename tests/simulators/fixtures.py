"""pytest fixtures: each vendor simulator running, with one app registered and one person to sign in."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

import pytest

from tests.simulators.base import Simulator
from tests.simulators.ioffice import EpturaSimulator, IOfficeSimulator
from tests.simulators.registry import Client, User
from tests.simulators.vaultre import VaultRESimulator
from tests.simulators.vcita import VcitaSimulator

CLIENT_ID = "connmgr-test"
REDIRECT_URI = "http://127.0.0.1:8765/callback"
USERNAME = "alice"
PASSWORD = "correct horse battery staple"

SimulatorT = TypeVar("SimulatorT", bound=Simulator)


@dataclass(frozen=True)
class SeededSimulator(Generic[SimulatorT]):
    """A running simulator and what was registered on it."""

    sim: SimulatorT
    client: Client
    user: User


def _seeded(sim: SimulatorT) -> Iterator[SeededSimulator[SimulatorT]]:
    with sim:
        client = sim.register_client(CLIENT_ID, [REDIRECT_URI])
        # A system admin, so VaultRE's office-level flow works too.
        user = sim.add_user(USERNAME, PASSWORD, name="Alice Example", admin=True)
        yield SeededSimulator(sim, client, user)
    assert not sim.errors, f"the {sim.vendor} simulator failed internally: {sim.errors!r}"


@pytest.fixture
def vaultre_sim() -> Iterator[SeededSimulator[VaultRESimulator]]:
    yield from _seeded(VaultRESimulator())


@pytest.fixture
def vcita_sim() -> Iterator[SeededSimulator[VcitaSimulator]]:
    yield from _seeded(VcitaSimulator())


@pytest.fixture
def ioffice_sim() -> Iterator[SeededSimulator[IOfficeSimulator]]:
    yield from _seeded(IOfficeSimulator())


@pytest.fixture
def eptura_sim() -> Iterator[SeededSimulator[EpturaSimulator]]:
    yield from _seeded(EpturaSimulator())
