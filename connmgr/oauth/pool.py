"""The transport under connmgr's HTTP client: keep-alive connections handed out without scanning a pool.

Why not httpx's own transport: its pool (httpcore's) re-examines every connection, and every waiting request
against every connection, whenever a request starts or ends, asking the socket of each idle one whether the server
closed it; with sixteen token refreshes in flight, that is more than half of a refresh's CPU (benchmarks/refresh.py
measures connmgr on both). This pool keeps the idle connections of each origin in a stack and checks only the one
it is about to reuse: keep-alive expired, or closed by the server. Connections idle past their keep-alive are
closed oldest first, looking at the oldest alone. A request beyond `max_connections` waits its turn, first come
first served, and is handed a connection (or the room for one) as one is given back.

It is reached only through public interfaces: httpx's `AsyncBaseTransport` above it, httpcore's
`AsyncHTTPConnection` below it (connecting, TLS, HTTP/1.1), at the versions pyproject.toml pins.

The pool's books (which connection is idle, how many are open, who waits) change only between awaits, so a
cancelled request can never leave them wrong; closing connections comes after, and runs to its end even then.
"""

from __future__ import annotations

import asyncio
import contextlib
import ssl
import sys
import time
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from functools import partial

import httpcore
import httpx

Connection = httpcore.AsyncHTTPConnection
# What a waiting request is handed: a connection to its origin, or None: the room to open one.
Grant = Connection | None
_Key = tuple[bytes, bytes, int]  # an origin's scheme, host and port (httpcore's Origin cannot be a dict key)

# The errors of httpcore's connections as the httpx errors callers catch; httpx's own transport maps them alike.
_HTTPX_ERRORS: dict[type[Exception], type[httpx.TransportError]] = {
    httpcore.ConnectTimeout: httpx.ConnectTimeout,
    httpcore.ReadTimeout: httpx.ReadTimeout,
    httpcore.WriteTimeout: httpx.WriteTimeout,
    httpcore.TimeoutException: httpx.TimeoutException,
    httpcore.ConnectError: httpx.ConnectError,
    httpcore.ReadError: httpx.ReadError,
    httpcore.WriteError: httpx.WriteError,
    httpcore.NetworkError: httpx.NetworkError,
    httpcore.UnsupportedProtocol: httpx.UnsupportedProtocol,
    httpcore.LocalProtocolError: httpx.LocalProtocolError,
    httpcore.RemoteProtocolError: httpx.RemoteProtocolError,
    httpcore.ProtocolError: httpx.ProtocolError,
}


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        mapped = next((_HTTPX_ERRORS[kind] for kind in type(exc).__mro__ if kind in _HTTPX_ERRORS), None)
        if mapped is None:
            raise
        raise mapped(str(exc)) from exc


def _key(origin: httpcore.Origin) -> _Key:
    return origin.scheme, origin.host, origin.port


def _unlimited(limit: int | None) -> int:
    return sys.maxsize if limit is None else limit


@dataclass(eq=False)
class _Waiter:
    origin: httpcore.Origin
    grant: asyncio.Future[Grant] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


