"""The audit log: who did what to which connection and when, in the commit of the change; never a secret; a
chain that shows the first entry changed or removed behind the store's back."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace

import pytest

from connmgr.domain.connection import Secrets, Status
from connmgr.storage.audit import AuditAction, AuditEntry, first_broken_link
from connmgr.storage.errors import NameTaken
from connmgr.storage.interface import ConnectionStore
from tests.storage.contract.backends import ONE_LOG, Backend, made_backend
from tests.storage.samples import connection, secret_strings, secrets


@pytest.fixture(params=ONE_LOG)
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """A chain of one log: the joined store's two are held to theirs in tests/storage/test_both_sides.py."""
    yield from made_backend(request)


async def a_history(store: ConnectionStore) -> list[AuditEntry]:
    """Connect two, refresh, copy, export both, rename, revoke and remove one: the log that leaves."""
    await store.save(connection("Acme"), secrets("Acme"), audit=AuditAction.CONNECT)
    await store.save(connection("Zeta"), secrets("Zeta"), audit=AuditAction.CONNECT)
    async with store.locked(connection("Acme")) as held:
        assert await held.save(replace(held.connection, issued_at=2.0), secrets("new"), audit=AuditAction.REFRESH)
    await store.record(AuditAction.COPY, [await store.get("Acme")])
    await store.record(AuditAction.EXPORT, await store.list_connections(), detail="/home/alice/acme.env")
    await store.rename("Zeta", "Zeta prod", updated_at=3.0, audit=AuditAction.RENAME)
    await store.save(connection("Acme", status=Status.REVOKED), Secrets(), audit=AuditAction.REVOKE)
    await store.remove("Zeta prod", audit=AuditAction.REMOVE)
    return await store.audit_log()


async def test_each_action_is_recorded_with_who_which_and_when(backend: Backend, store: ConnectionStore) -> None:
    started = time.time()
    log = await a_history(store)

    assert [(e.seq, e.action, e.connection_id, e.connection_name, e.detail) for e in log] == [
        (1, "connect", "id-Acme", "Acme", ""),
        (2, "connect", "id-Zeta", "Zeta", ""),
        (3, "refresh", "id-Acme", "Acme", ""),
        (4, "copy", "id-Acme", "Acme", ""),
        (5, "export", "id-Acme", "Acme", "/home/alice/acme.env"),
        (6, "export", "id-Zeta", "Zeta", "/home/alice/acme.env"),
        (7, "rename", "id-Zeta", "Zeta prod", "was Zeta"),
        (8, "revoke", "id-Acme", "Acme", ""),
        (9, "remove", "id-Zeta", "Zeta prod", ""),
    ]
    assert len({e.actor for e in log}) == 1 and log[0].actor  # one person, named
    assert all(started <= e.at <= time.time() for e in log)
    assert [e.seq for e in await backend.open().audit_log("id-Zeta")] == [2, 6, 7, 9]
    assert first_broken_link(log) is None


async def test_what_is_not_done_is_not_recorded(store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets(), audit=AuditAction.CONNECT)
    with pytest.raises(NameTaken):
        await store.save(connection("Other", name="Acme"), secrets(), audit=AuditAction.CONNECT)
    async with store.locked(connection("Acme")) as held:
        await store.save_metadata(replace(connection("Acme"), account="bob@acme.example"))
        assert not await held.save(replace(connection("Acme"), issued_at=2.0), secrets(), audit=AuditAction.REFRESH)
    await store.save_metadata(connection("Acme"))  # no action named: a status, an account label
    assert [e.action for e in await store.audit_log()] == ["connect"]


async def test_no_secret_is_recorded(backend: Backend, store: ConnectionStore) -> None:
    log = await a_history(store)
    recorded = " ".join(" ".join(map(str, vars(entry).values())) for entry in log)
    for name in ("Acme", "Zeta", "new"):
        for secret in secret_strings(secrets(name)):
            assert secret not in recorded


@pytest.mark.parametrize(
    ("column", "value"),
    [("action", "refresh"), ("connection_name", "Someone else"), ("actor", "mallory@elsewhere"), ("at", 1.0),
     ("detail", "/tmp/other.env"), ("hash", "0" * 64)],
)  # fmt: skip
async def test_an_entry_changed_behind_the_stores_back_is_found(
    backend: Backend, store: ConnectionStore, column: str, value: object
) -> None:
    await a_history(store)
    backend.change_audit(5, column, value)
    broken = first_broken_link(await backend.open().audit_log())
    assert broken is not None and broken.seq == 5
    assert broken.sentence == "entry 5 of the audit log was changed after it was written"


async def test_an_entry_removed_behind_the_stores_back_is_found(backend: Backend, store: ConnectionStore) -> None:
    await a_history(store)
    backend.delete_audit(4)
    broken = first_broken_link(await store.audit_log())
    assert broken is not None and broken.seq == 5
    assert broken.sentence == "the audit log lacks entry 4: removed, or never written"


async def test_entries_removed_from_the_end_leave_a_gap_the_next_one_shows(
    backend: Backend, store: ConnectionStore
) -> None:
    await a_history(store)
    backend.delete_audit(9)
    backend.delete_audit(8)
    assert first_broken_link(await store.audit_log()) is None  # nothing after them shows it yet
    await store.record(AuditAction.COPY, [await store.get("Acme")])
    broken = first_broken_link(await store.audit_log())
    assert broken is not None and broken.seq == 10
    assert broken.sentence == "the audit log lacks entries 8 to 9: removed, or never written"


async def test_a_check_is_kept_with_the_vendors_answer(store: ConnectionStore) -> None:
    answer = "HTTP 401 in 35 ms, refused: “The access token is invalid, expired or revoked.”"
    await store.save(connection("Acme"), secrets("Acme"), audit=AuditAction.CONNECT)
    await store.record(AuditAction.CHECK, [await store.get("Acme")], detail=answer)

    _, checked = await store.audit_log("id-Acme")
    assert (checked.action, checked.connection_name, checked.detail) == ("check", "Acme", answer)
    assert first_broken_link(await store.audit_log()) is None  # its quotes hashed as they were stored
