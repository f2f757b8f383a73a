"""The HTTP client's connection pool, against a real keep-alive server: connections are reused, limited, waited
for in turn, and never lost to a timeout, a cancellation or a failure."""

import asyncio
import contextlib
import ssl

import httpx
import pytest

from connmgr.oauth.pool import ConnectionPool, on_own_pool
from connmgr.oauth.transport import new_http_client
from tests.support.certificates import self_signed, server_tls

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class KeepAliveServer:
    """Answers each request and keeps the connection open, unless told to hang up. A request for a path in `held`
    is answered only once `release` is set; `arrived` lists the paths in the order they came."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self._tls = tls
        self.connections = 0
        self.closed_by_client = 0
        self.arrived: list[str] = []
        self.held: set[str] = set()
        self.release = asyncio.Event()
        self.hang_up = False
        self.hung_up = asyncio.Event()
        self._tasks: set[asyncio.Task] = set()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0, ssl=self._tls)
        port = self._server.sockets[0].getsockname()[1]
        return f"{'https' if self._tls else 'http'}://127.0.0.1:{port}"

    async def __aexit__(self, *_: object) -> None:
        self._server.close()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        await self._server.wait_closed()

    async def arrival(self, path: str) -> None:
        await until(lambda: path in self.arrived)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._tasks.add(asyncio.current_task())
        self.connections += 1
        try:
            await self._answer(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError):  # the client closed its end
            self.closed_by_client += 1
        finally:
            writer.close()

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            path = head.split(b" ", 2)[1].decode()
            self.arrived.append(path)
            if path in self.held:
                await self.release.wait()
            writer.write(ANSWER)
            await writer.drain()
            if self.hang_up:
                self.hung_up.set()
                return


@contextlib.asynccontextmanager
async def pooled_client(max_connections=10, max_keepalive=10, keepalive_expiry=5.0):
    limits = httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_keepalive, keepalive_expiry=keepalive_expiry
    )
    async with httpx.AsyncClient(transport=on_own_pool(httpx.AsyncHTTPTransport(limits=limits))) as http:
        yield http
        # Once every request is done, the pool's books balance: nobody waits, and every connection counted
        # against the limit is an idle one.
        pool = http._transport._pool
        assert waiting(http) == 0
        assert pool._open == len(pool._idle_since) <= max_keepalive


async def until(condition) -> None:
    """Wait for `condition`, turn by turn of the loop; a condition that never comes fails in seconds."""
    async with asyncio.timeout(5):
        while not condition():
            await asyncio.sleep(0)


async def held(server: KeepAliveServer, http: httpx.AsyncClient, url: str, path: str) -> asyncio.Task:
    """A request that `server` leaves unanswered until its `release` is set; it has arrived when this returns."""
    server.held.add(path)
    request = asyncio.create_task(http.get(f"{url}{path}"))
    await server.arrival(path)
    return request


def waiting(http: httpx.AsyncClient) -> int:
    """How many requests wait for a connection."""
    return sum(not waiter.grant.done() for waiter in http._transport._pool._waiting)


async def test_connmgrs_http_client_runs_on_this_pool():
    async with new_http_client() as http:
        assert isinstance(http._transport._pool, ConnectionPool)  # httpx has no public way to give it a pool


async def test_connmgrs_http_client_still_goes_through_the_proxy_the_environment_names(monkeypatch):
    proxy = KeepAliveServer()
    async with proxy as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.delenv("NO_PROXY", raising=False)
        monkeypatch.delenv("no_proxy", raising=False)
        async with new_http_client() as http:
            assert (await http.get("http://vendor.invalid/token")).status_code == 200
        assert proxy.arrived == ["http://vendor.invalid/token"]  # the absolute form: a request to a proxy


async def test_connections_over_tls_verify_the_certificate_the_environment_trusts_and_are_reused(monkeypatch, tmp_path):
    certificate, key = self_signed(tmp_path)
    server = KeepAliveServer(server_tls(certificate, key))
    async with server as url:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate))  # the only way this client can trust it
        async with new_http_client() as http:
            for _ in range(3):
                assert (await http.get(f"{url}/token")).status_code == 200
        assert server.connections == 1


async def test_a_scheme_other_than_http_is_refused_in_words():
    async with pooled_client() as http:
        with pytest.raises(httpx.UnsupportedProtocol, match="'ftp' is not HTTP"):
            await http._transport.handle_async_request(httpx.Request("GET", "ftp://vendor.example/"))


async def test_one_connection_serves_one_request_after_another():
    server = KeepAliveServer()
    async with server as url, pooled_client() as http:
        for _ in range(5):
            assert (await http.get(f"{url}/token")).status_code == 200
        assert server.connections == 1


async def test_a_connection_the_server_closed_is_not_reused():
    server = KeepAliveServer()
    async with server as url, pooled_client() as http:
        assert (await http.get(url)).status_code == 200
        server.hang_up = True
        assert (await http.get(url)).status_code == 200
        await server.hung_up.wait()
        server.hang_up = False
        assert (await http.get(url)).status_code == 200  # not "server disconnected": a new connection
        assert server.connections == 2


async def test_a_connection_idle_past_its_keepalive_is_closed_not_reused():
    server = KeepAliveServer()
    async with server as url, pooled_client(keepalive_expiry=0.0) as http:
        assert (await http.get(url)).status_code == 200
        assert (await http.get(url)).status_code == 200
        assert server.connections == 2
        await until(lambda: server.closed_by_client == 1)


async def test_requests_at_once_each_get_a_connection_and_later_ones_reuse_them():
    server = KeepAliveServer()
    async with server as url, pooled_client() as http:
        answers = await asyncio.gather(*(http.get(f"{url}/{i}") for i in range(6)))
        assert [a.status_code for a in answers] == [200] * 6
        assert server.connections == 6
        await asyncio.gather(*(http.get(f"{url}/again{i}") for i in range(6)))
        assert server.connections == 6


async def test_beyond_the_limit_requests_wait_and_are_served_in_the_order_they_came():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=2) as http:
        first = await held(server, http, url, "/first")
        later = [asyncio.create_task(http.get(f"{url}/{i}")) for i in range(6)]
        await asyncio.gather(*later)  # through the one connection left, one after another
        server.release.set()
        await first
        assert server.arrived == ["/first", *(f"/{i}" for i in range(6))]
        assert server.connections == 2


async def test_a_request_that_waits_too_long_for_a_connection_fails_and_takes_nothing_with_it():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        slow = await held(server, http, url, "/slow")
        with pytest.raises(httpx.PoolTimeout):
            await http.get(f"{url}/impatient", timeout=httpx.Timeout(5.0, pool=0.01))
        server.release.set()
        await slow
        assert (await http.get(f"{url}/next")).status_code == 200
        assert server.arrived == ["/slow", "/next"]
        assert server.connections == 1


async def test_waiting_requests_are_served_in_turn_whatever_their_origin():
    here, there = KeepAliveServer(), KeepAliveServer()
    async with here as here_url, there as there_url, pooled_client(max_connections=1) as http:
        slow = await held(here, http, here_url, "/slow")
        elsewhere = asyncio.create_task(http.get(f"{there_url}/elsewhere"))
        await until(lambda: waiting(http) == 1)
        again = asyncio.create_task(http.get(f"{here_url}/again"))  # could reuse /slow's connection, but came later
        await until(lambda: waiting(http) == 2)
        here.release.set()
        await asyncio.gather(slow, elsewhere, again)
        assert there.arrived == ["/elsewhere"]
        assert here.arrived == ["/slow", "/again"]
        assert here.connections == 2
        # /slow's connection was closed to make room for /elsewhere, and /elsewhere's for /again.
        await until(lambda: (here.closed_by_client, there.closed_by_client) == (1, 1))


async def test_a_cancelled_waiting_request_leaves_its_turn_to_the_next():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        slow = await held(server, http, url, "/slow")
        cancelled = asyncio.create_task(http.get(f"{url}/cancelled"))
        patient = asyncio.create_task(http.get(f"{url}/patient"))
        await until(lambda: waiting(http) == 2)
        cancelled.cancel()
        server.release.set()
        assert (await patient).status_code == 200
        await slow
        assert server.arrived == ["/slow", "/patient"]
        assert cancelled.cancelled()


async def test_a_request_cancelled_in_flight_closes_its_connection_and_frees_its_room():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        abandoned = await held(server, http, url, "/abandoned")
        abandoned.cancel()
        with pytest.raises(asyncio.CancelledError):
            await abandoned
        assert (await http.get(f"{url}/next")).status_code == 200  # a new connection: the half-read one is gone
        assert server.connections == 2
        server.release.set()  # the server answers /abandoned at last, and finds the connection closed
        await until(lambda: server.closed_by_client == 1)


async def test_a_connection_that_could_not_be_made_frees_its_room():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        async with KeepAliveServer() as gone:
            pass  # a port that was just listening, now closed
        with pytest.raises(httpx.ConnectError):
            await http.get(gone)
        assert (await http.get(url)).status_code == 200


async def test_idle_connections_beyond_the_keepalive_limit_are_closed():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_keepalive=2) as http:
        await asyncio.gather(*(http.get(f"{url}/{i}") for i in range(5)))
        assert server.connections == 5
        await until(lambda: server.closed_by_client == 3)


async def test_a_full_pool_closes_an_idle_connection_elsewhere_to_make_room():
    here, there = KeepAliveServer(), KeepAliveServer()
    async with here as here_url, there as there_url, pooled_client(max_connections=1) as http:
        assert (await http.get(here_url)).status_code == 200
        assert (await http.get(there_url)).status_code == 200
        await until(lambda: here.closed_by_client == 1)


async def test_closing_the_client_closes_its_idle_connections():
    server = KeepAliveServer()
    async with server as url:
        async with pooled_client() as http:
            await asyncio.gather(*(http.get(f"{url}/{i}") for i in range(3)))
        await until(lambda: server.closed_by_client == 3)
