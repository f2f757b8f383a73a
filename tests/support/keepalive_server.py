"""A real HTTP/1.1 keep-alive server on loopback that tells what it saw: connections, requests in the order they
came, which connection served each, and how many connections are open on its side."""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Callable

from tests.support.local_server import LocalServer

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"
# Two bytes of the ten it promises, then the server hangs up.
CUT_SHORT = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 10\r\n\r\n{}"


async def until(condition: Callable[[], bool]) -> None:
    """Wait for `condition`, turn by turn of the loop; a condition that never comes fails in seconds."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0)


class KeepAliveServer(LocalServer):
    """Answers each request and keeps the connection open, unless told to hang up. A request for a path in `held`
    is answered only once `release` is set; one in `cut_short` gets part of its answer, then the connection ends.
    `answer_after` is how many turns of the loop the server lets pass before answering (a callable, so a test can
    vary it)."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        super().__init__(tls)
        self.connections = 0
        self.open = 0  # connections not yet closed, as the server sees them
        self.most_open = 0
        self.closed_by_client = 0
        self.arrived: list[str] = []
        self.served_by: dict[str, int] = {}  # path -> the number of the connection it came on, from 1
        self.held: set[str] = set()
        self.cut_short: set[str] = set()
        self.release = asyncio.Event()
        self.hang_up = False
        self.hung_up = asyncio.Event()
        self.answer_after: Callable[[], int] = lambda: 0

    async def arrival(self, path: str) -> None:
        await until(lambda: path in self.arrived)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        self.open += 1
        self.most_open = max(self.most_open, self.open)
        try:
            await self._answer(self.connections, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, ssl.SSLError):  # the client closed its end
            self.closed_by_client += 1
        finally:
            self.open -= 1

    async def _answer(self, number: int, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            path = head.split(b" ", 2)[1].decode()
            self.arrived.append(path)
            self.served_by[path] = number
            if path in self.held:
                await self.release.wait()
            for _ in range(self.answer_after()):
                await asyncio.sleep(0)
            if path in self.cut_short:
                writer.write(CUT_SHORT)
                await writer.drain()
                return
            writer.write(ANSWER)
            await writer.drain()
            if self.hang_up:
                self.hung_up.set()
                return
