"""httpx's own transport, on a network backend that answers the pool's idle-connection checks with one poll().

Why: whenever a request starts or ends, httpcore's pool asks every idle keep-alive connection whether the server
has closed it ("is_readable"). Through anyio, each such question rebuilds the socket's whole attribute table
(getsockname, getpeername) to find the socket, and with a dozen connections open that was a fifth of a token
refresh's CPU. Even one poll() per connection is a dozen system calls per sweep, each one letting the store's
writer thread take the GIL from the event loop. So the first question of a sweep polls every open connection's
socket at once, and the answers stand until the event loop runs its next callback: the sweep runs without
awaiting, so it sees one snapshot, taken microseconds before the per-connection checks it replaces would have
been. Reading, writing, TLS and timeouts stay anyio's.
"""

from __future__ import annotations

import asyncio
import select
import socket
import ssl
import weakref
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream, backend: PollingBackend) -> None:
        self._inner = inner
        self._backend = backend
        self.socket: socket.socket | None = inner.get_extra_info("socket")

    # The timeout parameters are httpcore's interface (ASYNC109 would have them be asyncio.timeout scopes).
    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,  # noqa: ASYNC109
    ) -> httpcore.AsyncNetworkStream:
        return self._backend.opened(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return self._backend.is_readable(self.socket)
        return self._inner.get_extra_info(info)


class PollingBackend(httpcore.AsyncNetworkBackend):
    """`inner` (httpcore's default), with streams whose idle checks share one poll() per pool sweep."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner
        self._streams: weakref.WeakSet[_Stream] = weakref.WeakSet()
        self._readable: set[int] | None = None  # this callback's snapshot: the descriptors that poll() reported

    def opened(self, inner: httpcore.AsyncNetworkStream) -> _Stream:
        stream = _Stream(inner, self)
        self._streams.add(stream)
        return stream

    def is_readable(self, sock: socket.socket | None) -> bool:
        """httpcore's `is_socket_readable` (data, end of file or an error waiting: an idle connection is dead),
        answered from a snapshot of every open connection, taken at the first question of this callback."""
        if sock is None:
            return False
        fd = sock.fileno()
        if fd == -1:
            return True
        if self._readable is None:
            self._readable = self._poll_all()
            asyncio.get_running_loop().call_soon(self._forget)
        return fd in self._readable

    def _poll_all(self) -> set[int]:
        poller = select.poll()
        for stream in self._streams:
            if stream.socket is not None and stream.socket.fileno() != -1:
                poller.register(stream.socket, select.POLLIN)
        return {fd for fd, _ in poller.poll(0)}

    def _forget(self) -> None:
        self._readable = None

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return self.opened(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return self.opened(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def polling_transport() -> httpx.AsyncHTTPTransport:
    """httpx's default transport (certificates, pool limits, HTTP/1.1), its pool on a `PollingBackend`."""
    transport = httpx.AsyncHTTPTransport()
    # httpx offers no way to pass httpcore's network_backend; tests/engine/test_network.py fails if this stops working.
    pool = transport._pool
    pool._network_backend = PollingBackend(pool._network_backend)
    return transport
