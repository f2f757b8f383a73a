"""Change notifications: every change reaches the listeners, as before and after; this store object's own before
the call that made it returns, another process's soon after it commits."""

from __future__ import annotations

import asyncio
from dataclasses import replace

from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.storage.audit import AuditAction
from connmgr.storage.interface import Change, ConnectionStore
from tests.storage.contract.backends import Backend
from tests.storage.contract.child import StoreChild
from tests.storage.samples import connection, secrets

GUARD_S = 30.0  # a change never told fails the test instead of hanging it


class Heard:
    """A listener that keeps what it is told, and lets a test wait for a state."""

    def __init__(self) -> None:
        self.changes: list[Change] = []
        self._told = asyncio.Event()

    def __call__(self, change: Change) -> None:
        self.changes.append(change)
        self._told.set()

    async def until(self, told: Change) -> None:
        await self.until_after(told.after, before=told.before)

    async def until_after(self, after: Connection | None, *, before: object = ...) -> None:
        """Until a change to `after` (from `before`, if given) was told."""
        while not any(c.after == after and before in (..., c.before) for c in self.changes):
            self._told.clear()
            await asyncio.wait_for(self._told.wait(), GUARD_S)

    def take(self) -> list[Change]:
        taken, self.changes = self.changes, []
        return taken


async def test_each_kind_of_change_is_told_before_the_call_returns(store: ConnectionStore) -> None:
    heard = Heard()
    store.subscribe(heard)
    acme = connection("Acme")

    await store.save(acme, secrets())  # connected
    assert heard.take() == [Change(None, acme)]
    async with store.locked(acme) as held:  # refreshed
        refreshed = replace(acme, issued_at=1_700_007_200.5, expires_at=1_700_010_800.5)
        assert await held.save(refreshed, secrets("new"))
        assert heard.take() == [Change(acme, refreshed)]
    marked = replace(refreshed, status=Status.NEEDS_SIGN_IN, status_detail="the vendor refused it")
    await store.save_metadata(marked)  # its status
    assert heard.take() == [Change(refreshed, marked)]
    revoked = replace(marked, status=Status.REVOKED, expires_at=None, has_refresh_token=False)
    await store.save(revoked, Secrets())  # revoked
    assert heard.take() == [Change(marked, revoked)]
    renamed = await store.rename("Acme", "Acme prod", updated_at=2.0)
    assert heard.take() == [Change(revoked, renamed)]
    await store.remove("Acme prod")
    assert heard.take() == [Change(renamed, None)]


async def test_what_did_not_change_is_not_told(store: ConnectionStore) -> None:
    await store.save(connection("Acme"), secrets())
    heard = Heard()
    store.subscribe(heard)
    await store.save_metadata(connection("Acme"))  # as it was
    await store.record(AuditAction.COPY, [connection("Acme")])
    async with store.locked(connection("Acme")) as held:
        await store.save_metadata(replace(connection("Acme"), account="bob@acme.example"))
        assert heard.take() == [Change(connection("Acme"), replace(connection("Acme"), account="bob@acme.example"))]
        assert not await held.save(replace(connection("Acme"), issued_at=2.0), held.secrets)  # over a change
    assert heard.take() == []


async def test_another_processs_changes_are_told_soon_after(store: ConnectionStore, child: StoreChild) -> None:
    await store.save(connection("Acme"), secrets())
    heard = Heard()
    store.subscribe(heard)

    assert await child.ask("save Zeta") == "saved"
    await heard.until(Change(None, connection("Zeta")))
    assert await child.ask("rename Zeta Zeta-prod") == "renamed"
    renamed = replace(connection("Zeta"), name="Zeta-prod", updated_at=1.0)
    await heard.until(Change(connection("Zeta"), renamed))
    assert await child.ask("remove Acme") == "removed"
    await heard.until(Change(connection("Acme"), None))
    assert await store.list_connections() == [renamed]


async def test_a_closed_subscription_hears_no_more_and_a_failing_listener_stops_no_other(
    store: ConnectionStore,
) -> None:
    heard, gone = Heard(), Heard()

    def failing(_: Change) -> None:
        raise RuntimeError("a bug in one listener")

    store.subscribe(failing)
    subscription = store.subscribe(gone)
    store.subscribe(heard)
    await store.save(connection("Acme"), secrets())
    subscription.close()
    await store.save(connection("Zeta"), secrets())

    assert [c.after for c in heard.take()] == [connection("Acme"), connection("Zeta")]
    assert [c.after for c in gone.take()] == [connection("Acme")]


async def test_a_listener_is_never_told_of_an_older_state(backend: Backend, store: ConnectionStore) -> None:
    """Writes here and through another store object, interleaved: what each connection is said to be only moves
    forward, and ends as stored."""
    heard = Heard()
    store.subscribe(heard)
    other = backend.open()

    async def bump(through: ConnectionStore, name: str, times: int) -> None:
        for i in range(times):
            await through.save(replace(connection(name), updated_at=float(i)), secrets(name))

    await asyncio.gather(bump(store, "Acme", 30), bump(other, "Acme", 0), bump(other, "Zeta", 30))
    await heard.until_after(replace(connection("Zeta"), updated_at=29.0))
    told: dict[str, list[float]] = {}
    for change in heard.take():
        assert change.after is not None
        told.setdefault(change.after.name, []).append(change.after.updated_at)
    assert told["Acme"] == sorted(told["Acme"]) and told["Acme"][-1] == 29.0
