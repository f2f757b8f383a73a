"""Sign-in in the person's own browser, back through a one-shot listener on 127.0.0.1 (RFC 8252 §7.3).

Some vendors refuse embedded web views (Google: `403 disallowed_useragent`), and
RFC 8252 §8.12 prefers the system browser anyway. The browser is sent to the
authorize URL with a loopback redirect URI; the first GET to that URI carrying
this sign-in's state is the result.

The listener binds the IPv4 literal, never all interfaces. A configured
`localhost` redirect URI, which RFC 8252 §8.3 advises against, is kept (a
vendor comparing exactly needs what was registered) but served on 127.0.0.1
and ::1 alike, on one port: the browser may resolve `localhost` to either, and
whoever held the other would get the code. If either is taken, another port is
used (§7.3: a vendor must accept any port). Where the machine has no IPv6
loopback, nobody can listen on ::1, so 127.0.0.1 alone is safe.

Any web page the person visits can make the browser send requests here, so the
parser is small and strict, only a request naming this listener in its `Host`
counts (a DNS-rebinding page names its own host), one with another state is
refused without ending the sign-in, and idle connections are capped.
"""

from __future__ import annotations

import asyncio
import errno
import html
import logging
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from types import TracebackType
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from connmgr.domain.callback import carries_state, is_redirect_uri
from connmgr.domain.durations import in_words
from connmgr.domain.errors import ConfigError, ConnmgrError
from connmgr.domain.provider import Provider
from connmgr.services.connecting import Begin, Browsed, Redirected

log = logging.getLogger("connmgr.services")

LISTEN_HOST = "127.0.0.1"
IPV6_LOOPBACK = "::1"
SIGN_IN_TIMEOUT_S = 600.0  # as the embedded window: time to find a password, yet a forgotten sign-in ends
CONNECTION_TIMEOUT_S = 10.0  # per connection: browsers open spare connections and may never use them
MAX_HEAD_BYTES = 64 * 1024  # cookies for 127.0.0.1 are shared by every local port, so allow some
MAX_HEADERS = 100
# Open connections at once: a browser opens a few (preconnects, a favicon); past this the oldest idle one goes.
MAX_CONNECTIONS = 16
_FREE_PORT_TRIES = 5  # a free IPv4 port may be taken on ::1
_TOKEN = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # a header name (RFC 9110 §5.1)


class BrowserSignInError(ConnmgrError):
    """The sign-in in the system browser could not start, or did not come back."""


@dataclass(frozen=True)
class LoopbackAddress:
    """Where the listener answers: `http://<host>:<port><path>?<query>`; port 0 takes any free port."""

    host: str = LISTEN_HOST
    port: int = 0
    path: str = "/callback"
    query: str = ""  # a registered query comes back with the result (VaultRE allows one)

    def redirect_uri(self, port: int) -> str:
        return urlunsplit(("http", f"{self.host}:{port}", self.path, self.query, ""))


def loopback_address(configured: str) -> LoopbackAddress:
    """The listener's address for a connection whose configured redirect URI is `configured`.

    A loopback `http` URI keeps its host name, path, query and port, so the redirect matches what is registered
    with the vendor (a vendor that compares exactly needs `localhost` if that is what was registered). Anything
    else, such as an app's `https` URI, gets `http://127.0.0.1:<any port>/callback`.
    """
    try:
        parts = urlsplit(configured)
        port = parts.port or 0
    except ValueError:
        return LoopbackAddress()
    if parts.scheme.lower() != "http" or parts.hostname not in (LISTEN_HOST, "localhost") or parts.fragment:
        return LoopbackAddress()
    return LoopbackAddress(parts.hostname, port, parts.path or "/", parts.query)


class _BadRequest(Exception):
    pass


@dataclass(frozen=True)
class _Request:
    method: str
    target: str  # origin-form: /path?query
    host: str


async def _read_request(reader: asyncio.StreamReader) -> _Request:
    """The request line and the one Host header; anything unusual is a bad request. A body is never read."""
    head = await reader.readuntil(b"\r\n\r\n")  # the reader's limit caps it at MAX_HEAD_BYTES
    request_line, *header_lines = head[:-4].decode("latin-1").split("\r\n")  # raw UTF-8 in a cookie must not fail
    method, _, rest = request_line.partition(" ")
    target, _, version = rest.partition(" ")
    if (
        not _TOKEN.fullmatch(method)
        or version not in ("HTTP/1.0", "HTTP/1.1")
        or not target.startswith("/")
        or not (target.isascii() and target.isprintable() and " " not in target)
        or len(header_lines) > MAX_HEADERS
    ):
        raise _BadRequest
    hosts = []
    for line in header_lines:
        name, colon, value = line.partition(":")
        if not colon or not _TOKEN.fullmatch(name):  # also refuses obsolete line folding
            raise _BadRequest
        if name.lower() == "host":
            hosts.append(value.strip(" \t").lower())
    if len(hosts) != 1:
        raise _BadRequest
    return _Request(method, target, hosts[0])


