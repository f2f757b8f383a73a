"""A relay in front of the tests' PostgreSQL server (unix socket to unix socket) that can strike at the moment a
session's COMMIT passes: before the server has it, just after it was sent on, or once the server has answered
it (committed) but before the client hears. What strikes is the test's own fault: the server killed, the session
terminated. The client then sees the connection drop, as it would if the server's machine had failed then."""

from __future__ import annotations

import asyncio
import contextlib
import enum
import shutil
import struct
import tempfile
from collections.abc import Callable
from pathlib import Path

from tests.support.postgres_server import PostgresServer

_COMMIT = b"Q" + struct.pack("!i", 4 + len(b"COMMIT\0")) + b"COMMIT\0"  # the simple query psycopg commits with
_READY = b"Z"  # ReadyForQuery: the server's answer to a query is complete


class CommitMoment(enum.Enum):
    BEFORE = "before the COMMIT reaches the server"
    SENT = "right after the COMMIT was sent on"
    ANSWERED = "after the server committed, before the client hears"


class PostgresProxy:
    def __init__(self, server: PostgresServer) -> None:
        self._server = server
        self.socket_dir = Path(tempfile.mkdtemp(prefix="connmgr-pg-proxy-"))
        self._armed: tuple[CommitMoment, Callable[[], None]] | None = None
        self._listening: asyncio.Server | None = None
        self._relays: set[asyncio.Task[None]] = set()
        self._writers: set[asyncio.StreamWriter] = set()
        self.struck = 0  # faults struck so far
        self.errors: list[BaseException] = []  # faults that failed (a test's own mistake)

    def uri(self, database: str) -> str:
        return self._server.uri(database).replace(f"host={self._server.socket_dir}", f"host={self.socket_dir}")

    async def start(self) -> None:
        path = self.socket_dir / f".s.PGSQL.{self._server.port}"
        self._listening = await asyncio.start_unix_server(self._relay, path=str(path))

    async def close(self) -> None:
        """Stop listening and cut every session, then wait for their relays to end."""
        if self._listening is not None:
            self._listening.close()
        for writer in self._writers:
            writer.close()
        await asyncio.gather(*self._relays)
        shutil.rmtree(self.socket_dir, ignore_errors=True)

    def strike_at_next_commit(self, moment: CommitMoment, fault: Callable[[], None]) -> None:
        """Call `fault` at `moment` of the next COMMIT any session sends, then cut that session."""
        self._armed = (moment, fault)

    def disarm(self) -> None:
        self._armed = None

    async def _relay(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        path = self._server.socket_dir / f".s.PGSQL.{self._server.port}"
        try:
            server_in, server_out = await asyncio.open_unix_connection(str(path))
        except OSError:
            client_out.close()
            return
        relay = asyncio.current_task()
        assert relay is not None
        self._relays.add(relay)
        self._writers |= {client_out, server_out}
        held: asyncio.Future[Callable[[], None]] = asyncio.get_running_loop().create_future()
        upward = asyncio.ensure_future(self._upward(client_in, server_out, held))
        downward = asyncio.ensure_future(self._downward(server_in, client_out, held))
        await asyncio.wait((upward, downward), return_when=asyncio.FIRST_COMPLETED)
        for pump in (upward, downward):
            pump.cancel()
            with contextlib.suppress(asyncio.CancelledError, asyncio.IncompleteReadError, OSError):
                await pump  # one side hung up: the relay ends
        for writer in (client_out, server_out):
            writer.close()
            self._writers.discard(writer)
        self._relays.discard(relay)

    async def _upward(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, held: asyncio.Future[Callable[[], None]]
    ) -> None:
        """Client to server, message by message (the first, the startup message, has no type byte)."""
        (length,) = struct.unpack("!i", await reader.readexactly(4))
        writer.write(struct.pack("!i", length) + await reader.readexactly(length - 4))
        while True:
            head = await reader.readexactly(5)
            message = head + await reader.readexactly(struct.unpack("!i", head[1:])[0] - 4)
            armed = self._armed if message == _COMMIT else None
            if armed is None:
                writer.write(message)
                continue
            self._armed = None
            moment, fault = armed
            if moment is CommitMoment.BEFORE:
                self._strike(fault)
                return
            writer.write(message)
            await writer.drain()
            if moment is CommitMoment.SENT:
                self._strike(fault)
                return
            held.set_result(fault)  # the answer is held back, and the fault struck, once it is complete

    async def _downward(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, held: asyncio.Future[Callable[[], None]]
    ) -> None:
        """Server to client, message by message, so that an answer can be held back whole."""
        while True:
            head = await reader.readexactly(5)
            message = head + await reader.readexactly(struct.unpack("!i", head[1:])[0] - 4)
            if not held.done():
                writer.write(message)
                await writer.drain()
            elif message[:1] == _READY:  # the COMMIT's whole answer came, none of it passed on
                self._strike(held.result())
                return

    def _strike(self, fault: Callable[[], None]) -> None:
        self.struck += 1
        try:
            fault()
        except Exception as error:  # told to the test; the session is cut all the same
            self.errors.append(error)
