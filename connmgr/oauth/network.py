"""httpx's own transport, on a network backend that tells an idle connection's health with one poll().

Why: before each request, httpcore's pool asks every idle keep-alive connection whether the server has closed it
("is_readable"). Through anyio, each such question rebuilds the socket's whole attribute table (getsockname,
getpeername) to find the socket, and with a dozen connections open that was a fifth of a token refresh's CPU.
This backend keeps each connection's socket from when it was opened and polls that, nothing more; reading,
writing, TLS and timeouts stay anyio's.
"""

from __future__ import annotations

import socket
import ssl
from collections.abc import Iterable
from typing import Any

import httpcore
import httpx
from httpcore._utils import is_socket_readable


class _Stream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

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
        return _Stream(await self._inner.start_tls(ssl_context, server_hostname, timeout))

    def get_extra_info(self, info: str) -> Any:
        if info == "is_readable":
            return is_socket_readable(self._socket)
        return self._inner.get_extra_info(info)


class PollingBackend(httpcore.AsyncNetworkBackend):
    """`inner` (httpcore's default), with streams whose idle check is one poll() of the socket."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend) -> None:
        self._inner = inner

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_tcp(host, port, timeout, local_address, socket_options))

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        return _Stream(await self._inner.connect_unix_socket(path, timeout, socket_options))

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


def polling_transport() -> httpx.AsyncHTTPTransport:
    """httpx's default transport (certificates, pool limits, HTTP/1.1), its pool on a `PollingBackend`."""
    transport = httpx.AsyncHTTPTransport()
    # httpx offers no way to pass httpcore's network_backend; tests/engine/test_network.py fails if this stops working.
    pool = transport._pool
    pool._network_backend = PollingBackend(pool._network_backend)
    return transport
