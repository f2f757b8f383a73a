"""What a person does with a connection is recorded in the store's audit log at the service layer: connected,
refreshed, its token copied or shown, exported, renamed, revoked, removed; a hand-out before it happens, a
failed action not at all; never a secret."""

from __future__ import annotations

import pytest

from connmgr.domain.errors import GrantError
from connmgr.storage.audit import first_broken_link
from tests.support.refreshing import connect_ioffice
from tests.support.secrets import leaked


async def test_each_action_is_recorded_once_done(connections, ioffice_sim, tmp_path):
    store = connections.store
    acme = await connect_ioffice(connections, ioffice_sim, "Acme")
    await connect_ioffice(connections, ioffice_sim, "Zeta")
    await connections.refresh("Acme")
    await connections.access_token("Acme")
    await connections.reveal("Zeta")
    await connections.export(["Acme", "Zeta"], tmp_path / "clients.env")
    await connections.rename("Zeta", "Zeta prod")
    await connections.revoke("Acme")
    await connections.remove("Zeta prod")

    log = await store.audit_log()
    assert [(entry.action, entry.connection_name) for entry in log] == [
        ("connect", "Acme"),
        ("connect", "Zeta"),
        ("refresh", "Acme"),
        ("copy", "Acme"),
        ("reveal", "Zeta"),
        ("export", "Acme"),
        ("export", "Zeta"),
        ("rename", "Zeta prod"),
        ("revoke", "Acme"),
        ("remove", "Zeta prod"),
    ]
    assert log[5].detail == str(tmp_path / "clients.env") and log[7].detail == "was Zeta"
    assert {entry.connection_id for entry in await store.audit_log(acme.id)} == {acme.id}
    assert first_broken_link(log) is None
    recorded = " ".join(" ".join(map(str, vars(entry).values())) for entry in log)
    assert leaked(ioffice_sim.sim.issued_secrets(), recorded) == []


async def test_a_token_not_handed_out_is_not_recorded(connections, ioffice_sim, tmp_path):
    await connect_ioffice(connections, ioffice_sim, "Acme")
    await connections.revoke("Acme")
    with pytest.raises(GrantError):
        await connections.access_token("Acme")
    with pytest.raises(GrantError):
        await connections.export(["Acme"], tmp_path / ".env")
    assert [entry.action for entry in await connections.store.audit_log()] == ["connect", "revoke"]
