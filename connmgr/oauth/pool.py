"""The HTTP client's connection pool: keep-alive connections handed out without scanning the pool.

Why not httpcore's pool: whenever a request starts or ends, it re-examines every connection, and every waiting
request against every connection: about 500 idle checks per token refresh with sixteen in flight. Replacing it
halved the CPU of a refresh (1.3 to 0.6 ms, benchmarks/refresh.py). This pool keeps the idle connections of each
origin in a stack and checks only the one it is about to reuse: keep-alive expired, or closed by the server. A
request beyond `max_connections` waits its turn, first come first served, and is handed a connection (or the room
for one) as one is given back. Connecting, TLS and HTTP/1.1 stay httpcore's.

The pool's books (which connection is idle, how many are open, who waits) change only between awaits, so a
cancelled request can never leave them wrong; closing connections comes after, and runs to its end even then.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from functools import partial

import httpcore
import httpx

Connection = httpcore.AsyncHTTPConnection
# What a waiting request is handed: a connection to its origin, or None: the room to open one.
Grant = Connection | None
_Key = tuple[bytes, bytes, int]  # an origin's scheme, host and port (httpcore's Origin cannot be a dict key)


def _key(origin: httpcore.Origin) -> _Key:
    return origin.scheme, origin.host, origin.port


@dataclass(eq=False)
class _Waiter:
    origin: httpcore.Origin
    grant: asyncio.Future[Grant] = field(default_factory=lambda: asyncio.get_running_loop().create_future())


def on_own_pool(transport: httpx.AsyncHTTPTransport) -> httpx.AsyncHTTPTransport:
    """`transport` (httpx's: certificates, its errors for httpcore's), its pool replaced by a `ConnectionPool`
    with the replaced one's TLS context and limits: the client's settings hold, and the certificates are not
    loaded a second time (20 ms)."""
    # httpx has no parameter for the pool; tests/engine/test_pool.py fails if this stops taking effect.
    replaced = transport._pool
    transport._pool = ConnectionPool(  # type: ignore[assignment]
        replaced._ssl_context,
        max_connections=replaced._max_connections,
        max_idle=replaced._max_keepalive_connections,
        keepalive_expiry=replaced._keepalive_expiry,
    )
    return transport


class ConnectionPool:
    """What httpx's transport asks of httpcore's pool (`handle_async_request`, `aclose`), for HTTP/1.1."""

    def __init__(
        self, ssl_context: ssl.SSLContext | None, *, max_connections: int, max_idle: int, keepalive_expiry: float | None
    ) -> None:
        self._ssl_context = ssl_context
        self._max_connections = max_connections
        self._max_idle = max_idle
        self._keepalive_expiry = keepalive_expiry
        self._idle: dict[_Key, list[Connection]] = {}  # per origin, the most recently used last
        self._idle_since: dict[Connection, _Key] = {}  # every idle connection, idle the longest first
        self._open = 0  # connections counted against max_connections: connecting, busy or idle
        self._waiting: deque[_Waiter] = deque()
        self._closed = False

    async def handle_async_request(self, request: httpcore.Request) -> httpcore.Response:
        if request.url.scheme not in (b"http", b"https"):
            raise httpcore.UnsupportedProtocol(f"{request.url.scheme.decode()!r} is not HTTP")
        origin = request.url.origin
        connection, response = await self._send(origin, request)
        assert isinstance(response.stream, AsyncIterable)  # an async connection's
        body = _GivenBackOnClose(response.stream, partial(self._give_back_and_close, origin, connection))
        return httpcore.Response(
            status=response.status, headers=response.headers, content=body, extensions=response.extensions
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
        await _close(idle)

    async def __aenter__(self) -> ConnectionPool:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def _take(self, origin: httpcore.Origin) -> tuple[Connection | None, list[Connection]]:
        """A connection for a request to `origin` if one is to be had without waiting, and the connections to close
        (found expired, or making room). While requests wait, none is: a connection given back, or its room, goes
        straight to the first of them, so a newcomer cannot jump the queue."""
        if self._closed:
            raise RuntimeError("the HTTP client was closed")
        closing: list[Connection] = []
        while stack := self._idle.get(_key(origin)):
            connection = stack.pop()  # the most recently used: the least likely to have been closed meanwhile
            del self._idle_since[connection]
            if not connection.has_expired():
                return connection, closing
            closing.append(connection)
            self._open -= 1
        if self._open < self._max_connections:
            self._open += 1
            return self._connection(origin), closing
        if self._idle_since:  # full, partly with connections to elsewhere: the one idle the longest makes room
            closing.append(self._pop_longest_idle())
            return self._connection(origin), closing
        return None, closing

    async def _wait(self, origin: httpcore.Origin, timeout: float | None) -> Connection:  # noqa: ASYNC109 -- httpcore's "pool" timeout
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
                raise httpcore.PoolTimeout("no connection became free in time") from None
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
        key = _key(origin)
        self._idle.setdefault(key, []).append(connection)
        self._idle_since[connection] = key
        if len(self._idle_since) <= self._max_idle:
            return []
        self._open -= 1
        return [self._pop_longest_idle()]

    def _pop_longest_idle(self) -> Connection:
        connection, key = next(iter(self._idle_since.items()))
        del self._idle_since[connection]
        self._idle[key].remove(connection)
        return connection

    def _connection(self, origin: httpcore.Origin) -> Connection:
        """A connection not yet made: it connects with its first request."""
        return Connection(
            origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=self._keepalive_expiry,
        )


async def _close(connections: list[Connection]) -> None:
    """Close every one of `connections`, even if the caller is cancelled meanwhile: the pool no longer knows them,
    so one left open would stay open."""
    if connections:
        await asyncio.shield(asyncio.gather(*(connection.aclose() for connection in connections)))


class _GivenBackOnClose:
    """A response body that gives its connection back to the pool once closed (httpx always closes it)."""

    def __init__(self, stream: AsyncIterable[bytes], give_back: Callable[[], Awaitable[None]]) -> None:
        self._stream = stream
        self._give_back = give_back
        self._closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for part in self._stream:
                yield part
        except BaseException:
            await self.aclose()
            raise

    async def aclose(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            await self._stream.aclose()  # type: ignore[attr-defined] # httpcore's streams all have it
        finally:
            await self._give_back()
