"""What the window's actions do: each one a coroutine on the qasync loop, so the window stays responsive.

A failure to connect is said in the Connect dialog, which stays open with every
value; any other failure ends as one sentence in the status bar (and the row's
status where it changed). Nothing here blocks on the network or the keyring.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QWidget

from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection
from connmgr.domain.envfile import env_prefix
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.health import countdown, health
from connmgr.domain.likely_field import field_named_in
from connmgr.domain.provider import Provider
from connmgr.domain.summary import needs_a_person
from connmgr.gui.clipboard import CLEAR_AFTER_S, SecretClipboard
from connmgr.gui.connect import ConnectRequest, Failure
from connmgr.gui.main_window import MainWindow
from connmgr.gui.prompts import ConnectSession, Prompts
from connmgr.gui.sign_in_flow import SignInOutcome, sign_in
from connmgr.services.connections import Connections
from connmgr.services.inspection import endpoints_of, id_token_claims, same_identity
from connmgr.services.loopback import SIGN_IN_TIMEOUT_S
from connmgr.services.signin import Connected, finish_sign_in
from connmgr.storage import PassphraseDataKey, recorded_key_source
from connmgr.storage.errors import KeyringUnavailable

log = logging.getLogger("connmgr.gui")


class Controller(QObject):
    def __init__(
        self,
        window: MainWindow,
        connections: Connections,
        clipboard: SecretClipboard,
        prompts: Prompts,
        *,
        open_url: Callable[[str], object],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.model = window.model
        self.connections = connections
        self.clipboard = clipboard
        self.prompts = prompts
        self.open_url = open_url
        self.notify: Callable[[str, str], None] | None = None  # the tray's, where there is one
        self.sign_in_timeout = SIGN_IN_TIMEOUT_S  # how long a sign-in may wait for the person
        self.tasks: set[asyncio.Task[None]] = set()
        actions = window.actions_
        actions["connect"].triggered.connect(lambda: self._start(self.connect_account()))
        actions["copy"].triggered.connect(lambda: self._on_selected(self.copy_token))
        actions["refresh"].triggered.connect(lambda: self._on_selected(self.refresh, busy=True))
        actions["revoke"].triggered.connect(lambda: self._on_selected(self.revoke, busy=True))
        actions["reconnect"].triggered.connect(lambda: self._on_selected(self.reconnect))
        actions["remove"].triggered.connect(lambda: self._on_selected(self.remove))
        actions["rename"].triggered.connect(lambda: self._on_selected(self.rename))
        actions["export"].triggered.connect(lambda: self._start(self.export(window.selected_connections())))
        window.details.reveal_requested.connect(lambda name: self._start(self.reveal(name)))
        window.selection_changed.connect(self._on_selection_changed)

    # -- running actions

    def _start(self, work: Coroutine[Any, Any, None], *, busy: str | None = None) -> asyncio.Task[None]:
        task = asyncio.ensure_future(self._guarded(work, busy))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _on_selected(self, action: Callable[[Connection], Coroutine[Any, Any, None]], *, busy: bool = False) -> None:
        selected = self.window.selected_connections()
        if len(selected) == 1 and not self.model.is_busy(selected[0].name):
            self._start(action(selected[0]), busy=selected[0].name if busy else None)

    async def _guarded(self, work: Coroutine[Any, Any, None], busy: str | None) -> None:
        if busy:
            self._set_busy(busy, True)
        try:
            await work
        except KeyringUnavailable as exc:
            self.window.show_message(await self._offer_passphrase(exc))
        except ConnmgrError as exc:
            self.window.show_message(exc.sentence)
        except Exception:
            log.exception("an action failed unexpectedly")
            self.window.show_message("Something went wrong; the details are in the log.")
        finally:
            if busy:
                self._set_busy(busy, False)
                self._reload(busy)

    def _set_busy(self, name: str, busy: bool) -> None:
        self.model.set_busy(name, busy)
        self.window.spinner.set_running(self.model.any_busy())

    def _all(self) -> list[Connection]:
        return [self.model.connection(row) for row in range(self.model.rowCount())]

    def _reload(self, name: str) -> None:
        """Show what the store holds now (a failed refresh may have marked the row Needs sign-in)."""
        if self.connections.store.exists(name):
            self.model.upsert(self.connections.store.get(name))

    # -- connecting

    async def connect_account(self, preset: ConnectRequest | None = None, replacing: Connection | None = None) -> None:
        """Until it connects or the person closes the Connect dialog: a failed attempt returns to the dialog with
        every value as it was and the reason beside the field it concerns."""
        existing = [c.name for c in self._all() if replacing is None or c.id != replacing.id]
        async with self.prompts.connection(existing, preset) as dialog:
            failure: Failure | None = None
            while (request := await dialog.request(failure)) is not None:
                failure = await self._try_to_connect(dialog, request, replacing)
                if failure is None:
                    return

    async def _try_to_connect(
        self, dialog: ConnectSession, request: ConnectRequest, replacing: Connection | None
    ) -> Failure | None:
        """One attempt, up to the saved connection; None once saved, else why not."""
        try:
            provider = self.connections.new_provider(request.template_id, request.values, request.flow)
            connected = await dialog.attempt(self._obtain(request, provider, dialog.dialog))
            if isinstance(connected, Failure):
                return connected
            twins = [c for c in same_identity(self.connections.store, provider.template.id, connected.account)
                     if replacing is None or c.id != replacing.id]  # fmt: skip
            if twins and not await self.prompts.confirm(
                "Already connected",
                f"You signed in to {provider.vendor} as {connected.account}, which is already connected as "
                f"“{twins[0].name}”. Staff switching between client accounts often connect the wrong one. "
                "Save a second connection to the same account?",
                "Save anyway",
                parent=dialog.dialog,
            ):
                return Failure(
                    f"Nothing was saved: {connected.account} is already connected as “{twins[0].name}”; "
                    "sign in with the account you meant.",
                    by_person=True,
                )
            connection = await self.connections.save_new(request.name, connected, replacing=replacing)
        except KeyringUnavailable as exc:
            return Failure(await self._offer_passphrase(exc))
        except ConnmgrError as exc:
            return Failure.of(exc)
        except Exception:
            log.exception("connecting failed unexpectedly")
            return Failure("Something went wrong; the details are in the log.")
        self.model.upsert(connection)
        self.window.select(connection.name)
        connected_as = f"Connected {connection.name} as {connection.account or 'an unnamed account'}."
        # What could not be verified stays in the details pane too (the row's status detail).
        self.window.show_message(f"{connected_as} {connection.status_detail}".strip())
        return None

    async def _obtain(self, request: ConnectRequest, provider: Provider, parent: QWidget) -> Connected | Failure:
        if request.flow != "authorization_code":
            values = request.values
            return await self.connections.obtain_directly(
                provider, username=values.get("username", ""), password=values.get("password", "")
            )
        outcome: SignInOutcome = await sign_in(
            self.connections, provider, system_browser=request.use_system_browser, open_url=self.open_url,
            parent=parent, timeout=self.sign_in_timeout,
        )  # fmt: skip
        if outcome.sign_in is None or outcome.callback_url is None:
            if not outcome.sentence:
                return Failure(f"{provider.vendor}: the sign-in was cancelled; nothing was saved.", by_person=True)
            return Failure(outcome.sentence, outcome.field)
        result = await finish_sign_in(self.connections.client, outcome.sign_in, outcome.callback_url)
        if isinstance(result, Denied):
            return Failure(result.sentence, by_person=True)
        if isinstance(result, AuthorizationFailed):
            said = f"{result.error} {result.description}"
            return Failure(result.sentence, field_named_in(said, provider.template.fields_for(provider.flow)))
        return result

    async def reconnect(self, connection: Connection) -> None:
        await self.connections.store.unlock()
        fields = self.connections.store.secrets(connection.name).fields
        preset = ConnectRequest(
            connection.name, connection.template_id, connection.flow, {**connection.values, **fields}, False
        )
        await self.connect_account(preset, replacing=connection)

    # -- a connection's actions

    async def copy_token(self, connection: Connection) -> None:
        token = await self.connections.access_token(connection.name)
        self._reload(connection.name)
        self.clipboard.copy(token)
        self.window.show_message(f"Copied the token of {connection.name}; the clipboard clears in {CLEAR_AFTER_S} s.")

    async def refresh(self, connection: Connection) -> None:
        updated = await self.connections.refresh(connection.name)
        self.model.upsert(updated)
        remaining = None if updated.expires_at is None else updated.expires_at - time.time()
        self.window.show_message(f"Refreshed {updated.name}; the token expires in {countdown(remaining)}.")

    async def revoke(self, connection: Connection) -> None:
        if not await self.prompts.confirm(
            "Revoke", f"Revoke the tokens of “{connection.name}” and forget them here?", "Revoke"
        ):
            return
        outcome = await self.connections.revoke(connection.name)
        self.model.upsert(outcome.connection)
        if outcome.at_vendor:
            self.window.show_message(f"Revoked {connection.name} at the vendor.")
        else:
            self.window.show_message(f"Forgot the token of {connection.name}.")
            await self.prompts.inform("Revoke it at the vendor", f"{outcome.hint}.")

    async def remove(self, connection: Connection) -> None:
        if not await self.prompts.confirm(
            "Remove",
            f"Forget “{connection.name}”? Its token is not revoked at the vendor; revoke it first if it should stop "
            "working.",
            "Remove",
        ):
            return
        await self.connections.remove(connection.name)
        self.model.remove(connection.name)
        self.window.show_message(f"Removed {connection.name}.")

    async def rename(self, connection: Connection) -> None:
        new = await self.prompts.new_name(connection.name)
        if new is None or new == connection.name:
            return
        renamed = await self.connections.rename(connection.name, new)
        self.model.remove(connection.name)
        self.model.upsert(renamed)
        self.window.select(renamed.name)
        self.window.show_message(f"Renamed {connection.name} to {renamed.name}.")

    async def export(self, selected: list[Connection]) -> None:
        if not selected:
            return
        path = await self.prompts.save_path(
            ".env" if len(selected) > 1 else f"{env_prefix(selected[0].name).lower()}.env"
        )
        if path is None:
            return
        outcome = await self.connections.export([c.name for c in selected], path)
        self.window.show_message(f"Wrote {len(outcome.variables)} variables to {outcome.path}.")
        if outcome.warning:
            await self.prompts.inform("Check before you commit", f"{outcome.warning}.", warning=True)

    async def reveal(self, name: str) -> None:
        await self.connections.store.unlock()
        secrets = self.connections.store.secrets(name)
        self.window.details.reveal(name, secrets, id_token_claims(secrets))

    def _on_selection_changed(self) -> None:
        selected = self.window.selected_connections()
        one = selected[0] if len(selected) == 1 else None
        now = time.time()
        self.window.details.show_connection(
            one, health(one, now) if one else None, endpoints_of(self.connections.catalog, one) if one else {}
        )

    # -- the refresh scheduler's news

    def on_refreshed(self, connection: Connection) -> None:
        self.model.upsert(connection)

    def on_refresh_failed(self, name: str, error: ConnmgrError) -> None:
        """Show the row as stored now; a connection that needs the person is worth a notification."""
        self._reload(name)
        row = self.model.row_of(name)
        needs_person = row is not None and needs_a_person(self.model.connection(row), time.time())
        if self.notify is not None:
            self.notify(f"{name} needs you" if needs_person else f"Refreshing {name} failed", error.sentence)
        else:
            self.window.show_message(error.sentence)

    # -- no keyring

    async def _offer_passphrase(self, error: KeyringUnavailable) -> str:
        """Where no keyring works, a passphrase may protect the secrets instead: asked, never silent. Returns
        the sentence that says how it ended."""
        home = self.connections.store.home
        if recorded_key_source(home) is not None or not await self.prompts.confirm(
            "No keyring",
            f"{error.sentence}\n\nProtect connmgr's secrets with a passphrase instead?",
            "Use a passphrase",
        ):
            return error.sentence
        first = await self.prompts.passphrase(new=True)
        if first is None or first != await self.prompts.passphrase(new=True):
            return "The passphrases were empty or differed; nothing was changed."
        self.connections.store.use_key_source(PassphraseDataKey(home, first))
        return "Secrets will be protected by your passphrase; try again."
