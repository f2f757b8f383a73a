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

from connmgr.domain.authorize import AuthorizeRequest
from connmgr.domain.checks import CheckResult
from connmgr.domain.connection import Connection, Secrets, Status, secrets_of, split_values, tokens_of
from connmgr.domain.device import DeviceAuthorization
from connmgr.domain.dialect import Browser, Flow
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
from connmgr.services.connecting import (
    AlreadyConnected,
    Browsed,
    ConnectOutcome,
    Obtained,
    Redirected,
    Saved,
    SaveTwin,
    SignInBrowser,
    Stoppable,
    SystemBrowser,
    UseSystemBrowser,
    save_twins,
)
from connmgr.services.device import Sleep, connect_with_device
from connmgr.services.envwriter import write_env
from connmgr.services.history import History, history_of
from connmgr.services.inspection import same_identity
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
from connmgr.storage.errors import ConnectionNotFound, NameTaken, WorkspaceUnavailable
from connmgr.storage.interface import ConnectionStore, PassphraseKeyed

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
        # The last check of each connection (by id) made in this process: the window's details pane shows it.
        self.last_checks: dict[str, CheckResult] = {}

    # -- connecting

    def new_provider(self, template_id: str, values: Mapping[str, str], flow: Flow | None = None) -> Provider:
        return resolve_provider(self.catalog.get(template_id), values, flow)

    async def check_name_free(self, name: str) -> None:
        check_name(name)
        try:
            await self.store.get(name)
        except (ConnectionNotFound, WorkspaceUnavailable):  # free here; a clash with the workspace is said later
            return
        raise NameTaken(name)

    async def connect(
        self,
        name: str,
        provider: Provider,
        *,
        system: SystemBrowser | None = None,
        embedded: SignInBrowser | None = None,
        save_twin: SaveTwin = save_twins,
        replacing: Connection | None = None,
        stoppable: Stoppable | None = None,
        device: Callable[[DeviceAuthorization], object] | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> ConnectOutcome:
        """Connect an account and save it as `name` (or in the place of `replacing`, a reconnect): the one road
        from a sign-in to a saved connection, whoever asks.

        The name is checked free before anyone signs in. The tokens come from `_obtain`, which `stoppable` (when
        given) lets the person stop; then, where the account is already connected, `save_twin` decides, and the
        connection is saved. A denial, a cancel, a stop or a failure saves nothing.
        """
        if replacing is None:
            await self.check_name_free(name)
        obtaining = (
            self._obtain(provider, system, embedded)
            if provider.flow != Flow.DEVICE_CODE
            else self._by_device(provider, device, sleep)
        )
        obtained = await (obtaining if stoppable is None else stoppable(obtaining))
        if not isinstance(obtained, Connected):
            return obtained
        twin = await self._twin_of(obtained, replacing)
        if twin is not None and obtained.account and not await save_twin(obtained, twin):
            return AlreadyConnected(obtained.account, twin)
        return Saved(await self.save_new(name, obtained, replacing=replacing))

    async def _by_device(
        self, provider: Provider, show: Callable[[DeviceAuthorization], object] | None, sleep: Sleep
    ) -> Obtained:
        """A device sign-in (RFC 8628): `show` tells the person the code and the page to enter it at, then the
        vendor is polled until they have (see `services.device`)."""
        if show is None:
            raise ConfigError(provider.vendor, "a device sign-in needs a place to show its code", "use another flow")
        return await connect_with_device(self.client, provider, show, sleep=sleep)

    async def _obtain(
        self, provider: Provider, system: SystemBrowser | None, embedded: SignInBrowser | None
    ) -> Obtained:
        """Tokens and whom they belong to: client credentials, or the vendor's direct code request (the password
        used once), or a person's sign-in in a browser."""
        if provider.flow == Flow.CLIENT_CREDENTIALS:
            return await connect_client_credentials(self.client, provider)
        if provider.flow == Flow.PASSWORD:
            username, password = provider.value("username"), provider.value("password")
            return await connect_with_password(self.client, provider, username, password)
        return await self._sign_in(provider, system, embedded)

    async def _sign_in(
        self, provider: Provider, system: SystemBrowser | None, embedded: SignInBrowser | None
    ) -> Obtained:
        """In `embedded`, until the person asks for their own browser, or in `system`; the redirect it comes back
        with is judged and its code exchanged at once (vcita codes live 30 s)."""
        started: list[SignIn] = []  # a browser begins the sign-in itself: the loopback one with its own address

        async def begin(redirect_uri: str | None) -> AuthorizeRequest:
            started.append(await start_sign_in(self.client, provider, redirect_uri=redirect_uri))
            return started[-1].request

        browsed: Browsed | UseSystemBrowser = UseSystemBrowser()
        if embedded is not None and provider.template.browser is not Browser.SYSTEM:
            browsed = await embedded.browse(provider, begin)
        if isinstance(browsed, UseSystemBrowser):
            if system is None:
                raise ValueError("the authorization-code flow needs a browser")
            browsed = await system.browse(provider, begin)
        if not isinstance(browsed, Redirected):
            return browsed
        return await finish_sign_in(self.client, started[-1], browsed.url)  # the latest: the browser that came back

    async def _twin_of(self, connected: Connected, replacing: Connection | None) -> Connection | None:
        """A saved connection to the account just signed in to (a reconnect's own excepted): connecting one account
        twice is the likeliest mistake."""
        twins = await same_identity(self.store, connected.provider.template.id, connected.account)
        return next((c for c in twins if replacing is None or c.id != replacing.id), None)

    async def reconnect_values(self, name: str) -> dict[str, str]:
        """The settings a reconnect starts from: the saved values and secret fields (never the tokens)."""
        connection, secrets = await self._read(name)
        return {**connection.values, **secrets.fields}

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
        await self.store.save(connection, secrets_of(connected.tokens, secret), audit=AuditAction.CONNECT)
        return connection

    # -- the data key, where no keyring works

    def may_use_passphrase(self) -> bool:
        """Whether a passphrase may protect the secrets instead of the keyring (a store that allows it, where
        nothing protects them yet)."""
        return isinstance(self.store, PassphraseKeyed) and self.store.may_use_passphrase()

    def use_passphrase(self, passphrase: str) -> None:
        if not isinstance(self.store, PassphraseKeyed):
            raise TypeError("this store's data key cannot be protected by a passphrase")
        self.store.use_passphrase(passphrase)

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

    async def history(self, name: str) -> History:
        """What the audit log holds about the connection, and whether the log is intact."""
        return await history_of(self.store, name)

    async def check(self, name: str) -> CheckResult:
        """Ask the vendor's who-am-I endpoint whom the token belongs to (refreshed first when it is about to expire):
        what it answered, how soon, and the account it named. Each answer is recorded in the audit log and kept as
        the connection's last check (`last_checks`).

        A 401 or 403 to a token that has not expired means the vendor revoked it (a machine's token excepted: many
        who-am-I endpoints refuse those, see `identify`). A connection with a refresh token is refreshed once and
        asked again; if the vendor still refuses, the connection is marked "Needs sign-in" with the vendor's
        words, for the window and every command alike, and the refusal raised."""
        stored = await self._read(name)
        connection, secrets = await self._fit_for_use(*stored)
        result, refused = await self._ask_who(connection, secrets)
        if refused is None:
            return result
        if connection.flow == Flow.CLIENT_CREDENTIALS:
            raise refused
        if not connection.has_refresh_token or connection is not stored[0]:  # nothing to renew it, or just renewed
            await self.refresher.needs_sign_in(connection, secrets, refused)
            raise refused
        connection, secrets = await self.refresher.refresh(name, basis=connection)
        result, refused = await self._ask_who(connection, secrets)
        if refused is None:
            return result
        await self.refresher.needs_sign_in(connection, secrets, refused)
        raise refused

    async def _ask_who(self, connection: Connection, secrets: Secrets) -> tuple[CheckResult, TokenRejected | None]:
        """The who-am-I call with these tokens, recorded; the account it names saved when it changed."""
        provider = await self.client.prepare(saved_provider(self.catalog, connection, secrets.fields))
        answer = await self.client.ask_who(provider, _tokens(connection, secrets))
        account = None
        if answer.refusal is None:
            account = account_label(answer.data, provider.template.api.account_keys) or connection.account
            account = account or "(unnamed)"
        result = CheckResult(self.now(), answer.status, round(answer.elapsed_s * 1000), account, answer.words)
        self.last_checks[connection.id] = result
        await self.store.record(AuditAction.CHECK, [connection], detail=result.summary)
        if account is not None and account != connection.account:
            await self.store.save_metadata(replace(connection, account=account, updated_at=self.now()))
        return result, answer.refusal

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
