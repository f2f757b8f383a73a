"""The workspace's connections in the table beside this home's, each marked with its workspace and the member who
connected it: listed once the window is up (its first paint shows this home's alone, and never waits on the
network), then kept as the store's changes are heard, this machine's and every other's."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

from PySide6.QtCore import QObject

from connmgr.domain.errors import ConnmgrError
from connmgr.domain.sharing import Shared
from connmgr.listing import ConnectionRows
from connmgr.services.history import connected_by
from connmgr.storage.both import HomeAndWorkspace, Side
from connmgr.storage.interface import Change

log = logging.getLogger("connmgr.gui")


class SharedRows(QObject):
    def __init__(
        self,
        rows: ConnectionRows,
        store: HomeAndWorkspace,
        workspace_name: Callable[[], Awaitable[str]],
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._rows = rows
        self._store = store
        self._workspace_name = workspace_name
        self.name = store.where  # until the workspace says its own
        self._connected_by: dict[str, str] = {}  # connection id -> member, as the workspace's audit log says
        self._asking: set[str] = set()  # ids whose member is being read
        self.tasks: set[asyncio.Task[None]] = set()
        store.subscribe(self._on_change)  # after the controller's listener: the row is listed when this hears it

    def start(self) -> None:
        self._start(self.load(), "list the workspace's connections")

    async def load(self) -> None:
        """List both sides: the shared rows joined to the table, marked; said in the table's status if offline."""
        self.name = await self._workspace_name()
        listed = await self._store.list_connections()
        if self._store.unlisted is not None:
            raise self._store.unlisted
        shared = [c for c in listed if self._store.side_of(c.id) is Side.WORKSPACE]
        self._connected_by = await connected_by(self._store)
        for connection in shared:
            self._rows.set_shared(connection.id, self._mark(connection.id))
            self._rows.upsert(connection)

    def _mark(self, connection_id: str) -> Shared:
        return Shared(self.name, self._connected_by.get(connection_id))

    def _on_change(self, change: Change) -> None:
        after = change.after
        if after is None:
            return
        if self._store.side_of(after.id) is not Side.WORKSPACE:
            self._rows.set_shared(after.id, None)  # unshared, or this home's all along
            return
        self._rows.set_shared(after.id, self._mark(after.id))
        if after.id not in self._connected_by and after.id not in self._asking:
            self._start(self._ask_connected_by(after.id), "read who connected a shared connection")

    async def _ask_connected_by(self, connection_id: str) -> None:
        self._asking.add(connection_id)
        try:
            self._connected_by |= await connected_by(self._store, connection_id)
        finally:
            self._asking.discard(connection_id)
        if self._store.side_of(connection_id) is Side.WORKSPACE:
            self._rows.set_shared(connection_id, self._mark(connection_id))

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
