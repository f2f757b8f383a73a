"""What the window's actions do: each one a coroutine on the qasync loop, so the window stays responsive.

A failure to connect is said in the Connect dialog, which stays open with every value; every other outcome ends as
one sentence in the status bar and in the notifications list (View > Notifications), and a failure also as the
connection's last error in the details pane (and the row's status where it changed). Nothing here blocks on the
network or the keyring.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QToolButton

from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.claims import token_claims
from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.durations import countdown, in_words
from connmgr.domain.envfile import env_prefix
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.health import health
from connmgr.domain.likely_field import field_named_in
from connmgr.domain.provider import Provider
from connmgr.domain.summary import needs_a_person
from connmgr.gui.clipboard import CLEAR_AFTER_S, SecretClipboard
from connmgr.gui.connect import ConnectDialog, ConnectRequest, Failure
from connmgr.gui.event_log import Event, EventLog, EventsDock
from connmgr.gui.main_window import MainWindow
from connmgr.gui.prompts import ConnectSession, Prompts
from connmgr.gui.sign_in_flow import SignInOutcome, sign_in
from connmgr.listing import REFRESHING
from connmgr.services.connections import Connections
from connmgr.services.envwriter import git_exposure
from connmgr.services.inspection import endpoints_of, same_identity
from connmgr.services.loopback import SIGN_IN_TIMEOUT_S
from connmgr.services.signin import Connected, finish_sign_in
from connmgr.storage import LocalStore, PassphraseDataKey, recorded_key_source
from connmgr.storage.errors import KeyringUnavailable
from connmgr.storage.interface import Change

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
        self.rows = window.model.rows
        self.connections = connections
        self.clipboard = clipboard
        self.prompts = prompts
        self.open_url = open_url
        self.notify: Callable[[str, str], None] | None = None  # the tray's, where there is one
        self.sign_in_timeout = SIGN_IN_TIMEOUT_S  # how long a sign-in may wait for the person
        self.tasks: set[asyncio.Task[None]] = set()
        self.events = EventLog(self)
        self.events_dock: EventsDock | None = None  # made when first opened
        # Stays in the status bar once something failed, when the message itself has long gone.
        self.failures = QToolButton()
        self.failures.setAutoRaise(True)
        self.failures.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.failures.setToolTip("Show the notifications (Ctrl+Shift+L)")
        self.failures.clicked.connect(self.show_events)
        self.failures.hide()
        window.statusBar().addPermanentWidget(self.failures)
        self.events.added.connect(self._on_event)
        actions = window.actions_
        actions["connect"].triggered.connect(lambda: self._start(self.connect_account()))
        actions["copy"].triggered.connect(lambda: self._on_selected(self.copy_token))
        actions["refresh"].triggered.connect(lambda: self._on_selected(self.refresh))
        actions["check"].triggered.connect(lambda: self._on_selected(self.check))
        actions["revoke"].triggered.connect(lambda: self._on_selected(self.revoke))
        actions["reconnect"].triggered.connect(lambda: self._on_selected(self.reconnect))
        actions["remove"].triggered.connect(lambda: self._on_selected(self.remove))
        actions["rename"].triggered.connect(lambda: self._on_selected(self.rename))
        actions["export"].triggered.connect(lambda: self._start(self.export(window.selected_connections())))
        actions["events"].triggered.connect(self.show_events)
        window.details.reveal_requested.connect(lambda name: self._start(self.reveal(name), about=name))
        window.details.copy_requested.connect(self._on_copy_requested)
        window.selection_changed.connect(self._on_selection_changed)

    # -- running actions

    def _start(self, work: Coroutine[Any, Any, None], *, about: str | None = None) -> asyncio.Task[None]:
        """Run `work`; a failure is told as being about the connection named `about`."""
        task = asyncio.ensure_future(self._guarded(work, about))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _on_selected(self, action: Callable[[Connection], Coroutine[Any, Any, None]]) -> None:
        selected = self.window.selected_connections()
        if len(selected) == 1 and not self.rows.is_busy(selected[0].name):
            self._start(action(selected[0]), about=selected[0].name)

    async def _guarded(self, work: Coroutine[Any, Any, None], about: str | None) -> None:
        try:
            await work
        except KeyringUnavailable as exc:
            self._tell(await self._offer_passphrase(exc))
        except ConnmgrError as exc:
            self._tell(exc.sentence, about, failed=True)
        except Exception:
            log.exception("an action failed unexpectedly")
            self._tell("Something went wrong; the details are in the log.", about, failed=True)

    @contextmanager
    def _busy(self, name: str, label: str) -> Iterator[None]:
        """The row shows `label` and the spinner while the vendor is asked (not while a prompt waits for the
        person); then what the store holds (`on_stored_change` has shown it: a failed refresh may have marked it
        Needs sign-in)."""
        self.rows.set_busy(name, True, label=label)
        self.window.spinner.set_running(True)
        try:
            yield
        finally:
            self.rows.set_busy(name, False)
            self.window.spinner.set_running(self.rows.any_busy())

    def _tell(self, text: str, about: str | None = None, *, failed: bool = False) -> None:
        """The status bar says it for a moment; the notifications keep it (and a failure, for its connection)."""
        self.window.show_message(text)
        self.events.add(text, connection=about, failed=failed)

    def _all(self) -> list[Connection]:
        return self.rows.connections()

    def on_stored_change(self, change: Change) -> None:
        """The table shows what the store holds, whoever changed it: this window, the command line, another
        window. A change made here arrives before the action that made it goes on."""
        if change.after is not None:
            self.rows.upsert(change.after)
        elif change.before is not None:
            self.rows.remove(change.before.name)

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
                if not failure.by_person:  # kept in the notifications too, after the dialog has gone
                    self.events.add(failure.sentence, connection=request.name, failed=True)

    async def _try_to_connect(
        self, dialog: ConnectSession, request: ConnectRequest, replacing: Connection | None
    ) -> Failure | None:
        """One attempt, up to the saved connection; None once saved, else why not."""
        try:
            provider = self.connections.new_provider(request.template_id, request.values, request.flow)
            connected = await dialog.attempt(self._obtain(request, provider, dialog.dialog))
            if isinstance(connected, Failure):
                return connected
            twins = [c for c in await same_identity(self.connections.store, provider.template.id, connected.account)
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
        self.rows.upsert(connection)
        self.window.select(connection.name)
        connected_as = f"Connected {connection.name} as {connection.account or 'an unnamed account'}."
        # What could not be verified stays in the details pane too (the row's status detail).
        self._tell(f"{connected_as} {connection.status_detail}".strip(), connection.name)
        return None

    async def _obtain(self, request: ConnectRequest, provider: Provider, parent: ConnectDialog) -> Connected | Failure:
        if request.flow == Flow.DEVICE_CODE:
            return await self.connections.obtain_with_device(
                provider, partial(parent.show_device_code, open_url=self.open_url)
            )
        if request.flow != Flow.AUTHORIZATION_CODE:
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
        _, secrets = await self.connections.store.read(connection.name)
        fields = secrets.fields
        preset = ConnectRequest(
            connection.name, connection.template_id, connection.flow, {**connection.values, **fields}, False
        )
        await self.connect_account(preset, replacing=connection)

    # -- a connection's actions

    async def copy_token(self, connection: Connection) -> None:
        token = await self.connections.access_token(connection.name)
        self.clipboard.copy(token)
        self._tell(f"Copied the token of {connection.name}; the clipboard clears in {in_words(CLEAR_AFTER_S)}.")

    def _on_copy_requested(self, label: str, value: str) -> None:
        """A secret the details pane shows, copied from its own button: through the clipboard that clears itself."""
        shown = self.window.details.connection
        self.clipboard.copy(value)
        of = f" of {shown.name}" if shown is not None else ""
        self._tell(f"Copied the {label[0].lower()}{label[1:]}{of}; the clipboard clears in {in_words(CLEAR_AFTER_S)}.")

    async def refresh(self, connection: Connection) -> None:
        with self._busy(connection.name, REFRESHING):
            updated = await self.connections.refresh(connection.name)
            self.rows.upsert(updated)
        remaining = None if updated.expires_at is None else updated.expires_at - time.time()
        self._tell(f"Refreshed {updated.name}; the token expires in {countdown(remaining)}.", updated.name)

    async def check(self, connection: Connection) -> None:
        """Ask the vendor's who-am-I endpoint whom the token belongs to (the row follows a changed account)."""
        with self._busy(connection.name, "Checking…"):
            account = await self.connections.check(connection.name)
        was = "" if account == connection.account else f" (it was listed as {connection.account or 'unnamed'})"
        self._tell(f"Checked {connection.name}: the vendor says the token belongs to {account}{was}.", connection.name)

    async def revoke(self, connection: Connection) -> None:
        if not await self.prompts.confirm(
            "Revoke", f"Revoke the tokens of “{connection.name}” and forget them here?", "Revoke"
        ):
            return
        with self._busy(connection.name, "Revoking…"):
            outcome = await self.connections.revoke(connection.name)
            self.rows.upsert(outcome.connection)
        if outcome.at_vendor:
            self._tell(f"Revoked {connection.name} at the vendor.", connection.name)
        else:
            self._tell(f"Forgot the token of {connection.name}; revoke it at the vendor too.", connection.name)
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
        self.rows.remove(connection.name)
        self.events.forget(connection.name)
        self._tell(f"Removed {connection.name}.")

    async def rename(self, connection: Connection) -> None:
        new = await self.prompts.new_name(connection.name)
        if new is None or new == connection.name:
            return
        renamed = await self.connections.rename(connection.name, new)
        self.rows.upsert(renamed)
        self.window.select(renamed.name)
        self.events.renamed(connection.name, renamed.name)
        self._tell(f"Renamed {connection.name} to {renamed.name}.", renamed.name)

    async def export(self, selected: list[Connection]) -> None:
        if not selected:
            return
        path = await self._export_path(".env" if len(selected) > 1 else f"{env_prefix(selected[0].name).lower()}.env")
        if path is None:
            return
        outcome = await self.connections.export([c.name for c in selected], path)
        self._tell(f"Wrote {len(outcome.variables)} variables to {outcome.path}.")

    async def _export_path(self, suggested: str) -> Path | None:
        """The file to export to; one in a git work tree that git does not ignore is confirmed first, before a token
        is written where a commit would take it (choosing again starts in the same folder)."""
        while (path := await self.prompts.save_path(suggested)) is not None:
            # git runs in a thread: two processes, some milliseconds. (Writing checks again, for the command line.)
            exposure = await asyncio.to_thread(git_exposure, path.expanduser().absolute())
            if exposure is None or await self.prompts.confirm(
                "Not ignored by git",
                f"{exposure}.\n\nA token written there is one “git add .” away from the repository.",
                "Export anyway",
            ):
                return path
        return None

    async def reveal(self, name: str) -> None:
        connection, secrets = await self.connections.reveal(name)
        claims = token_claims(secrets.id_token, secrets.access_token, connection.expires_at)
        self.window.details.reveal(name, secrets, claims)

    def _on_selection_changed(self) -> None:
        selected = self.window.selected_connections()
        one = selected[0] if len(selected) == 1 else None
        failure = self.events.last_failure(one.name) if one else None
        self.window.details.show_connection(
            one,
            health(one, self.rows.now()) if one else None,
            endpoints_of(self.connections.catalog, one) if one else {},
            last_failure=(failure.at, failure.text) if failure else None,
        )

    # -- the notifications

    def show_events(self) -> None:
        if self.events_dock is None:
            self.events_dock = EventsDock(self.events, self.window)
            self.window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, self.events_dock)
        self.events_dock.show()
        self.events_dock.raise_()

    def _on_event(self, event: Event) -> None:
        if event.failed:
            count = self.events.failures
            self.failures.setText(f"{count} failure{'s' if count > 1 else ''}")
            self.failures.show()
        shown = self.window.details.connection
        if event.failed and shown is not None and event.connection == shown.name:
            self._on_selection_changed()  # its last error, at once

    # -- the refresh scheduler's news

    def on_refreshed(self, connection: Connection) -> None:
        self.rows.upsert(connection)
        self.events.add(f"Refreshed {connection.name} on schedule.", connection=connection.name)

    def on_refresh_failed(self, name: str, error: ConnmgrError) -> None:
        """The row shows it as stored now (see `on_stored_change`); a connection that needs the person is worth a
        notification."""
        self.events.add(error.sentence, connection=name, failed=True)
        position = self.rows.position_of(name)
        needs_person = position is not None and needs_a_person(self.rows.connection(position), time.time())
        if self.notify is not None:
            self.notify(f"{name} needs you" if needs_person else f"Refreshing {name} failed", error.sentence)
        else:
            self.window.show_message(error.sentence)

    # -- no keyring

    async def _offer_passphrase(self, error: KeyringUnavailable) -> str:
        """Where no keyring works, a passphrase may protect the secrets instead: asked, never silent. Returns
        the sentence that says how it ended."""
        store = self.connections.store
        if not isinstance(store, LocalStore):  # only a home's own key can be protected by a passphrase
            return error.sentence
        home = store.home
        if recorded_key_source(home) is not None or not await self.prompts.confirm(
            "No keyring",
            f"{error.sentence}\n\nProtect connmgr's secrets with a passphrase instead?",
            "Use a passphrase",
        ):
            return error.sentence
        first = await self.prompts.passphrase(new=True)
        if first is None or first != await self.prompts.passphrase(new=True):
            return "The passphrases were empty or differed; nothing was changed."
        store.database.use_key_source(PassphraseDataKey(home, first))
        return "Secrets will be protected by your passphrase; try again."
