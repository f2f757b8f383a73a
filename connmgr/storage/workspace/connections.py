"""The server connections of one store object: each task takes one for its statement or transaction, so that a
lock held (a transaction left open for a refresh) never keeps another task waiting; idle ones are kept for reuse.
At most `MAX_OPEN` at a time, so that a few windows and command lines stay within a server's connection limit
(PostgreSQL's default is 100): a task beyond waits for one to be given back. psycopg's errors become the store's
typed ones (`reported`)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import TYPE_CHECKING

from connmgr.storage.workspace.errors import WorkspaceFailed, refused
from connmgr.storage.workspace.password import Credentials

if TYPE_CHECKING:
    from typing import TypeAlias

    from psycopg import AsyncConnection
    from psycopg.rows import TupleRow

    Db: TypeAlias = AsyncConnection[TupleRow]

MAX_OPEN = 10
MAX_IDLE = 4


class ServerConnections:
    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self.where = credentials.address.shown
        self.pids: set[int] = set()  # the server processes of this store's connections: its own notifications
        self._idle: list[Db] = []
        self._open: dict[Db, int] = {}  # each with its server process
        self._closed = False
        self._slots = asyncio.Semaphore(MAX_OPEN)

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[Db]:
        """A connection, idle and in autocommit, for the block; kept for the next block if it is still sound."""
        async with self._slots:
            connection = await self._take()
            try:
                with self.reported():
                    yield connection
            finally:
                self._give_back(connection)

    @contextmanager
    def reported(self) -> Iterator[None]:
        """psycopg's failures as the store's typed errors."""
        import psycopg

        try:
            yield
        except psycopg.Error as error:
            if self._closed:
                raise WorkspaceFailed(self.where, "the store is closed") from None
            raise refused(error, self.where, self.credentials.address.parameters.get("host", "")) from None

    def close(self) -> None:
        """Close every connection at once (no round trip): what was in flight fails, uncommitted."""
        self._closed = True
        for connection in self._open:
            connection.pgconn.finish()
        self._open.clear()
        self._idle.clear()
        self.pids.clear()

    async def _take(self) -> Db:

        if self._closed:
            raise WorkspaceFailed(self.where, "the store is closed")
        while self._idle:
            connection = self._idle.pop()
            if _still_open(connection):
                return connection
            self._forget(connection)
        connection = await self.credentials.connect()
        if self._is_closed():  # closed while it connected
            connection.pgconn.finish()
            raise WorkspaceFailed(self.where, "the store is closed")
        self._open[connection] = connection.info.backend_pid
        self.pids.add(self._open[connection])
        return connection

    def _is_closed(self) -> bool:
        return self._closed

    def _give_back(self, connection: Db) -> None:
        from psycopg import pq

        sound = not connection.closed and connection.info.transaction_status == pq.TransactionStatus.IDLE
        if sound and not self._closed and len(self._idle) < MAX_IDLE:
            self._idle.append(connection)
        else:
            self._forget(connection)

    def _forget(self, connection: Db) -> None:
        self.pids.discard(self._open.pop(connection, -1))
        connection.pgconn.finish()


def _still_open(connection: Db) -> bool:
    """Whether an idle connection is still open, as far as can be told without a round trip: a server that ended
    the session (an admin, a restart) said so, then closed it; reading what it already sent tells."""
    import select

    import psycopg
    from psycopg import pq

    if connection.closed or connection.info.transaction_status != pq.TransactionStatus.IDLE:
        return False
    try:
        while select.select([connection.pgconn.socket], [], [], 0)[0]:
            connection.pgconn.consume_input()  # raises at the end of the stream
    except (psycopg.OperationalError, OSError):
        return False
    return connection.pgconn.status == pq.ConnStatus.OK
