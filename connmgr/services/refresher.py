"""Refreshing a connection's tokens: one refresh at a time per connection, in this process and across processes.

Why so careful: vendors that rotate refresh tokens (iOFFICE, oidc-provider, Keycloak) accept each one once, and
some revoke the whole grant when one is used twice. So in this process every caller (timer, button, export,
`access_token`) joins the refresh already in flight; across processes (and machines) the store's per-connection
lock is held from reading the stored refresh token to saving its successor, and whoever gets the lock second
reads the store again and uses what the first one saved. The vendor's answer is saved at once through the lock
(metadata and sealed secrets together), in a save that cancelling the refresh cannot stop, and the refresh is
done only once the lock is let go of, its save committed; so a process killed at any point leaves either the old
tokens, which the next refresh finds still good or marks "Needs sign-in", or the new ones.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from random import Random

from connmgr.domain.connection import Connection, Secrets, Status, secrets_of, tokens_of
from connmgr.domain.dialect import Flow
from connmgr.domain.durations import countdown
from connmgr.domain.errors import ConfigError, ConnmgrError, GrantError
from connmgr.domain.provider import Provider, saved_provider
from connmgr.domain.template import TemplateCatalog
from connmgr.domain.tokens import TokenSet
from connmgr.logs import redact
from connmgr.oauth.client import OAuthClient
from connmgr.services.retry import RetryPolicy, Sleep, with_retries
from connmgr.storage.audit import AuditAction
from connmgr.storage.errors import SecretsUnreadable, StoreRefused
from connmgr.storage.interface import ConnectionStore, HeldConnection
from connmgr.storage.sealing import SETTINGS_CHANGED, Binding

log = logging.getLogger("connmgr.services")

Refreshed = tuple[Connection, Secrets]


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
        self._flights: dict[str, asyncio.Task[Refreshed | None]] = {}
        # By connection id: tokens a vendor issued that are not known to be stored (the store refused them: a full
        # or busy disk, a dropped connection), with the stored states they may find: as the lock found it, and as
        # held when they were asked for. The two differ when kept tokens were saved under the same lock first,
        # which the local store commits at once and the workspace only with the lock's end (or rolls back). The
        # vendor may have retired the stored refresh token already.
        self._unsaved: dict[str, tuple[tuple[Connection, Connection], TokenSet]] = {}
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
        refreshed = await self._join(name, basis, wait=True)
        if refreshed is None:  # the refresh joined did not wait for a lock held elsewhere: this caller does
            return await self.refresh(name, basis=basis)
        return refreshed

    async def try_refresh(self, name: str, *, basis: Connection | None = None) -> Refreshed | None:
        """As `refresh`, but None at once if another process (or machine) holds the connection's lock: it is
        being refreshed there (a scheduler leaves it to that one)."""
        return await self._join(name, basis, wait=False)

    async def _join(self, name: str, basis: Connection | None, *, wait: bool) -> Refreshed | None:
        flight = self._flights.get(name)
        if flight is None:
            flight = asyncio.ensure_future(self._fly(name, basis, wait=wait))
            self._flights[name] = flight
            flight.add_done_callback(lambda done: self._landed(name, done))
        return await asyncio.shield(flight)

    async def settle(self) -> None:
        """Wait until no refresh is in flight (before closing the store or the HTTP client)."""
        while self._flights:
            await asyncio.wait(list(self._flights.values()))
        for (basis, _), _ in self._unsaved.values():
            log.warning("%s: its newest tokens could not be saved; it may need signing in again", basis.name)

    def unsaved(self, connection: Connection) -> TokenSet | None:
        """The tokens issued for `connection` as stored that are not known to be stored: the ones its vendor
        knows now."""
        kept = self._unsaved.get(connection.id)
        # By name too: an id is unique within one store only (a workspace row may be given a private one's).
        if kept is None or (connection.name, connection.generation) not in {(b.name, b.generation) for b in kept[0]}:
            return None
        return kept[1]

    def forget(self, connection_id: str) -> None:
        """The connection was revoked or removed: tokens the store refused for it are of no more use."""
        self._unsaved.pop(connection_id, None)

    def _landed(self, name: str, flight: asyncio.Task[Refreshed | None]) -> None:
        if self._flights.get(name) is flight:
            del self._flights[name]
        if not flight.cancelled():
            flight.exception()  # every waiting caller has it; marked as seen for callers that were cancelled

    async def _fly(self, name: str, basis: Connection | None, *, wait: bool) -> Refreshed | None:
        seen = basis or await self._store.get(name)
        checkpoint("locking")
        try:
            async with self._store.locked(seen) if wait else self._store.try_locked(seen) as held:
                if held is None:
                    log.info("%s is being refreshed elsewhere; leaving it to that", name)
                    return None
                committed = held.connection  # as the lock found it; what is held moves on with each save
                unsaved = self.unsaved(committed)
                if unsaved is not None:
                    log.info("%s: saving the tokens an earlier save could not keep, then refreshing with them", name)
                    await self._commit(held, unsaved, committed)
                elif committed.generation != seen.generation and committed.status is Status.CONNECTED:
                    log.info("%s was refreshed elsewhere meanwhile; using those tokens", name)
                    return _known_to_the_log(held)
                refreshed = await self._refresh_held(held, committed)
        except StoreRefused:
            raise  # what the vendor issued stays kept, for the next refresh to save first
        except BaseException:
            self._unsaved.pop(seen.id, None)  # no store refused it: nothing to save again
            raise
        self._unsaved.pop(seen.id, None)  # the lock let go of without a failure: stored
        checkpoint("saved")
        return refreshed

    async def _refresh_held(self, held: HeldConnection, committed: Connection) -> Refreshed:
        """The refresh itself, with the connection locked (`committed` as the lock found it): only here is a refresh
        token spent."""
        connection, secrets = _known_to_the_log(held)
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
            return await self._rejected(held, error)
        # The new tokens exist only in memory: queued for the commit before anything else can run.
        checkpoint("answered")
        return await self._commit(held, fresh, committed)

    async def _commit(self, held: HeldConnection, fresh: TokenSet, committed: Connection) -> Refreshed:
        """The new tokens onto the connection as held, if it is still stored so (the usual case); else onto what
        is stored now (a `check` may have renamed the account). Kept as unsaved until the lock is let go of
        without a failure: only then are they known to be stored; against `committed` as the lock found it too,
        which a failure rolls the held state back to in the workspace."""
        asked_with = held.connection
        self._unsaved[committed.id] = ((committed, asked_with), fresh)
        kept = secrets_of(fresh, held.secrets.fields)
        while True:
            updated = held.connection.with_tokens(fresh, now=self._now())
            if await held.save(updated, kept, audit=AuditAction.REFRESH):
                return updated, kept
            stored = held.connection  # what is stored now, as the failed save read it
            if stored.generation != asked_with.generation:
                # New tokens arrived meanwhile by another road (a new sign-in, a revoke): they are the newer word.
                log.warning("%s changed while it was being refreshed; keeping that change", stored.name)
                return _known_to_the_log(held)
            if Binding.of(stored) != Binding.of(asked_with):
                # connmgr changes these only with new tokens: they were changed outside it, and sealing the new
                # tokens with them would make them look like connmgr's own.
                raise SecretsUnreadable(stored.name, SETTINGS_CHANGED)

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

    async def _rejected(self, held: HeldConnection, error: GrantError) -> Refreshed:
        """After the vendor refused the grant: the stored tokens if another process rotated them meanwhile; else
        the connection is marked "Needs sign-in" with the error's sentence, and the error is raised."""
        successor = await self._mark_needs_sign_in(held, _tokens_sent(held.connection, held.secrets), error)
        if successor is None:
            raise error
        log.info("%s: the refused refresh token had already been replaced; using its successor", successor[0].name)
        return successor

    async def needs_sign_in(self, connection: Connection, secrets: Secrets, error: ConnmgrError) -> Refreshed | None:
        """The vendor refused these tokens: the connection is marked "Needs sign-in" with the error's sentence, and
        None returned; unless they were replaced meanwhile (another process refreshed, a new sign-in), then the
        stored state is returned instead, unmarked. Waits for a refresh of it in flight, here or elsewhere."""
        async with self._store.locked(connection) as held:
            return await self._mark_needs_sign_in(held, _tokens_sent(connection, secrets), error)

    async def _mark_needs_sign_in(
        self, held: HeldConnection, refused: tuple[object, ...], error: ConnmgrError
    ) -> Refreshed | None:
        """The stored state if its tokens are no longer the refused ones; else None, and the connection is marked
        "Needs sign-in"."""
        while _tokens_sent(held.connection, held.secrets) == refused:
            marked = replace(
                held.connection, status=Status.NEEDS_SIGN_IN, status_detail=error.sentence, updated_at=self._now()
            )
            if await held.save(marked, held.secrets):
                return None
        return _known_to_the_log(held)


async def read_stored(store: ConnectionStore, name: str) -> Refreshed:
    """A stored connection and its secrets, each secret known to the log filter before anything can log it."""
    connection, secrets = await store.read(name)
    _redacted(secrets)
    return connection, secrets


def _known_to_the_log(held: HeldConnection) -> Refreshed:
    """The held connection and its secrets, each secret known to the log filter before anything can log it."""
    _redacted(held.secrets)
    return held.connection, held.secrets


def _redacted(secrets: Secrets) -> None:
    redact(secrets.access_token, secrets.refresh_token, secrets.id_token, *secrets.fields.values())


def _tokens_sent(connection: Connection, secrets: Secrets) -> tuple[object, ...]:
    """Which tokens these are, to tell them from their successors."""
    return connection.id, secrets.access_token, secrets.refresh_token
