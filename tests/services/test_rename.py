"""Renaming a connection while another process refreshes it: the rename waits, and keeps what that refresh saved."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from tests.support.refreshing import connect_ioffice


async def test_a_rename_waits_for_a_refresh_holding_the_lock_and_keeps_what_it_saved(connections, ioffice_sim):
    connection = await connect_ioffice(connections, ioffice_sim, "Acme")
    store = connections.store

    async with store.locked(connection) as held:  # as a refresh in another process holds it
        renaming = asyncio.ensure_future(connections.rename("Acme", "Acme prod"))
        done, _ = await asyncio.wait({renaming}, timeout=0.5)
        assert not done and store.database.exists("Acme") and not store.database.exists("Acme prod")
        # That refresh saves its new tokens under the name it knows.
        refreshed = replace(held.connection, expires_at=connection.expires_at + 600, updated_at=1.0)
        assert await held.save(refreshed, held.secrets)

    renamed = await renaming
    assert (renamed.name, renamed.id, renamed.expires_at) == ("Acme prod", connection.id, refreshed.expires_at)
    assert store.database.get("Acme prod") == renamed and not store.database.exists("Acme")
    assert (await connections.check("Acme prod")).identity == "alice@example.com"  # its tokens came along