_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font: 16px/1.5 system-ui, sans-serif; max-width: 34em; margin: 4em auto; padding: 0 1em }}</style>
</head><body><h1>{title}</h1><p>{text}</p></body></html>
"""
_HEADERS = (
    "Content-Type: text/html; charset=utf-8",
    "Cache-Control: no-store",  # the page answers a URL that carried a code
    "Referrer-Policy: no-referrer",
    "Content-Security-Policy: default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options: nosniff",
    "Connection: close",
)


def _page(title: str, text: str) -> str:
    return _PAGE.format(title=html.escape(title), text=html.escape(text))


async def _respond(writer: asyncio.StreamWriter, status: HTTPStatus, page: str) -> None:
    body = page.encode("utf-8")
    allow = ("Allow: GET",) if status is HTTPStatus.METHOD_NOT_ALLOWED else ()
    lines = (f"HTTP/1.1 {status.value} {status.phrase}", *_HEADERS, *allow, f"Content-Length: {len(body)}")
    writer.write(("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body)
    await writer.drain()


@dataclass(eq=False)
class _Connection:
    writer: asyncio.StreamWriter
    requested: bool = False  # its request has arrived: it is being answered, never dropped
    dropped: bool = False  # closed to make room; its task ends on its own

    def drop(self) -> None:
        self.dropped = True
        self.writer.close()


def _ipv6_loopback_socket(port: int) -> socket.socket | None:
    """A listening socket on [::1]:`port`; None when this machine has no IPv6 loopback, where nobody can listen."""
    if not socket.has_ipv6:
        return None
    try:
        return socket.create_server((IPV6_LOOPBACK, port), family=socket.AF_INET6)
    except OSError as exc:
        if exc.errno in (errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL):
            return None
        raise


class LoopbackListener:
    """A one-shot HTTP listener for the redirect back from the vendor.

    Use as `async with LoopbackListener(provider) as listener:`, build an authorize request with
    `listener.redirect_uri`, `listener.expect(its state)`, send the browser there, then `await listener.wait(timeout)`.
    """

    def __init__(self, provider: Provider) -> None:
        self.vendor = provider.vendor
        self._spec = provider.template.callback
        self._address = loopback_address(provider.value("redirect_uri"))
        self._servers: list[asyncio.Server] = []
        self._result: asyncio.Future[str] | None = None
        self._state: str | None = None  # until `expect` names it, no request can be this sign-in's
        self._connections: dict[asyncio.Task[object], _Connection] = {}  # oldest first
        self._port = 0
        self._authority = ""

    async def start(self) -> None:
        self._result = asyncio.get_running_loop().create_future()
        try:
            self._servers = await self._bind()
        except OSError:
            raise BrowserSignInError(
                self.vendor, f"connmgr could not listen on {self._address.host} for the browser sign-in", "try again"
            ) from None
        self._port = self._servers[0].sockets[0].getsockname()[1]
        self._authority = f"{self._address.host}:{self._port}"
        log.info("waiting for the browser sign-in on %s", self.redirect_uri)

    async def _bind(self) -> list[asyncio.Server]:
        if self._address.port:
            try:
                return await self._listen(self._address.port)
            except OSError:
                # Taken: a native client's loopback redirect URI matches any port (RFC 8252 §7.3), so go on.
                log.info("port %d is taken; listening on another one", self._address.port)
        for _ in range(_FREE_PORT_TRIES - 1):
            try:
                return await self._listen(0)
            except OSError as exc:
                if exc.errno != errno.EADDRINUSE:
                    raise
        return await self._listen(0)

    async def _listen(self, port: int) -> list[asyncio.Server]:
        """Listen on `port` of every address the redirect URI's host may mean (port 0: any free one)."""
        # With SO_REUSEADDR (not on Windows, where it shares the port): a port left in TIME_WAIT is free again.
        sockets = [socket.create_server((LISTEN_HOST, port))]
        try:
            if self._address.host == "localhost":
                ipv6 = _ipv6_loopback_socket(sockets[0].getsockname()[1])
                sockets += [ipv6] if ipv6 is not None else []
            return [await asyncio.start_server(self._serve, sock=sock, limit=MAX_HEAD_BYTES) for sock in sockets]
        except BaseException:
            for sock in sockets:
                sock.close()
            raise

    @property
    def port(self) -> int:
        if not self._port:
            raise RuntimeError("the listener has not been started")
        return self._port

    @property
    def redirect_uri(self) -> str:
        return self._address.redirect_uri(self.port)

    def expect(self, state: str) -> None:
        """Count only a request carrying `state`, the authorize request's: any web page can send one here."""
        self._state = state

    async def wait(self, timeout: float) -> str:  # noqa: ASYNC109 -- the deadline is named in the error sentence
        """The callback URL as the browser requested it; the listener is closed afterwards, whatever happens."""
        if self._result is None:
            raise RuntimeError("the listener has not been started")
        try:
            async with asyncio.timeout(timeout):
                return await self._result
        except TimeoutError:
            raise BrowserSignInError(
                self.vendor, f"the browser sign-in did not come back within {in_words(timeout)}", "try again"
            ) from None
        finally:
            await self.close()

    async def close(self) -> None:
        """Stop listening and drop any connection still open (a browser's idle spare one, say)."""
        for server in self._servers:
            server.close()
        # Closed, not cancelled: each connection's task then ends by itself. (On Python 3.11, asyncio logs a
        # traceback for every cancelled task of a stream server.)
        for connection in self._connections.values():
            connection.writer.close()
        await asyncio.gather(*self._connections, return_exceptions=True)

    async def __aenter__(self) -> LoopbackListener:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    def _make_room(self) -> bool:
        """Whether another connection may open, dropping the oldest idle one if need be."""
        live = [connection for connection in self._connections.values() if not connection.dropped]
        if len(live) < MAX_CONNECTIONS:
            return True
        idle = next((connection for connection in live if not connection.requested), None)
        if idle is None:
            return False
        idle.drop()
        return True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        # Accepted as the listener closed (its task starts only now), or past the cap with nothing idle to drop.
        if not any(server.is_serving() for server in self._servers) or not self._make_room():
            writer.close()
            return
        connection = self._connections[task] = _Connection(writer)
        try:
            async with asyncio.timeout(CONNECTION_TIMEOUT_S):
                try:
                    request = await _read_request(reader)
                except (_BadRequest, asyncio.LimitOverrunError):
                    await _respond(writer, HTTPStatus.BAD_REQUEST, _page("Bad request", "This request is malformed."))
                    return
                connection.requested = True
                await self._answer(request, writer)
        except (TimeoutError, ConnectionError, asyncio.IncompleteReadError):
            pass  # a client that stalls or goes away gets nothing more
        finally:
            writer.close()
            del self._connections[task]

    async def _answer(self, request: _Request, writer: asyncio.StreamWriter) -> None:
        assert self._result is not None
        callback = f"http://{self._authority}{request.target}"
        path, _, query = request.target.partition("?")
        if request.host != self._authority:
            log.info("refused a request for another host name (DNS rebinding?)")
            await _respond(writer, HTTPStatus.BAD_REQUEST, _page("Bad request", "This address is not served here."))
        elif request.method != "GET":
            await _respond(writer, HTTPStatus.METHOD_NOT_ALLOWED, _page("Not allowed", "Only GET is served here."))
        elif not is_redirect_uri(callback, self.redirect_uri) or self._result.done():
            await _respond(writer, HTTPStatus.NOT_FOUND, _page("Not found", "There is nothing here."))
        elif self._state is None or not carries_state(callback, self._state, spec=self._spec):
            log.info("refused a request without this sign-in's state (sent by another web page?)")
            text = "This request does not belong to the sign-in in progress."
            await _respond(writer, HTTPStatus.BAD_REQUEST, _page("Bad request", text))
        else:
            # Answered before the result is handed over: closing the listener then cannot cut the page short.
            await _respond(writer, HTTPStatus.OK, self._result_page(query))
            for server in self._servers:
                server.close()
            log.info("the browser sign-in came back to %s", path)  # never the query: it carries the code
            if not self._result.done():  # another connection may have answered while this one wrote
                self._result.set_result(callback)

    def _result_page(self, query: str) -> str:
        params = dict(parse_qsl(query, keep_blank_values=True))
        if params.get("code") and "error" not in params:
            return _page(
                "Signed in", f"You are signed in to {self.vendor}. You can close this tab and return to connmgr."
            )
        return _page(
            "Sign-in did not complete",
            f"The sign-in to {self.vendor} did not complete. You can close this tab; connmgr says what to do next.",
        )


class LoopbackBrowser:
    """The person's own browser for `Connections.connect`, back through a `LoopbackListener`.

    `open_browser` is `webbrowser.open` or Qt's `QDesktopServices.openUrl`; an explicit False from it means no
    browser could be started, which is reported at once rather than after `timeout`.
    """

    def __init__(
        self,
        open_browser: Callable[[str], object],
        *,
        timeout: float = SIGN_IN_TIMEOUT_S,
    ) -> None:
        self.open_browser = open_browser
        self.timeout = timeout

    async def browse(self, provider: Provider, begin: Begin) -> Browsed:
        if provider.template.callback.in_fragment:
            raise ConfigError(
                provider.vendor,
                "the code comes back in the URL fragment, which a browser never sends to connmgr",
                "use the built-in sign-in window",
            )
        async with LoopbackListener(provider) as listener:
            request = await begin(listener.redirect_uri)
            listener.expect(request.state)
            if self.open_browser(request.url) is False:
                raise BrowserSignInError(provider.vendor, "no web browser could be opened", "set a default browser")
            return Redirected(await listener.wait(self.timeout))
