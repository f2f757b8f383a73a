"""A refresh never seals new tokens with settings changed outside connmgr, even when they change while it waits for
the vendor's answer."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from connmgr.services import refresher
from connmgr.storage.database import DB_NAME
from connmgr.storage.errors import SecretsUnreadable
from tests.simulators.ioffice import TOKEN_PATH
from tests.support.refreshing import connect_ioffice


async def test_settings_changed_during_a_refresh_are_not_sealed_with_its_tokens(
    connections, ioffice_sim, monkeypatch
):
    sim = ioffice_sim.sim
    store = connections.store
    await connect_ioffice(connections, ioffice_sim, "Acme")
    decoy = "http://127.0.0.1:9/token"

    def tamper_when_answered(name: str) -> None:
        if name == "answered":  # the vendor's new tokens exist only in memory
            with closing(sqlite3.connect(store.home / DB_NAME)) as db, db:
                db.execute("UPDATE connections SET field_values = json_set(field_values, '$.token_url', ?)", (decoy,))

    monkeypatch.setattr(refresher, "checkpoint", tamper_when_answered)
    before = len(sim.requests_to(TOKEN_PATH))
    with pytest.raises(SecretsUnreadable) as error:
        await connections.refresh("Acme")

    assert len(sim.requests_to(TOKEN_PATH)) == before + 1  # asked with the settings it was sealed with
    assert "its settings or its secrets were changed outside connmgr" in error.value.sentence
    assert store.database.get("Acme").values["token_url"] == decoy
    with pytest.raises(SecretsUnreadable):  # the change was not made to look like connmgr's own
        store.database.read("Acme")
