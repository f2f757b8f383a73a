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
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, assert_never

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QToolButton, QWidget

from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.checks import CheckResult
from connmgr.domain.claims import token_claims
from connmgr.domain.connection import Connection
from connmgr.domain.durations import countdown, in_words
from connmgr.domain.envfile import env_prefix
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.health import health
from connmgr.domain.likely_field import field_named_in
from connmgr.domain.provider import Provider
from connmgr.domain.summary import needs_a_person
from connmgr.domain.token_forms import TokenForm
from connmgr.gui.clipboard import CLEAR_AFTER_S, SecretClipboard
from connmgr.gui.connect import ConnectRequest, Failure
from connmgr.gui.event_log import Event, EventLog, EventsDock
from connmgr.gui.history_dialog import HistoryDialog
from connmgr.gui.main_window import MainWindow
from connmgr.gui.prompts import ConnectSession, Prompts
from connmgr.gui.sign_in_flow import EmbeddedBrowser
from connmgr.gui.signin.warm_up import WebEngineWarmUp
from connmgr.listing import REFRESHING
from connmgr.services.connecting import (
    AlreadyConnected,
    Cancelled,
    Failed,
    NotSaved,
    Obtained,
    Saved,
    Stopped,
)
from connmgr.services.connections import Connections
from connmgr.services.envwriter import git_exposure
from connmgr.services.inspection import endpoints_of
from connmgr.services.loopback import SIGN_IN_TIMEOUT_S, LoopbackBrowser
from connmgr.services.settings_files import read_settings_file, write_settings_file
from connmgr.services.signin import Connected
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
        notify: Callable[[str, str], None],
    ) -> None:
        super().__init__(window)
        self.window = window
        self.rows = window.model.rows
        self.connections = connections
        self.clipboard = clipboard
        self.prompts = prompts
        self.open_url = open_url
        self.notify = notify  # a desktop notification where there is a tray; the status bar says it either way
        self.sign_in_timeout = SIGN_IN_TIMEOUT_S  # how long a sign-in may wait for the person
        self.web_engine = WebEngineWarmUp(self)  # started by the Connect dialog, not before
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
        actions["connect"].triggered.connect(lambda: self.start(self.connect_account()))
        actions["copy"].triggered.connect(lambda: self._on_selected(self.copy_token))
        actions["save_settings"].triggered.connect(lambda: self._on_selected(self.save_settings))
        actions["connect_from_file"].triggered.connect(lambda: self.start(self.connect_from_file()))
        for form, action in window.actions_.copy_forms.items():
            action.triggered.connect(lambda _=False, form=form: self._on_selected(partial(self.copy_token, form=form)))
        actions["refresh"].triggered.connect(lambda: self._on_selected(self.refresh))
        actions["check"].triggered.connect(lambda: self._on_selected(self.check))
        actions["history"].triggered.connect(lambda: self._on_selected(self.show_history))
        actions["revoke"].triggered.connect(lambda: self._on_selected(self.revoke))
        actions["reconnect"].triggered.connect(lambda: self._on_selected(self.reconnect))
        actions["remove"].triggered.connect(lambda: self._on_selected(self.remove))
        actions["rename"].triggered.connect(lambda: self._on_selected(self.rename))
        actions["export"].triggered.connect(lambda: self.start(self.export(window.selected_connections())))
        actions["events"].triggered.connect(self.show_events)
        window.details.reveal_requested.connect(lambda name: self.start(self.reveal(name), about=name))
        window.details.copy_requested.connect(self._on_copy_requested)
        window.selection_changed.connect(self._on_selection_changed)
        connections.store.subscribe(self.on_stored_change)  # for as long as the store is open

    # -- running actions

    def start(self, work: Coroutine[Any, Any, None], *, about: str | None = None) -> asyncio.Task[None]:
        """Run `work`; a failure is told as being about the connection named `about`."""
        task = asyncio.ensure_future(self._guarded(work, about))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def _on_selected(self, action: Callable[[Connection], Coroutine[Any, Any, None]]) -> None:
        selected = self.window.selected_connections()
        if len(selected) == 1 and not self.rows.is_busy(selected[0].name):
            self.start(action(selected[0]), about=selected[0].name)

    async def _guarded(self, work: Coroutine[Any, Any, None], about: str | None) -> None:
        try:
            await work
        except KeyringUnavailable as exc:
            self.tell(await self._offer_passphrase(exc))
        except ConnmgrError as exc:
            self.tell(exc.sentence, about, failed=True)
        except Exception:
            log.exception("an action failed unexpectedly")
            self.tell("Something went wrong; the details are in the log.", about, failed=True)

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

    def tell(self, text: str, about: str | None = None, *, failed: bool = False) -> None:
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

    async def connect_account(
        self,
        preset: ConnectRequest | None = None,
        replacing: Connection | None = None,
        filled: ConnectRequest | None = None,
    ) -> None:
        """Until it connects or the person closes the Connect dialog: a failed attempt returns to the dialog with
        every value as it was and the reason beside the field it concerns. `preset`: a reconnect's; `filled`: the
        settings a new connection starts from."""
        existing = [c.name for c in self._all() if replacing is None or c.id != replacing.id]
        async with self.prompts.connection(existing, preset, filled) as dialog:
            self.web_engine.follow(dialog.dialog)  # while the person fills it in, the sign-in window gets ready
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
            timeout = self.sign_in_timeout
            embedded = None if request.use_system_browser else EmbeddedBrowser(dialog.dialog, timeout=timeout)
            outcome = await self.connections.connect(
                request.name,
                provider,
                system=LoopbackBrowser(self.open_url, timeout=timeout),
                embedded=embedded,
                save_twin=lambda connected, twin: self._save_twin(connected, twin, dialog.dialog),
                replacing=replacing,
                stoppable=lambda obtaining: _until_stopped(dialog, obtaining),
                device=lambda grant: dialog.dialog.show_device_code(grant, self.open_url),
            )
        except KeyringUnavailable as exc:
            return Failure(await self._offer_passphrase(exc))
        except ConnmgrError as exc:
            return Failure.of(exc)
        except Exception:
            log.exception("connecting failed unexpectedly")
            return Failure("Something went wrong; the details are in the log.")
        if not isinstance(outcome, Saved):
            return _failure_of(outcome, provider)
        connection = outcome.connection
        self.rows.upsert(connection)
        self.window.select(connection.name)
        connected_as = f"Connected {connection.name} as {connection.account or 'an unnamed account'}."
        # What could not be verified stays in the details pane too (the row's status detail).
        self.tell(f"{connected_as} {connection.status_detail}".strip(), connection.name)
        return None

    async def _save_twin(self, connected: Connected, twin: Connection, parent: QWidget) -> bool:
        return await self.prompts.confirm(
            "Already connected",
            f"You signed in to {connected.provider.vendor} as {connected.account}, which is already connected as "
            f"“{twin.name}”. Staff switching between client accounts often connect the wrong one. "
            "Save a second connection to the same account?",
            "Save anyway",
            parent=parent,
        )

    async def connect_from_file(self) -> None:
        """The Connect dialog filled in from a colleague's settings file: the person adds a name and the secrets."""
        path = await self.prompts.settings_path()
        if path is None:
            return
        settings = await asyncio.to_thread(read_settings_file, path, self.window.catalog)
        filled = ConnectRequest("", settings.template_id, settings.flow, dict(settings.values), False)
        await self.connect_account(filled=filled)

    async def save_settings(self, connection: Connection) -> None:
        path = await self.prompts.settings_path(f"{env_prefix(connection.name).lower()}.toml")
        if path is None:
            return
        await asyncio.to_thread(write_settings_file, path, connection, self.window.catalog)
        self.tell(f"Saved the settings of {connection.name} to {path}, without its secrets.")

    async def reconnect(self, connection: Connection) -> None:
        values = await self.connections.reconnect_values(connection.name)
        preset = ConnectRequest(connection.name, connection.template_id, connection.flow, values, False)
        await self.connect_account(preset, replacing=connection)

    # -- a connection's actions

    async def copy_token(self, connection: Connection, form: TokenForm = TokenForm.TOKEN) -> None:
        """The token in `form`, the way the vendor's API takes it, through the clipboard that clears itself."""
        text = await self.connections.token_as(connection.name, form)
        self.clipboard.copy(text)
        what = "the token" if form is TokenForm.TOKEN else form.description
        self.tell(f"Copied {what} of {connection.name}; the clipboard clears in {in_words(CLEAR_AFTER_S)}.")

    def _on_copy_requested(self, label: str, value: str) -> None:
        """A secret the details pane shows, copied from its own button: through the clipboard that clears itself."""
        shown = self.window.details.connection
        self.clipboard.copy(value)
        of = f" of {shown.name}" if shown is not None else ""
        self.tell(f"Copied the {label[0].lower()}{label[1:]}{of}; the clipboard clears in {in_words(CLEAR_AFTER_S)}.")

    async def refresh(self, connection: Connection) -> None:
        with self._busy(connection.name, REFRESHING):
            updated = await self.connections.refresh(connection.name)
            self.rows.upsert(updated)
        expires_in = countdown(updated.remaining(time.time()))
        self.tell(f"Refreshed {updated.name}; the token expires in {expires_in}.", updated.name)

    async def check(self, connection: Connection) -> None:
        """Ask the vendor's who-am-I endpoint whom the token belongs to: its status, time and answer in the status
        bar and in the details pane's "Last check" (a refusal, as a failure; the row follows a changed account)."""
        with self._busy(connection.name, "Checking…"):
            result = await self.connections.check(connection.name)
        account = result.identity
        was = "" if account == connection.account else f" (it was listed as {connection.account or 'unnamed'})"
        timed = f"HTTP {result.status} in {result.elapsed_ms} ms"
        self.tell(
            f"Checked {connection.name}: {timed}; the vendor says the token belongs to {account}{was}.", connection.name
        )
        self.on_checked(connection.name, result)

    async def show_history(self, connection: Connection) -> None:
        HistoryDialog(await self.connections.history(connection.name), self.window).show()

    def on_checked(self, name: str, result: CheckResult, *, in_background: bool = False) -> None:
        """A check's answer, this window's or the background's: its connection's "Last check" shows it at once (a
        refusal is a failure, which shows itself)."""
        if in_background:
            self.events.add(f"Checked {name} in the background: {result.summary}.", connection=name)
        shown = self.window.details.connection
        if shown is not None and shown.name == name:
            self._on_selection_changed()

    async def revoke(self, connection: Connection) -> None:
        if not await self.prompts.confirm(
            "Revoke", f"Revoke the tokens of “{connection.name}” and forget them here?", "Revoke"
        ):
            return
        with self._busy(connection.name, "Revoking…"):
            outcome = await self.connections.revoke(connection.name)
            self.rows.upsert(outcome.connection)
        if outcome.at_vendor:
            self.tell(f"Revoked {connection.name} at the vendor.", connection.name)
        else:
            self.tell(f"Forgot the token of {connection.name}; revoke it at the vendor too.", connection.name)
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
        self.tell(f"Removed {connection.name}.")

    async def rename(self, connection: Connection) -> None:
        new = await self.prompts.new_name(connection.name)
        if new is None or new == connection.name:
            return
        renamed = await self.connections.rename(connection.name, new)
        self.rows.upsert(renamed)
        self.window.select(renamed.name)
        self.events.renamed(connection.name, renamed.name)
        self.tell(f"Renamed {connection.name} to {renamed.name}.", renamed.name)

    async def export(self, selected: list[Connection]) -> None:
        if not selected:
            return
        path = await self._export_path(".env" if len(selected) > 1 else f"{env_prefix(selected[0].name).lower()}.env")
        if path is None:
            return
        outcome = await self.connections.export([c.name for c in selected], path)
        self.tell(f"Wrote {len(outcome.variables)} variables to {outcome.path}.")

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
        position = self.rows.position_of(one.name) if one else None
        self.window.details.show_connection(
            one,
            health(one, self.rows.now()) if one else None,
            endpoints_of(self.connections.catalog, one) if one else {},
            last_failure=(failure.at, failure.text) if failure else None,
            last_check=self.connections.last_checks.get(one.id) if one else None,
            shared=self.rows.shared(position) if position is not None else None,
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
        self.notify(f"{name} needs you" if needs_person else f"Refreshing {name} failed", error.sentence)

    # -- no keyring

    async def _offer_passphrase(self, error: KeyringUnavailable) -> str:
        """Where no keyring works, a passphrase may protect the secrets instead: asked, never silent. Returns
        the sentence that says how it ended."""
        if not self.connections.may_use_passphrase() or not await self.prompts.confirm(
            "No keyring",
            f"{error.sentence}\n\nProtect connmgr's secrets with a passphrase instead?",
            "Use a passphrase",
        ):
            return error.sentence
        first = await self.prompts.passphrase(new=True)
        if first is None or first != await self.prompts.passphrase(new=True):
            return "The passphrases were empty or differed; nothing was changed."
        self.connections.use_passphrase(first)
        return "Secrets will be protected by your passphrase; try again."


async def _until_stopped(dialog: ConnectSession, obtaining: Awaitable[Obtained]) -> Obtained | Stopped:
    """Cancel in the busy Connect dialog stops the attempt, until the tokens are in."""
    result = await dialog.attempt(obtaining)
    return Stopped() if isinstance(result, Failure) else result


def _failure_of(outcome: NotSaved, provider: Provider) -> Failure:
    """How an attempt that saved nothing is said in the Connect dialog: what the person did, plainly."""
    match outcome:
        case AuthorizationFailed():
            said = f"{outcome.error} {outcome.description}"
            return Failure(outcome.sentence, field_named_in(said, provider.template.fields_for(provider.flow)))
        case Failed():
            return Failure(outcome.sentence, outcome.field)
        case Denied() | Cancelled() | AlreadyConnected() | Stopped():
            return Failure(outcome.sentence, by_person=True)
    assert_never(outcome)
