"""Changes made elsewhere, heard through LISTEN/NOTIFY: every write notifies `CHANNEL` with the connection's id
in its transaction (delivered when it commits, not at all if it rolls back). One connection per store object
listens; a notification from another server process than this store object's own asks the store to look again,
and one saying the workspace's key was rotated (`ROTATED`) has it open the new key.
A lost connection is opened again with backoff, and the store looks again once it is (it may have missed some).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Set
from typing import TYPE_CHECKING

from connmgr.domain.errors import ConnmgrError

if TYPE_CHECKING:
    from connmgr.storage.workspace.connections import Db

log = logging.getLogger("connmgr.storage")

CHANNEL = "connmgr_changes"
NOTIFY = f"SELECT pg_notify('{CHANNEL}', %s)"
ROTATED = "key rotated"  # the payload, instead of a connection's id, when a member's removal rotated the key
BACKOFF_S = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)


class ChangeListener:
    """Calls `look_again` (one call at a time, several notifications answered by one) after every commit of
    another process, and after every reconnection."""

    def __init__(
        self,
        connect: Callable[[], Awaitable[Db]],
        look_again: Callable[[], Awaitable[None]],
        own_pids: Set[int],
        reachable: Callable[[bool], None] = lambda _: None,
        rotated: Callable[[], None] = lambda: None,
    ) -> None:
        self._connect = connect
        self._look_again = look_again
        self._own_pids = own_pids
        self._reachable = reachable  # told False when the listening connection is lost, True once it is back
        self._rotated = rotated  # told of a rotation of the workspace's key, whoever made it
        self._wanted = asyncio.Event()
        self._connection: Db | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def start(self) -> None:
        """Listening once this returns (raises the store's typed error if the server refuses)."""
        self._connection = await self._listening()
        self._tasks = [asyncio.create_task(self._hear()), asyncio.create_task(self._answer())]

    def close(self) -> None:
        connection, self._connection = self._connection, None
        for task in self._tasks:
            task.cancel()
        if connection is None:
            return
        hearing = self._tasks[0] if self._tasks else None
        if hearing is None or hearing.done():
            connection.pgconn.finish()  # no round trip: closing happens off the loop's schedule too
        else:  # once its wait for a notification has given the socket back to the loop, not under it
            hearing.add_done_callback(lambda _: connection.pgconn.finish())

    async def _listening(self) -> Db:
        connection = await self._connect()
        await connection.execute(f"LISTEN {CHANNEL}")
        return connection

    async def _hear(self) -> None:
        import psycopg

        failures = 0
        while True:
            try:
                if self._connection is None:
                    self._connection = await self._listening()
                    failures = 0
                    self._wanted.set()  # what was committed while nobody listened
                    self._reachable(True)
                async for notification in self._connection.notifies():
                    if notification.payload == ROTATED:
                        self._rotated()
                    elif notification.pid not in self._own_pids:
                        self._wanted.set()
            except (psycopg.Error, ConnmgrError) as error:
                wait = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                if not failures:
                    self._reachable(False)
                failures += 1
                log.warning(
                    "not hearing the workspace's changes (%s); trying again in %s s", type(error).__name__, wait
                )
                if self._connection is not None:
                    self._connection.pgconn.finish()
                self._connection = None
                await asyncio.sleep(wait)

    async def _answer(self) -> None:
        failures = 0
        while True:
            await self._wanted.wait()
            self._wanted.clear()
            try:
                await self._look_again()
                failures = 0
            except ConnmgrError as error:
                wait = BACKOFF_S[min(failures, len(BACKOFF_S) - 1)]
                failures += 1
                log.warning("cannot look at the workspace's changes (%s); again in %s s", error.sentence, wait)
                await asyncio.sleep(wait)
                self._wanted.set()