class PoolTransport(httpx.AsyncBaseTransport):
    """HTTP/1.1 to any origin, over connections kept alive per origin within `limits`, with `ssl_context`'s
    certificates."""

    def __init__(self, ssl_context: ssl.SSLContext, limits: httpx.Limits) -> None:
        self._ssl_context = ssl_context
        self._max_connections = _unlimited(limits.max_connections)
        self._max_idle = min(self._max_connections, _unlimited(limits.max_keepalive_connections))
        self._keepalive_expiry = limits.keepalive_expiry
        self._idle: dict[_Key, list[Connection]] = {}  # per origin, the most recently used last
        # Every idle connection: its origin and since when it is idle, the longest idle first.
        self._idle_since: dict[Connection, tuple[_Key, float]] = {}
        self._open = 0  # connections counted against max_connections: connecting, busy or idle
        self._waiting: deque[_Waiter] = deque()
        self._closed = False

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        if url.scheme not in ("http", "https"):
            raise httpx.UnsupportedProtocol(f"{url.scheme!r} is not HTTP")
        assert isinstance(request.stream, httpx.AsyncByteStream)  # an async client's
        sent = httpcore.Request(
            method=request.method,
            url=httpcore.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        origin = sent.url.origin
        with _as_httpx_errors():
            connection, response = await self._send(origin, sent)
        assert isinstance(response.stream, AsyncIterable)  # an async connection's
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_GivenBackOnClose(response.stream, partial(self._give_back_and_close, origin, connection)),
            extensions=response.extensions,
        )

    async def _send(self, origin: httpcore.Origin, request: httpcore.Request) -> tuple[Connection, httpcore.Response]:
        while True:
            connection, closing = self._take(origin)
            try:
                await _close(closing)
                if connection is None:
                    connection = await self._wait(origin, request.extensions.get("timeout", {}).get("pool"))
                return connection, await connection.handle_async_request(request)
            except BaseException as exc:
                if connection is not None:
                    await self._give_back_and_close(origin, connection)
                # Not available after all (closed between the check and the request): take another.
                if not isinstance(exc, httpcore.ConnectionNotAvailable):
                    raise

    async def aclose(self) -> None:
        self._closed = True
        for waiter in self._waiting:
            if not waiter.grant.done():
                waiter.grant.set_exception(RuntimeError("the HTTP client was closed"))
        self._waiting.clear()
        idle = list(self._idle_since)
        self._idle.clear()
        self._idle_since.clear()
        self._open -= len(idle)
        await _close(idle)

    def _take(self, origin: httpcore.Origin) -> tuple[Connection | None, list[Connection]]:
        """A connection for a request to `origin` if one is to be had without waiting, and the connections to close
        (found expired, or making room). While requests wait, none is: a connection given back, or its room, goes
        straight to the first of them, so a newcomer cannot jump the queue."""
        if self._closed:
            raise RuntimeError("the HTTP client was closed")
        closing = self._expired()
        while stack := self._idle.get(_key(origin)):
            connection = stack.pop()  # the most recently used: the least likely to have been closed meanwhile
            del self._idle_since[connection]
            if not connection.has_expired():
                return connection, closing
            closing.append(connection)
            self._open -= 1
        if self._open >= self._max_connections and self._idle_since:
            closing.append(self._pop_longest_idle())  # full, partly with idle connections elsewhere: make room
        if self._open < self._max_connections:
            self._open += 1
            return self._connection(origin), closing
        return None, closing

    async def _wait(self, origin: httpcore.Origin, timeout: float | None) -> Connection:  # noqa: ASYNC109 -- httpx's "pool" timeout
        waiter = _Waiter(origin)
        self._waiting.append(waiter)
        try:
            async with asyncio.timeout(timeout):
                granted = await waiter.grant
        except BaseException as exc:
            grant = waiter.grant
            if grant.done() and not grant.cancelled() and grant.exception() is None:
                await _close(self._pass_on(grant.result(), origin))  # handed over as it gave up: the next one's
            elif waiter in self._waiting:
                self._waiting.remove(waiter)
            if isinstance(exc, TimeoutError):
                raise httpx.PoolTimeout("no connection became free in time") from None
            raise
        return granted or self._connection(origin)

    async def _give_back_and_close(self, origin: httpcore.Origin, connection: Connection) -> None:
        await _close(self._give_back(origin, connection))

    def _give_back(self, origin: httpcore.Origin, connection: Connection) -> list[Connection]:
        """A request is done with `connection`; the connections to close."""
        if self._closed or connection.is_closed() or not connection.is_idle():
            return [connection, *self._pass_on(None, origin)]
        return self._pass_on(connection, origin)

    def _pass_on(self, grant: Grant, origin: httpcore.Origin) -> list[Connection]:
        """Hand `grant` (a connection to `origin`, or the room for one) to the first waiting request, whatever its
        origin (else a busy origin could keep another waiting for ever); with nobody waiting, the connection is
        kept idle. The connections to close."""
        waiter = self._next_waiter()
        if waiter is None:
            if grant is None:
                self._open -= 1
                return []
            return self._keep_idle(origin, grant)
        self._waiting.remove(waiter)
        closing = []
        if grant is not None and waiter.origin != origin:
            closing.append(grant)  # it leads elsewhere: its room is what the waiter gets
            grant = None
        waiter.grant.set_result(grant)
        return closing

    def _next_waiter(self) -> _Waiter | None:
        """The first request still waiting (one cancelled stays in the queue until its task runs)."""
        return next((w for w in self._waiting if not w.grant.done()), None)

    def _keep_idle(self, origin: httpcore.Origin, connection: Connection) -> list[Connection]:
        closing = self._expired()
        key = _key(origin)
        self._idle.setdefault(key, []).append(connection)
        self._idle_since[connection] = key, time.monotonic()
        if len(self._idle_since) > self._max_idle:
            closing.append(self._pop_longest_idle())
        return closing

    def _expired(self) -> list[Connection]:
        """The idle connections past their keep-alive, taken off the books; the longest idle first, so that only
        they and one more are looked at."""
        if self._keepalive_expiry is None:
            return []
        expired = []
        now = time.monotonic()
        while self._idle_since and next(iter(self._idle_since.values()))[1] + self._keepalive_expiry < now:
            expired.append(self._pop_longest_idle())
        return expired

    def _pop_longest_idle(self) -> Connection:
        connection, (key, _) = next(iter(self._idle_since.items()))
        del self._idle_since[connection]
        self._idle[key].remove(connection)
        self._open -= 1
        return connection

    def _connection(self, origin: httpcore.Origin) -> Connection:
        """A connection not yet made: it connects with its first request."""
        return Connection(origin, ssl_context=self._ssl_context, keepalive_expiry=self._keepalive_expiry)


async def _close(connections: list[Connection]) -> None:
    """Close every one of `connections`, even if the caller is cancelled meanwhile: the pool no longer knows them,
    so one left open would stay open."""
    if connections:
        await asyncio.shield(asyncio.gather(*(connection.aclose() for connection in connections)))


class _GivenBackOnClose(httpx.AsyncByteStream):
    """A response body that gives its connection back to the pool once closed: httpx closes every response,
    read to its end or not, failed or not."""

    def __init__(self, stream: AsyncIterable[bytes], give_back: Callable[[], Awaitable[None]]) -> None:
        self._stream = stream
        self._give_back = give_back
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for part in self._stream:
                yield part

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            with _as_httpx_errors():
                await self._stream.aclose()  # type: ignore[attr-defined] # httpcore's streams all have it
        finally:
            await self._give_back()
