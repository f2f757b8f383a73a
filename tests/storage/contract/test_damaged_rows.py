"""A row holding what no connmgr writes, as a database administrator or a program editing the file may leave it,
is one damaged connection: said in one sentence wherever it is listed or read, the others unharmed, and removable."""

from __future__ import annotations

import math

import pytest

from connmgr.storage.errors import ConnectionDamaged
from connmgr.storage.interface import ConnectionStore
from tests.storage.contract.backends import Backend
from tests.storage.samples import connection, secrets


async def _said_damaged_and_removable(backend: Backend, reason: str) -> None:
    fresh = backend.open()
    for reading in (fresh.list_connections, lambda: fresh.get("Acme"), lambda: fresh.read("Acme")):
        with pytest.raises(ConnectionDamaged) as damaged:
            await reading()
        assert damaged.value.sentence == (
            f"Connection store: the saved connection 'Acme' is damaged ({reason}); "
            "restore the store from a backup, or remove that connection and connect it again."
        )
    assert await fresh.read("Zeta") == (connection("Zeta"), secrets("Zeta"))
    await fresh.remove("Acme")
    assert [c.name for c in await fresh.list_connections()] == ["Zeta"]


@pytest.mark.parametrize("values_json", ["{not json", "[]", '"text"', "[" * 100_000])
async def test_settings_that_are_no_json_object_make_the_row_damaged(
    backend: Backend, store: ConnectionStore, values_json: str
) -> None:
    await store.save(connection("Acme"), secrets("Acme"))
    await store.save(connection("Zeta"), secrets("Zeta"))
    backend.set_settings("id-Acme", values_json=values_json)
    await _said_damaged_and_removable(backend, "its settings are not a JSON object")


@pytest.mark.parametrize(
    ("column", "value"), [("expires_at", math.inf), ("issued_at", -math.inf), ("created_at", math.inf)]
)
async def test_a_time_that_is_no_finite_number_makes_the_row_damaged(
    backend: Backend, store: ConnectionStore, column: str, value: float
) -> None:
    await store.save(connection("Acme"), secrets("Acme"))
    await store.save(connection("Zeta"), secrets("Zeta"))
    backend.set_column("id-Acme", column, value)
    await _said_damaged_and_removable(backend, f"its {column} {value!r} is not a time")
