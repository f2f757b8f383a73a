"""Refreshing a connection's tokens: one refresh at a time per connection, in this process and across processes.

Why so careful: vendors that rotate refresh tokens (iOFFICE, oidc-provider, Keycloak) accept each one once, and
some revoke the whole grant when one is used twice. So in this process every caller (timer, button, export,
`access_token`) joins the refresh already in flight; across processes a per-connection file lock is held from
reading the stored refresh token to saving its successor, and whoever gets the lock second re-reads the store and
uses what the first one saved. The vendor's answer is queued at once for one commit (metadata and sealed secrets
together) that cancelling the refresh cannot stop, and the refresh is done only once that commit is on disk; so a
process killed at any point leaves either the old tokens, which the next refresh finds still good or marks "Needs
sign-in", or the new ones.

The event loop (the window's) never waits for the disk: commits go to the store's writer thread, and reads use a
connection of their own that never waits for the writer (WAL).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from random import Random

from connmgr.domain.connection import Connection, Secrets, Status, tokens_of
from connmgr.domain.dialect import Flow
from connmgr.domain.durations import countdown
from connmgr.domain.errors import ConfigError, ConnmgrError, GrantError
from connmgr.domain.provider import Provider, saved_provider
from connmgr.domain.template import TemplateCatalog
from connmgr.domain.tokens import TokenSet
from connmgr.logs import redact
from connmgr.oauth.client import OAuthClient
from connmgr.services.committed import committed
from connmgr.services.retry import RetryPolicy, Sleep, with_retries
from connmgr.storage.errors import SecretsUnreadable, StoreBusy, StoreDamaged, StoreFailed, StoreFull, StoreReadOnly
from connmgr.storage.locks import connection_lock
from connmgr.storage.sealing import SETTINGS_CHANGED, Binding
from connmgr.storage.store import ConnectionStore

log = logging.getLogger("connmgr.services")

# While other refreshes are in flight, a save waits this long for theirs to join its commit (see storage.writer):
# the answers that arrive within a couple of milliseconds share one wake-up of the writer, and no refresh waits
# long for its commit (at 10 ms, sixteen refreshes in flight spent most of their time waiting for it).
GROUP_COMMIT_S = 0.002

Refreshed = tuple[Connection, Secrets]

# What a disk says when it will not take a save; the tokens it refused are kept to save again (not when the
# connection is gone or its name taken: those are no disk's doing).
DISK_REFUSALS = (StoreFull, StoreReadOnly, StoreBusy, StoreFailed, StoreDamaged)


def checkpoint(name: str) -> None:
    """A named moment of a refresh: "locking" (about to wait for the cross-process lock), "sending" (the lock is
    held, nothing is sent yet), "answered" (the vendor's new tokens exist only in memory) and "saved". It does
    nothing; crash tests replace it in a child process to stop it there and kill it."""


class Refresher:
    def __init__(
        self,
        store: ConnectionStore,
        catalog: TemplateCatalog,
        client: OAuthClient,
        *,
        policy: RetryPolicy | None = None,
        rng: Random | None = None,
        sleep: Sleep = asyncio.sleep,
        now: Callable[[], float] = time.time,
    ) -> None:
        self._store = store
        self._catalog = catalog
        self._client = client
        self._policy = policy or RetryPolicy()
        self._rng = rng or Random()  # noqa: S311 -- jitter, not a secret
        self._sleep = sleep
        self._now = now
        self._flights: dict[str, asyncio.Task[Refreshed]] = {}
        # By connection id: tokens a vendor issued that the store would not take (a full or busy disk), with the
        # stored state they were asked with. The vendor may have retired the stored refresh token already.
        self._unsaved: dict[str, tuple[Connection, TokenSet]] = {}
        self.retries = 0  # retries made so far, for logs and figures

    def refreshing(self) -> frozenset[str]:
        """The names of the connections being refreshed now."""
        return frozenset(self._flights)

    async def refresh(self, name: str, *, basis: Connection | None = None) -> Refreshed:
        """New tokens for `name`, saved; a caller who asks while one is in flight gets that one's outcome.

        `basis` is the state the caller found stale (default: the stored state when the refresh starts). If the
        stored tokens differ from it by the time the lock is ours, another process refreshed meanwhile, and its
        tokens are returned without asking the vendor. Cancelling a caller never cancels the refresh itself.
        """
        flight = self._flights.get(name)
        if flight is None:
            flight = asyncio.ensure_future(self._fly(name, basis))
            self._flights[name] = flight
            flight.add_done_callback(lambda done: self._landed(name, done))
        return await asyncio.shield(flight)

    async def settle(self) -> None:
        """Wait until no refresh is in flight (before closing the store or the HTTP client)."""
        while self._flights:
            await asyncio.wait(list(self._flights.values()))
        for basis, _ in self._unsaved.values():
            log.warning("%s: its newest tokens could not be saved; it may need signing in again", basis.name)

    def unsaved(self, connection: Connection) -> TokenSet | None:
        """The tokens issued for `connection` as stored that the disk refused: the ones its vendor knows now."""
        kept = self._unsaved.get(connection.id)
        return kept[1] if kept is not None and _generation(kept[0]) == _generation(connection) else None

    def forget(self, connection_id: str) -> None:
        """The connection was revoked or removed: tokens the disk refused for it are of no more use."""
        self._unsaved.pop(connection_id, None)

    def _landed(self, name: str, flight: asyncio.Task[Refreshed]) -> None:
        if self._flights.get(name) is flight:
            del self._flights[name]
        if not flight.cancelled():
            flight.exception()  # every waiting caller has it; marked as seen for callers that were cancelled

    async def _fly(self, name: str, basis: Connection | None) -> Refreshed:
        await self._store.unlock()
        current = self._store.get(name)
        seen = basis or current
        checkpoint("locking")
        async with connection_lock(self._store.home, current.id):
            connection, secrets = read_stored(self._store, name)
            unsaved = self.unsaved(connection)
            if unsaved is not None:
                log.info("%s: saving the tokens an earlier save could not keep, then refreshing with them", name)
                connection, secrets = await self._commit(connection, secrets, unsaved)
            elif _generation(connection) != _generation(seen) and connection.status is Status.CONNECTED:
                log.info("%s was refreshed elsewhere meanwhile; using those tokens", name)
                return connection, secrets
            return await self._refresh_locked(connection, secrets)

    async def _refresh_locked(self, connection: Connection, secrets: Secrets) -> Refreshed:
        provider = saved_provider(self._catalog, connection, secrets.fields)
        if connection.status is Status.REVOKED:
            raise GrantError(provider.vendor, "this connection was revoked", "connect it again to use it")
        try:
            request = self._request(connection, tokens_of(connection, secrets), provider)
            checkpoint("sending")
            fresh = await with_retries(
                request, self._policy, rng=self._rng, sleep=self._sleep, on_retry=self._count_retry
            )
        except GrantError as error:
            return await self._rejected(connection, secrets, error)
        # The new tokens exist only in memory: queued for the commit before anything else can run.
        checkpoint("answered")
        return await self._commit(connection, secrets, fresh)

    async def _commit(self, connection: Connection, secrets: Secrets, fresh: TokenSet) -> Refreshed:
        gather_s = GROUP_COMMIT_S if len(self._flights) > 1 else 0.0
        try:
            saved = await committed(self._store, lambda: self._save(connection, secrets, fresh), gather_s=gather_s)
        except DISK_REFUSALS:
            # Kept for the next refresh of this connection (the scheduler's retry, or the person's "try again"),
            # which saves them before anything else: asking with the stored refresh token could end the grant.
            self._unsaved[connection.id] = (connection, fresh)
            raise
        # Dropped only now: a refresh cancelled while saving kept tokens still has them kept if that save fails.
        self._unsaved.pop(connection.id, None)
        checkpoint("saved")
        return saved

    def _request(
        self, connection: Connection, tokens: TokenSet | None, provider: Provider
    ) -> Callable[[], Awaitable[TokenSet]]:
        """The one vendor call that yields new tokens (discovery included, so it is retried with it)."""
        if connection.flow == Flow.CLIENT_CREDENTIALS:
            return lambda: self._ask(provider, None)
        if tokens is not None and tokens.refresh_token:
            return lambda: self._ask(provider, tokens)
        if tokens is not None and tokens.expires_at is None:
            raise ConfigError(
                provider.vendor, "these tokens never expire and cannot be refreshed", "nothing needs doing"
            )
        if tokens is not None and tokens.expires_at is not None and (left := tokens.expires_at - self._now()) > 0:
            # A long-lived token without a refresh token (vcita's twenty years) is not a grant that ended.
            raise ConfigError(
                provider.vendor,
                f"the vendor gave no refresh token, and this token is valid for {countdown(left)}",
                "nothing needs doing until then",
            )
        raise GrantError(provider.vendor, "this connection has no refresh token", "sign in again")

    async def _ask(self, provider: Provider, tokens: TokenSet | None) -> TokenSet:
        prepared = await self._client.prepare(provider)
        if tokens is None:
            return await self._client.client_credentials(prepared)
        return await self._client.refresh(prepared, tokens)

    def _count_retry(self, _error: ConnmgrError, _wait: float) -> None:
        self.retries += 1

    def _save(self, connection: Connection, secrets: Secrets, fresh: TokenSet) -> Refreshed:
        """A transaction body: the new tokens onto the connection as read, if it is still stored so (the usual
        case: one statement); else onto what is stored now (a `check` may have renamed the account)."""
        kept = Secrets(fresh.access_token, fresh.refresh_token, fresh.id_token, secrets.fields)
        updated = connection.with_tokens(fresh, now=self._now())
        if self._store.save_if_unchanged(connection, updated, kept):
            return updated, kept
        stored = self._store.get(connection.name)
        if _generation(stored) != _generation(connection):
            # New tokens arrived meanwhile by another road (a new sign-in, a revoke): they are the newer word.
            log.warning("%s changed while it was being refreshed; keeping that change", connection.name)
            return read_stored(self._store, connection.name)
        if Binding.of(stored) != Binding.of(connection):
            # connmgr changes these only with new tokens: they were changed outside it, and sealing the new tokens
            # with them would make them look like connmgr's own.
            raise SecretsUnreadable(connection.name, SETTINGS_CHANGED)
        updated = stored.with_tokens(fresh, now=self._now())
        self._store.save(updated, kept)
        return updated, kept

    async def _rejected(self, connection: Connection, secrets: Secrets, error: GrantError) -> Refreshed:
        """After the vendor refused the grant: the stored tokens if another process rotated them meanwhile; else
        the connection is marked "Needs sign-in" with the error's sentence, and the error is raised."""
        successor = await self.needs_sign_in(connection, secrets, error)
        if successor is None:
            raise error
        log.info("%s: the refused refresh token had already been replaced; using its successor", connection.name)
        return successor

    async def needs_sign_in(self, connection: Connection, secrets: Secrets, error: ConnmgrError) -> Refreshed | None:
        """The vendor refused these tokens: the connection is marked "Needs sign-in" with the error's sentence, and
        None returned; unless they were replaced meanwhile (another process refreshed, a new sign-in), then the
        stored state is returned instead, unmarked."""
        return await committed(self._store, lambda: self._mark_needs_sign_in(connection, secrets, error))

    def _mark_needs_sign_in(self, connection: Connection, secrets: Secrets, error: ConnmgrError) -> Refreshed | None:
        """A transaction body: the stored state if its tokens are no longer the refused ones; else None, and the
        connection is marked "Needs sign-in"."""
        stored, stored_secrets = read_stored(self._store, connection.name)
        refused = (connection.id, secrets.access_token, secrets.refresh_token)
        if (stored.id, stored_secrets.access_token, stored_secrets.refresh_token) != refused:
            return stored, stored_secrets
        marked = replace(stored, status=Status.NEEDS_SIGN_IN, status_detail=error.sentence, updated_at=self._now())
        self._store.save_metadata(marked)
        return None


def read_stored(store: ConnectionStore, name: str) -> Refreshed:
    """A stored connection and its secrets, each secret known to the log filter before anything can log it."""
    connection, secrets = store.read(name)
    redact(secrets.access_token, secrets.refresh_token, secrets.id_token, *secrets.fields.values())
    return connection, secrets


def _generation(connection: Connection) -> tuple[object, ...]:
    """What changes whenever a connection gets new tokens (and only then: not when its account label does)."""
    return connection.id, connection.issued_at, connection.expires_at, connection.has_refresh_token
