"""What the Workspace menu does, each a coroutine on the qasync loop run by the controller (a failure ends as one
sentence): the status; approving a device once the admin compared its fingerprint with what its person reads
out; removing a member, which rotates the key, then naming what they could have copied; sharing or unsharing the
selected connection in one step."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from html import escape
from typing import Any

from PySide6.QtCore import QObject

from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConnmgrError
from connmgr.gui.controller import Controller
from connmgr.gui.shared_rows import SharedRows
from connmgr.gui.workspace_status import WorkspaceStatusDialog
from connmgr.services.workspace import Trust, WorkspaceMembers
from connmgr.storage.both import HomeAndWorkspace, Side
from connmgr.storage.members.publickeys import fingerprint


class WorkspaceController(QObject):
    def __init__(
        self,
        controller: Controller,
        store: HomeAndWorkspace,
        members: WorkspaceMembers,
        shared_rows: SharedRows,
        *,
        member: str,
        trust: Callable[[], Trust],
        record: Callable[[str, int], None],
    ) -> None:
        """`member`: this device's member name; `trust`: what this device trusts now; `record(workspace id,
        generation)`: keep a newer key generation opened here (see `connmgr.team`)."""
        super().__init__(controller)
        self._controller = controller
        self._window = controller.window
        self._prompts = controller.prompts
        self._store = store
        self._members = members
        self._shared_rows = shared_rows
        self._member = member
        self._trust = trust
        self._record = record
        actions = self._window.workspace_actions
        actions["status"].triggered.connect(lambda: controller.start(self.show_status()))
        actions["approve"].triggered.connect(lambda: controller.start(self.approve()))
        actions["remove"].triggered.connect(lambda: controller.start(self.remove()))
        actions["share"].triggered.connect(lambda: self._on_selected(self.share))
        actions["unshare"].triggered.connect(lambda: self._on_selected(self.unshare))
        self._admin: bool | None = None  # this device's role, once the workspace said it
        self._window.selection_changed.connect(self._update)
        shared_rows.online_changed.connect(self._on_online_changed)
        self._update()

    def _on_online_changed(self, online: bool) -> None:
        if online and self._admin is None:
            self._controller.start(self._learn_role())
        self._update()

    async def _learn_role(self) -> None:
        self._admin = any(m.this_device and m.admin for m in await self._members.status())
        self._update()

    def _on_selected(self, action: Callable[[Connection], Coroutine[Any, Any, None]]) -> None:
        selected = self._window.selected_connections()
        if len(selected) == 1:
            self._controller.start(action(selected[0]), about=selected[0].name)

    def _update(self, *_: object) -> None:
        selected = self._window.selected_connections()
        one = selected[0] if len(selected) == 1 else None
        shared = one is not None and self._store.side_of(one) is Side.WORKSPACE
        self._window.workspace_actions.update_for(
            joined=True,
            online=self._shared_rows.online is True,
            admin=self._admin is not False,
            selected_private=one is not None and not shared,
            selected_shared=shared,
        )

    @property
    def _name(self) -> str:
        return self._shared_rows.name

    async def show_status(self) -> None:
        try:
            listed, reason = await self._members.status(), None
        except ConnmgrError as error:
            listed, reason = [], error.sentence
        device = (self._member, self._members.device.fingerprint)
        title = f"Workspace {self._name} at {self._store.where}"
        WorkspaceStatusDialog(title, device, listed, reason, self._window).show()

    async def approve(self) -> None:
        waiting = [m.name for m in await self._members.status() if not m.approved]
        if not waiting:
            await self._prompts.inform("Approve member", f"No one is waiting to join the workspace {self._name}.")
            return
        name = waiting[0] if len(waiting) == 1 else await self._prompts.choose("Approve member", "Approve:", waiting)
        if name is None:
            return
        record = await self._members.requester(name)
        shown = fingerprint(record.public_key)
        who, workspace = escape(name), escape(self._name)  # from the database
        if not await self._prompts.confirm(
            "Approve member",
            f"<p>{who} asks to join the workspace {workspace}. Their device's fingerprint is:</p>"
            f"<p style='font-size: large'><b><tt>{shown}</tt></b></p>"
            f"<p>Ask {who} to read out the fingerprint their device shows (connmgr workspace join prints it), by"
            " voice or in a chat you trust. Approve only if the two are the same: if they differ, someone may stand"
            " between the two devices.</p>",
            "They are the same: approve",
            rich=True,
        ):
            self._controller.tell(f"{name} was not approved; nothing was changed.")
            return
        await self._members.approve(record, self._trust())
        self._controller.tell(f"Approved {name}.")
        await self._prompts.inform(
            "Approved",
            f"Approved {name}. When {name} runs connmgr workspace join again, their device shows this device's"
            f" fingerprint to compare:\n\n{self._members.device.fingerprint}",
        )

    async def remove(self) -> None:
        others = [m.name for m in await self._members.status() if not m.this_device]
        if not others:
            await self._prompts.inform("Remove member", f"The workspace {self._name} has no other member.")
            return
        name = await self._prompts.choose("Remove member", "Remove:", others)
        if name is None or not await self._prompts.confirm(
            "Remove member",
            f"Remove {name} from the workspace {self._name}? A new workspace key is made and every shared secret"
            f" sealed again under it, so {name}'s device opens nothing afterwards.",
            "Remove",
        ):
            return
        removal = await self._members.remove(name, self._trust())
        self._record((await self._members.info()).id, removal.generation)
        self._controller.tell(f"Removed {name}; every shared secret is sealed under a new key.")
        said = [f"Removed {name}; every shared secret is sealed under a new key."]
        if removal.exposed:
            said.append(
                f"{name} could have copied the secrets of: {', '.join(removal.exposed)}. Reconnect them (a new"
                " sign-in, a new client secret) to end what may have been copied."
            )
        if removal.dropped:
            said.append(f"These did not open and need a new sign-in: {', '.join(removal.dropped)}.")
        await self._prompts.inform("Member removed", "\n\n".join(said), warning=bool(removal.exposed))

    async def share(self, connection: Connection) -> None:
        await self._store.move(connection.name, Side.WORKSPACE)
        self._controller.tell(f"Shared {connection.name} with the workspace {self._name}; no copy is kept here.")

    async def unshare(self, connection: Connection) -> None:
        await self._store.move(connection.name, Side.HOME)
        self._controller.tell(f"Moved {connection.name} out of the workspace; it is kept in this home only.")
