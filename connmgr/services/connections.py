"""What a person does with saved connections: connect, refresh, revoke, check, export, rename, remove.

Async because most of it talks to vendors, and the window's asyncio loop runs
it; the store (`storage.interface.ConnectionStore`) never blocks that loop. What
a person does is recorded in the store's audit log: each change in the commit
that makes it, and a token or credentials before they are handed out.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import partial
from pathlib import Path
from random import Random

from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection, Secrets, Status, split_values, tokens_of
from connmgr.domain.device import DeviceAuthorization
from connmgr.domain.dialect import Flow
from connmgr.domain.envfile import env_prefix
from connmgr.domain.errors import ConfigError, GrantError, TokenRejected
from connmgr.domain.health import iso_utc
from connmgr.domain.identity import account_label
from connmgr.domain.names import check_name
from connmgr.domain.provider import Provider, resolve_provider, saved_provider
from connmgr.domain.template import TemplateCatalog
from connmgr.domain.token_forms import HAND_OUT_MARGIN_S, TokenForm
from connmgr.domain.tokens import TokenSet
from connmgr.oauth.client import OAuthClient
from connmgr.services.device import Sleep, connect_with_device
from connmgr.services.envwriter import write_env
from connmgr.services.refresher import Refresher, read_stored
from connmgr.services.retry import RetryPolicy, with_retries
from connmgr.services.signin import (
    Connected,
    SignIn,
    connect_client_credentials,
    connect_with_password,
    finish_sign_in,
    start_sign_in,
)
from connmgr.services.token_forms import token_in_form
from connmgr.storage.audit import AuditAction
from connmgr.storage.errors import ConnectionNotFound, NameTaken
from connmgr.storage.interface import ConnectionStore

# A token this close to its expiry is refreshed before it is handed out.


@dataclass(frozen=True)
class RevokeOutcome:
    connection: Connection
    at_vendor: bool  # False: the vendor has no revoke endpoint; `hint` says where the person revokes it
    hint: str = ""


@dataclass(frozen=True)
class ExportOutcome:
    path: Path
    variables: tuple[str, ...]
    warning: str | None


class Connections:
    def __init__(
        self,
        store: ConnectionStore,
        catalog: TemplateCatalog,
        client: OAuthClient,
        *,
        now: Callable[[], float] = time.time,
        refresher: Refresher | None = None,
    ) -> None:
        self.store = store
        self.catalog = catalog
        self.client = client
        self.now = now
        # Shared by every caller in this process (buttons, the scheduler, export), so that they share refreshes.
        self.refresher = refresher or Refresher(store, catalog, client, now=now)

    # -- connecting

    def new_provider(self, template_id: str, values: Mapping[str, str], flow: Flow | None = None) -> Provider:
        return resolve_provider(self.catalog.get(template_id), values, flow)

    async def check_name_free(self, name: str) -> None:
        check_name(name)
        try:
            await self.store.get(name)
        except ConnectionNotFound:
            return
        raise NameTaken(name)

    async def begin_sign_in(self, provider: Provider, *, redirect_uri: str | None = None) -> SignIn:
        return await start_sign_in(self.client, provider, redirect_uri=redirect_uri)

    async def complete_sign_in(
        self, name: str, sign_in: SignIn, callback_url: str
    ) -> Connection | Denied | AuthorizationFailed:
        """Exchange the intercepted redirect's code at once, then save; a denial saves nothing."""
        result = await finish_sign_in(self.client, sign_in, callback_url)
        return await self.save_new(name, result) if isinstance(result, Connected) else result

    async def connect_directly(
        self, name: str, provider: Provider, *, username: str = "", password: str = ""
    ) -> Connection:
        """Client credentials, or the vendor's direct code request, saved as `name`."""
        await self.check_name_free(name)
        return await self.save_new(name, await self.obtain_directly(provider, username=username, password=password))

    async def obtain_directly(self, provider: Provider, *, username: str = "", password: str = "") -> Connected:
        """Tokens without a browser: client credentials, or the direct code request (the password is used once)."""
        if provider.flow == Flow.CLIENT_CREDENTIALS:
            return await connect_client_credentials(self.client, provider)
        return await connect_with_password(self.client, provider, username, password)

    async def connect_with_device(
        self,
        name: str,
        provider: Provider,
        show: Callable[[DeviceAuthorization], object],
        *,
        sleep: Sleep = asyncio.sleep,
    ) -> Connection:
        """A device sign-in (RFC 8628), saved as `name`: `show` tells the person the code and the page to enter it
        at, then the vendor is polled until they have (see `services.device`)."""
        await self.check_name_free(name)
        return await self.save_new(name, await self.obtain_with_device(provider, show, sleep=sleep))

    async def obtain_with_device(
        self, provider: Provider, show: Callable[[DeviceAuthorization], object], *, sleep: Sleep = asyncio.sleep
    ) -> Connected:
        """A device sign-in's tokens and account, not saved yet (the window asks about a twin account first)."""
        return await connect_with_device(self.client, provider, show, sleep=sleep)

    async def save_new(self, name: str, connected: Connected, *, replacing: Connection | None = None) -> Connection:
        """Save a fresh sign-in; `replacing` (a reconnect) keeps that connection's identity and place."""
        if replacing is None or name != replacing.name:
            check_name(name)
        provider, now = connected.provider, self.now()
        template = provider.template
        secret_names = {f.name for f in template.fields if f.secret}
        kept = {k: v for k, v in provider.values.items() if not _transient(provider, k)}
        plain, secret = split_values(kept, secret_names)
        connection = Connection(
            id=replacing.id if replacing else uuid.uuid4().hex,
            name=name,
            template_id=template.id,
            flow=provider.flow,
            values=plain,
            account=connected.account,
            created_at=replacing.created_at if replacing else now,
        ).with_tokens(connected.tokens, now=now)
        connection = replace(connection, status_detail=connected.notice)  # what could not be verified, shown beside it
        await self.store.save(connection, _secrets(connected.tokens, secret), audit=AuditAction.CONNECT)
        return connection

    # -- using a connection

    async def _read(self, name: str) -> tuple[Connection, Secrets]:
        return await read_stored(self.store, name)

    async def _open(self, name: str) -> tuple[Connection, Secrets, Provider]:
        """A connection ready to talk to its vendor (discovery done where its template discovers)."""
        connection, secrets = await self._read(name)
        provider = saved_provider(self.catalog, connection, secrets.fields)
        return connection, secrets, await self.client.prepare(provider)

    async def refresh(self, name: str) -> Connection:
        """A new access token: by the refresh token, or for client credentials by asking again. One request however
        many ask at once, here or in another process (see `Refresher`)."""
        return (await self.refresher.refresh(name))[0]

    async def access_token(self, name: str) -> str:
        return await self.token_as(name, TokenForm.TOKEN)

    async def token_as(self, name: str, form: TokenForm, *, prefix: str | None = None) -> str:
        """A token fit to use now, in `form`: refreshed first when it has expired or is about to; never one the
        vendor refused. `prefix`: the variables' (`TokenForm.ENV`), the name's by default."""
        connection, secrets = await self._read(name)  # handing out a stored token needs no vendor
        _refuse_if_needs_sign_in(connection)
        connection, secrets = await self._fit_for_use(connection, secrets)
        provider = saved_provider(self.catalog, connection, secrets.fields)
        variables = self._variables(connection, secrets, prefix or env_prefix(name)) if form is TokenForm.ENV else {}
        text = token_in_form(form, provider, connection, secrets.access_token or "", variables)
        await self.store.record(AuditAction.COPY, [connection], detail=form.value)
        return text

    async def reveal(self, name: str) -> tuple[Connection, Secrets]:
        """A connection as stored and its secrets, to show to the person (recorded: they may copy them from there)."""
        connection, secrets = await self._read(name)
        await self.store.record(AuditAction.REVEAL, [connection])
        return connection, secrets

    async def variables_for_use(
        self, names: Sequence[str], *, prefix: str | None = None, margin: float = HAND_OUT_MARGIN_S
    ) -> dict[str, str]:
        """What `export` would write for `names`, each token refreshed first when it expires within `margin`
        seconds: for a command's environment (recorded as handed out)."""
        _check_prefix_for(names, prefix)
        variables: dict[str, str] = {}
        used = []
        for name in names:
            connection, secrets = await self._read(name)
            _refuse_if_needs_sign_in(connection)
            connection, secrets = await self._fit_for_use(connection, secrets, margin=margin)
            variables |= self._variables(connection, secrets, prefix or env_prefix(name))
            used.append(connection)
        await self.store.record(AuditAction.COPY, used, detail="exec")
        return variables

    async def _fit_for_use(
        self, connection: Connection, secrets: Secrets, *, margin: float = HAND_OUT_MARGIN_S
    ) -> tuple[Connection, Secrets]:
        """The stored tokens, refreshed first when they have expired or expire within `margin` seconds."""
        expires_at = _tokens(connection, secrets).expires_at
        if expires_at is not None and expires_at - self.now() < margin:
            return await self.refresher.refresh(connection.name, basis=connection)
        return connection, secrets

    async def check(self, name: str) -> str:
        """Ask the vendor's who-am-I endpoint whom the token belongs to (refreshed first when it is about to expire);
        the account it names.

        A 401 or 403 to a token that has not expired means the vendor revoked it (a machine's token excepted: many
        who-am-I endpoints refuse those, see `identify`). A connection with a refresh token is refreshed once and
        asked again; if the vendor still refuses, the connection is marked "Needs sign-in" with the vendor's
        words, for the window and every command alike."""
        stored = await self._read(name)
        connection, secrets = await self._fit_for_use(*stored)
        try:
            return await self._ask_who(connection, secrets)
        except TokenRejected as refused:
            if connection.flow == Flow.CLIENT_CREDENTIALS:
                raise
            if not connection.has_refresh_token or connection is not stored[0]:  # nothing to renew it, or just renewed
                await self.refresher.needs_sign_in(connection, secrets, refused)
                raise
        connection, secrets = await self.refresher.refresh(name, basis=connection)
        try:
            return await self._ask_who(connection, secrets)
        except TokenRejected as refused:
            await self.refresher.needs_sign_in(connection, secrets, refused)
            raise

    async def _ask_who(self, connection: Connection, secrets: Secrets) -> str:
        """The who-am-I call with these tokens; the account it names, saved when it changed."""
        provider = await self.client.prepare(saved_provider(self.catalog, connection, secrets.fields))
        answer = await self.client.whoami(provider, _tokens(connection, secrets))
        account = account_label(answer, provider.template.api.account_keys) or connection.account or "(unnamed)"
        if account != connection.account:
            await self.store.save_metadata(replace(connection, account=account, updated_at=self.now()))
        return account

    async def revoke(self, name: str) -> RevokeOutcome:
        """Revoke at the vendor where it can be done, then forget the tokens here (the row stays, Revoked)."""
        connection, secrets, provider = await self._open(name)
        at_vendor = provider.has_endpoint("revoke_url")
        # Tokens issued since that the disk refused are the ones the vendor knows now: revoked too.
        for tokens in (self.refresher.unsaved(connection), tokens_of(connection, secrets)):
            if at_vendor and tokens is not None:
                # A 5xx or a timeout keeps the tokens and tries again; a 200 is done, even for a token it forgot.
                await with_retries(partial(self.client.revoke, provider, tokens), RetryPolicy(), rng=Random())  # noqa: S311
        revoked = replace(
            connection,
            status=Status.REVOKED,
            status_detail="",
            expires_at=None,
            refresh_expires_at=None,
            has_refresh_token=False,
            updated_at=self.now(),
        )
        await self.store.save(revoked, Secrets(fields=secrets.fields), audit=AuditAction.REVOKE)
        self.refresher.forget(connection.id)
        return RevokeOutcome(revoked, at_vendor, "" if at_vendor else provider.template.revoke_hint)

    async def rename(self, old: str, new: str) -> Connection:
        """Give a connection another name; its tokens, settings and place in the schedule stay. A refresh of it in
        flight, here or in another process, is saved first: its new tokens must not meet a name changed under it."""
        check_name(new)
        if new == old:
            return await self.store.get(old)
        return await self.store.rename(old, new, updated_at=self.now(), audit=AuditAction.RENAME)

    async def remove(self, name: str) -> None:
        removed = await self.store.remove(name, audit=AuditAction.REMOVE)
        if removed is not None:
            self.refresher.forget(removed.id)

    async def export(self, names: Sequence[str], path: Path, prefix: str | None = None) -> ExportOutcome:
        """Write each connection's credentials into one .env file (merged, 0600, atomic)."""
        _check_prefix_for(names, prefix)
        stored = await self.store.read_many(names)  # one snapshot: the settings the secrets were opened with
        assignments = await asyncio.to_thread(self._assignments, stored, prefix)  # a thousand templates rendered
        await self.store.record(AuditAction.EXPORT, [connection for connection, _ in stored.values()], detail=str(path))
        header = "connmgr: " + ", ".join(names)
        warning = await asyncio.to_thread(write_env, path, assignments, header=header)  # writes and fsyncs a file
        return ExportOutcome(path, tuple(assignments), warning)

    def _assignments(self, stored: Mapping[str, tuple[Connection, Secrets]], prefix: str | None) -> dict[str, str]:
        assignments: dict[str, str] = {}
        for name, (connection, secrets) in stored.items():
            assignments |= self._variables(connection, secrets, prefix or env_prefix(name))
        return assignments

    def _variables(self, connection: Connection, secrets: Secrets, prefix: str) -> dict[str, str]:
        _refuse_if_needs_sign_in(connection)
        if not secrets.access_token:
            raise GrantError(connection.name, "this connection holds no token to export", "sign in again")
        provider = saved_provider(self.catalog, connection, secrets.fields)
        template = provider.template
        variables = {
            "ACCESS_TOKEN": secrets.access_token,
            "REFRESH_TOKEN": secrets.refresh_token or "",
            "EXPIRES_AT": iso_utc(connection.expires_at) or "",
            "TOKEN_TYPE": connection.token_type,
            "CLIENT_ID": connection.values.get("client_id", ""),
        } | {key: provider.render(pattern) for key, pattern in template.export.items()}
        return {f"{prefix}_{key}": value for key, value in variables.items() if value or key != "REFRESH_TOKEN"}


def _check_prefix_for(names: Sequence[str], prefix: str | None) -> None:
    if prefix is not None and len(names) > 1:
        raise ConfigError("Export", "one --prefix cannot name several connections", "export them one by one")


def _tokens(connection: Connection, secrets: Secrets) -> TokenSet:
    tokens = tokens_of(connection, secrets)
    if tokens is None:
        raise GrantError(
            connection.name, "this connection holds no token (revoked or never signed in)", "sign in again"
        )
    return tokens


def _refuse_if_needs_sign_in(connection: Connection) -> None:
    """A token the vendor refused (or can no longer renew) is not handed out, copied or exported."""
    if connection.status is Status.NEEDS_SIGN_IN:
        raise GrantError(
            connection.name, "this connection needs signing in again, so its token is not handed out", "reconnect it"
        )


def _transient(provider: Provider, name: str) -> bool:
    spec = provider.template.field(name)
    return spec is not None and spec.transient


def _secrets(tokens: TokenSet, fields: Mapping[str, str]) -> Secrets:
    return Secrets(tokens.access_token, tokens.refresh_token, tokens.id_token, dict(fields))
