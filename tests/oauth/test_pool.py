"""The transport under connmgr's HTTP client, against a real keep-alive server: connections are reused, limited,
waited for in turn, expired, and never lost to a timeout, a cancellation or a failure; its errors are httpx's."""

import asyncio
import contextlib
import random
import ssl

import httpx
import pytest

from connmgr.oauth.pool import PoolTransport
from tests.support.keepalive_server import KeepAliveServer, until


def limits(max_connections=10, max_keepalive=10, keepalive_expiry=5.0):
    return httpx.Limits(
        max_connections=max_connections, max_keepalive_connections=max_keepalive, keepalive_expiry=keepalive_expiry
    )


@contextlib.asynccontextmanager
async def pooled_client(**limit):
    pool = PoolTransport(ssl.create_default_context(), limits(**limit))
    async with httpx.AsyncClient(transport=pool) as http:
        yield http
        assert_balanced(pool, limit.get("max_keepalive", 10))


def assert_balanced(pool: PoolTransport, max_keepalive: int) -> None:
    """Once every request is done, the pool's books balance: nobody is in the queue, and every connection counted
    against the limit is an idle one, each on the stack of its origin."""
    assert not pool._waiting
    assert pool._open == len(pool._idle_since) == sum(map(len, pool._idle.values())) <= max_keepalive


def waiting(pool: PoolTransport) -> int:
    """How many requests wait for a connection."""
    return sum(not waiter.grant.done() for waiter in pool._waiting)


async def held(server: KeepAliveServer, http: httpx.AsyncClient, url: str, path: str) -> asyncio.Task:
    """A request that `server` leaves unanswered until its `release` is set; it has arrived when this returns."""
    server.held.add(path)
    request = asyncio.create_task(http.get(f"{url}{path}"))
    await server.arrival(path)
    return request


async def test_a_scheme_other_than_http_is_refused_in_words():
    async with pooled_client() as http:
        with pytest.raises(httpx.UnsupportedProtocol, match="'ftp' is not HTTP"):
            await http._transport.handle_async_request(httpx.Request("GET", "ftp://vendor.example/"))


async def test_one_connection_serves_one_request_after_another():
    server = KeepAliveServer()
    async with server as url, pooled_client() as http:
        for _ in range(5):
            assert (await http.get(f"{url}/token")).json() == {}
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


async def test_a_connection_idle_past_its_keepalive_is_closed_though_nothing_more_goes_to_its_origin():
    here, there = KeepAliveServer(), KeepAliveServer()
    async with here as here_url, there as there_url, pooled_client(keepalive_expiry=0.0) as http:
        assert (await http.get(here_url)).status_code == 200
        assert (await http.get(there_url)).status_code == 200
        await until(lambda: here.closed_by_client == 1)
        assert there.closed_by_client == 0  # the one just given back lives until the next request


async def test_requests_at_once_each_get_a_connection_and_later_ones_reuse_them():
    server = KeepAliveServer()
    async with server as url, pooled_client() as http:
        answers = await asyncio.gather(*(http.get(f"{url}/{i}") for i in range(6)))
        assert [a.status_code for a in answers] == [200] * 6
        assert server.connections == 6
        await asyncio.gather(*(http.get(f"{url}/again{i}") for i in range(6)))
        assert server.connections == 6


async def test_no_more_connections_are_open_at_once_than_the_limit_allows():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=3) as http:
        server.held.update(f"/{i}" for i in range(20))
        requests = [asyncio.create_task(http.get(f"{url}/{i}")) for i in range(20)]
        await until(lambda: len(server.arrived) == 3 and waiting(http._transport) == 17)
        server.release.set()
        assert [(await r).status_code for r in requests] == [200] * 20
        assert server.connections == server.most_open == 3


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


async def test_a_connection_given_back_goes_to_the_first_waiting_request():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        first = await held(server, http, url, "/first")
        queue = []
        for i in range(3):
            queue.append(asyncio.create_task(http.get(f"{url}/{i}")))
            await until(lambda: waiting(http._transport) == len(queue))
        server.release.set()
        await asyncio.gather(first, *queue)
        assert server.arrived == ["/first", "/0", "/1", "/2"]
        assert set(server.served_by.values()) == {1}  # handed on, never closed and opened again


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
        await until(lambda: waiting(http._transport) == 1)
        again = asyncio.create_task(http.get(f"{here_url}/again"))  # could reuse /slow's connection, but came later
        await until(lambda: waiting(http._transport) == 2)
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
        await until(lambda: waiting(http._transport) == 2)
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


