"""The workspace's connections in the table beside this home's, each marked with its workspace and the member who
connected it: listed once the window is up (its first paint shows this home's alone, and never waits on the
network), then kept as the store's changes are heard, this machine's and every other's.

While the workspace cannot be reached (at start, or once the connection its changes are heard on is lost), the
shared rows stay listed as last known, marked offline (the table says "Workspace offline" and their actions are
disabled); what was last known is kept in the home (`last_known`, metadata only) for a start while it is offline.
The workspace is asked again with backoff, and the rows come back live once it answers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject, Signal

from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.sharing import LastKnown, Shared
from connmgr.listing import ConnectionRows
from connmgr.services.history import connected_by
from connmgr.storage.both import HomeAndWorkspace, Side
from connmgr.storage.interface import Change

log = logging.getLogger("connmgr.gui")

BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)  # between tries while the workspace cannot be reached
OFFLINE = "The workspace is offline: its connections show what was last known, and come back when it answers."


class LastKnownFile:
    """Where the last-known listing is kept (`storage.workspace.last_known`), handed in by start-up."""

    def __init__(self, load: Callable[[], LastKnown | None], save: Callable[[LastKnown], None]) -> None:
        self.load = load
        self.save = save


class SharedRows(QObject):
    online_changed = Signal(bool)

    def __init__(
        self,
        rows: ConnectionRows,
        store: HomeAndWorkspace,
        workspace_name: Callable[[], Awaitable[str]],
        last_known: LastKnownFile,
        tell: Callable[[str], None],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._rows = rows
        self._store = store
        self._workspace_name = workspace_name
        self._last_known = last_known
        self._tell = tell  # a sentence for the person (the status bar and the notifications)
        self.name = store.where  # until the workspace says its own
        self.online: bool | None = None  # None: not asked yet
        self._connected_by: dict[str, str] = {}  # connection id -> member, as the workspace's audit log says
        self._asking: set[str] = set()  # ids whose member is being read
        self._lost = asyncio.Event()
        self.tasks: set[asyncio.Task[None]] = set()
        store.subscribe(self._on_change)  # after the controller's listener: the row is listed when this hears it

    def start(self) -> None:
        self._start(self._keep_listed(), "list the workspace's connections")

    def on_reachable(self, reachable: bool) -> None:
        """The workspace's store lost (or found again) the connection its changes are heard on."""
        if not reachable:
            self._lost.set()

    # -- listed live, or as last known

    async def _keep_listed(self) -> None:
        failures = 0
        while True:
            self._lost.clear()
            try:
                await self._list_live()
            except ConnmgrError as error:
                if failures == 0:
                    log.warning("the workspace cannot be reached: %s", error.sentence)
                    self._go_offline()
                await asyncio.sleep(BACKOFF_S[min(failures, len(BACKOFF_S) - 1)])
                failures += 1
                continue
            failures = 0
            await self._lost.wait()

    async def _list_live(self) -> None:
        listed = await self._store.workspace_listing()
        self.name = await self._workspace_name()
        self._connected_by = await connected_by(self._store)
        for gone in {c.id for c in self._shared_rows()} - {c.id for c in listed}:  # removed while not heard
            position = self._rows.position_of_id(gone)
            if position is not None:
                self._rows.remove(self._rows.connection(position).name)
        for connection in listed:
            self._rows.set_shared(connection.id, self._mark(connection.id))
            self._rows.upsert(connection)
        known = LastKnown(self.name, tuple(listed), dict(self._connected_by))
        try:
            await asyncio.to_thread(self._last_known.save, known)
        except OSError as error:  # the rows are live all the same; only a start while offline lacks them
            log.warning("could not keep the workspace's listing in the home: %s", error.strerror)
        if self.online is False:
            self._tell(f"The workspace {self.name} is online again.")
        self._set_online(True)

    def _go_offline(self) -> None:
        shared = self._shared_rows()
        if not shared and self.online is None:  # at start: what was last known, if it can be believed
            try:
                known = self._last_known.load()
            except ConnmgrError as error:
                self._tell(error.sentence)
                known = None
            if known is not None:
                self.name, self._connected_by = known.workspace, dict(known.connected_by)
                shared = [c for c in known.connections if self._free(c)]
                for connection in shared:
                    self._rows.set_shared(connection.id, self._mark(connection.id))
                    self._rows.upsert(connection)
        for connection in shared:
            self._rows.set_shared(connection.id, self._mark(connection.id, offline=True))
        self._tell(OFFLINE)
        self._set_online(False)

    def _free(self, connection: Connection) -> bool:
        """Whether a last-known connection can be listed: no row of this home's has its id or name."""
        return self._rows.position_of_id(connection.id) is None and self._rows.position_of(connection.name) is None

    def _set_online(self, online: bool) -> None:
        if online is not self.online:
            self.online = online
            self.online_changed.emit(online)

    # -- changes heard

    def _on_change(self, change: Change) -> None:
        after = change.after
        if after is None:
            return
        if self._store.side_of(after) is not Side.WORKSPACE:
            self._rows.set_shared(after.id, None)  # unshared, or this home's all along
            return
        self._rows.set_shared(after.id, self._mark(after.id))
        if after.id not in self._connected_by and after.id not in self._asking:
            self._start(self._ask_connected_by(after), "read who connected a shared connection")

    async def _ask_connected_by(self, connection: Connection) -> None:
        self._asking.add(connection.id)
        try:
            self._connected_by |= await connected_by(self._store, connection.id)
        finally:
            self._asking.discard(connection.id)
        if self._store.side_of(connection) is Side.WORKSPACE:
            self._rows.set_shared(connection.id, self._mark(connection.id))

    # -- helpers

    def _mark(self, connection_id: str, *, offline: bool = False) -> Shared:
        return Shared(self.name, self._connected_by.get(connection_id), offline=offline)

    def _shared_rows(self) -> list[Connection]:
        rows = self._rows
        return [rows.connection(p) for p in range(len(rows)) if rows.shared(p) is not None]

    def _start(self, work: Awaitable[None], what: str) -> None:
        task = asyncio.ensure_future(self._logged(work, what))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    @staticmethod
    async def _logged(work: Awaitable[None], what: str) -> None:
        try:
            await work
        except ConnmgrError as error:
            log.warning("could not %s: %s", what, error.sentence)
