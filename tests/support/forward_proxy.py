"""A real HTTP proxy on loopback that counts what passes through it: plain requests it forwards (the absolute form,
RFC 9112 §3.2.2) and CONNECT tunnels (RFC 9110 §9.3.6), through which it relays bytes it cannot read."""

from __future__ import annotations

import asyncio
import contextlib
from urllib.parse import urlsplit

from tests.support.local_server import LocalServer


class ForwardProxy(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.forwarded: list[str] = []  # the absolute URL of every request forwarded
        self.tunnels: list[str] = []  # the host:port of every tunnel opened

    @property
    def passed(self) -> int:
        return len(self.forwarded) + len(self.tunnels)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while head := await reader.readuntil(b"\r\n\r\n"):
                method, target, rest = head.split(b" ", 2)
                if method == b"CONNECT":
                    await self._tunnel(target.decode(), reader, writer)
                    return
                await self._forward(method, target.decode(), rest, reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):
            pass

    async def _forward(
        self, method: bytes, target: str, rest: bytes, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        """Send the request on to its origin in the origin form, on a connection of its own, and relay the answer
        (which the test servers always give with a Content-Length)."""
        self.forwarded.append(target)
        url = urlsplit(target)
        body = await reader.readexactly(_content_length(rest))
        upstream_reader, upstream_writer = await asyncio.open_connection(url.hostname, url.port)
        try:
            path = (url.path or "/") + (f"?{url.query}" if url.query else "")
            upstream_writer.write(method + b" " + path.encode() + b" " + rest + body)
            answer_head = await upstream_reader.readuntil(b"\r\n\r\n")
            answer_body = await upstream_reader.readexactly(_content_length(answer_head))
            writer.write(answer_head + answer_body)
            await writer.drain()
        finally:
            upstream_writer.close()

    async def _tunnel(self, target: str, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.tunnels.append(target)
        host, port = target.rsplit(":", 1)
        upstream_reader, upstream_writer = await asyncio.open_connection(host, int(port))
        writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
        await writer.drain()
        try:
            await asyncio.gather(_pipe(reader, upstream_writer), _pipe(upstream_reader, writer))
        finally:
            upstream_writer.close()


def _content_length(head: bytes) -> int:
    for line in head.split(b"\r\n"):
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    with contextlib.suppress(ConnectionError):
        while data := await source.read(65536):
            sink.write(data)
            await sink.drain()
    with contextlib.suppress(OSError):
        sink.write_eof()  # the other side may hang up in turn