@pytest.mark.parametrize("seed", range(12))
async def test_requests_cancelled_at_random_moments_leave_the_books_right_and_no_connection_open(seed):
    """Requests to two origins through a pool too small for them, each cancelled after a random number of turns of
    the loop (or not at all), while the servers answer after random turns: every await of the pool, and of
    httpcore's connecting, sending and reading under it, is where some cancellation lands."""
    rng = random.Random(seed)
    here, there = KeepAliveServer(), KeepAliveServer()
    for server in (here, there):
        server.answer_after = lambda: rng.randrange(4)
    async with here as here_url, there as there_url:
        pool = PoolTransport(ssl.create_default_context(), limits(max_connections=3, max_keepalive=2))
        async with httpx.AsyncClient(transport=pool) as http:

            async def request(i: int) -> None:
                answer = await http.get(f"{rng.choice([here_url, there_url])}/{i}")
                assert answer.json() == {}

            async def cancelled_after(turns: int | None, i: int) -> None:
                task = asyncio.create_task(request(i))
                for _ in range(turns or 0):
                    await asyncio.sleep(0)
                if turns is not None:
                    task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

            await asyncio.gather(*(cancelled_after(rng.choice([None, *range(40)]), i) for i in range(40)))
            assert_balanced(pool, max_keepalive=2)
            # No room was lost: three requests are in flight at once, and a fourth has to wait.
            here.held.update({"/held-0", "/held-1", "/held-2"})
            in_flight = [asyncio.create_task(http.get(f"{here_url}/held-{i}")) for i in range(3)]
            await until(lambda: {"/held-0", "/held-1", "/held-2"} <= set(here.arrived))
            with pytest.raises(httpx.PoolTimeout):
                await http.get(f"{there_url}/one-too-many", timeout=httpx.Timeout(5.0, pool=0.01))
            here.release.set()
            await asyncio.gather(*in_flight)
            assert_balanced(pool, max_keepalive=2)
        # No connection was lost either: once the client is closed, the servers see every one closed.
        await until(lambda: here.open == there.open == 0)


async def test_a_connection_that_could_not_be_made_frees_its_room():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        async with KeepAliveServer() as gone:
            pass  # a port that was just listening, now closed
        with pytest.raises(httpx.ConnectError):
            await http.get(gone)
        assert (await http.get(url)).status_code == 200


async def test_a_request_nobody_answers_times_out_as_httpx_says_and_frees_its_room():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        server.held.add("/silent")
        with pytest.raises(httpx.ReadTimeout):
            await http.get(f"{url}/silent", timeout=httpx.Timeout(5.0, read=0.05))
        server.release.set()
        assert (await http.get(f"{url}/next")).status_code == 200
        assert server.connections == 2


async def test_an_answer_cut_short_fails_as_httpx_says_as_it_is_read_and_its_connection_is_not_reused():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        server.cut_short.add("/short")
        with pytest.raises(httpx.RemoteProtocolError, match="peer closed connection"):
            await http.get(f"{url}/short")
        assert (await http.get(f"{url}/next")).status_code == 200
        assert server.connections == 2


async def test_an_answer_left_unread_closes_its_connection_rather_than_reuse_it_half_read():
    server = KeepAliveServer()
    async with server as url, pooled_client(max_connections=1) as http:
        async with http.stream("GET", f"{url}/unread") as answer:
            assert answer.status_code == 200
        assert (await http.get(f"{url}/next")).status_code == 200
        assert server.connections == 2


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
        await until(lambda: server.open == 0)
        assert server.closed_by_client == 3


async def test_closing_the_client_fails_the_requests_still_waiting_and_lets_the_one_in_flight_end():
    server = KeepAliveServer()
    async with server as url:
        pool = PoolTransport(ssl.create_default_context(), limits(max_connections=1))
        http = httpx.AsyncClient(transport=pool)
        slow = await held(server, http, url, "/slow")
        waiter = asyncio.create_task(http.get(f"{url}/waiting"))
        await until(lambda: waiting(pool) == 1)
        await http.aclose()
        with pytest.raises(RuntimeError, match="the HTTP client was closed"):
            await waiter
        server.release.set()
        assert (await slow).status_code == 200  # in flight as the client closed: it ends, and its connection with it
        await until(lambda: server.open == 0)
        assert server.arrived == ["/slow"]
        assert pool._open == 0
