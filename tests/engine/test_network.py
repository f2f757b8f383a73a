"""The HTTP client's network backend: the pool's checks of its idle connections share one poll() per sweep, and
a connection the server has closed is never reused."""

import asyncio
import contextlib

from connmgr.oauth import network
from connmgr.oauth.transport import new_http_client

ANSWER = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


class KeepAliveServer:
    """Answers one request per connection, keeping it open (no "Connection: close") unless told to hang up."""

    def __init__(self) -> None:
        self.connections = 0
        self.hang_up = False
        self.hung_up = asyncio.Event()

    async def __aenter__(self) -> str:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        port = self._server.sockets[0].getsockname()[1]
        return f"http://127.0.0.1:{port}/token"

    async def __aexit__(self, *_: object) -> None:
        self._server.close()
        await self._server.wait_closed()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        with contextlib.suppress(asyncio.IncompleteReadError):  # the client closed its end: this connection is done
            await self._answer(reader, writer)

    async def _answer(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(ANSWER)
            await writer.drain()
            if self.hang_up:
                writer.close()
                await writer.wait_closed()
                self.hung_up.set()
                return


def counting_polls(monkeypatch) -> list[int]:
    """The number of sockets in each poll() the backend makes, as they are made."""
    polls, poll_all = [], network.PollingBackend._poll_all

    def counted(backend):
        polls.append(len(backend._streams))
        return poll_all(backend)

    monkeypatch.setattr(network.PollingBackend, "_poll_all", counted)
    return polls


async def test_a_connection_the_server_closed_is_not_reused(monkeypatch):
    polls = counting_polls(monkeypatch)
    server = KeepAliveServer()
    async with server as url, new_http_client() as http:
        assert (await http.get(url)).status_code == 200
        assert (await http.get(url)).status_code == 200  # the same connection, checked by a poll
        assert server.connections == 1
        assert polls, "the client's pool did not check its idle connection through connmgr's backend"

        server.hang_up = True
        assert (await http.get(url)).status_code == 200
        await server.hung_up.wait()
        assert (await http.get(url)).status_code == 200  # not "server disconnected": a new connection
        assert server.connections == 2


async def test_one_poll_checks_every_idle_connection(monkeypatch):
    idle = 6
    polls = counting_polls(monkeypatch)
    server = KeepAliveServer()
    async with server as url, new_http_client() as http:
        answers = await asyncio.gather(*(http.get(url) for _ in range(idle)))  # at once: one connection each
        assert [a.status_code for a in answers] == [200] * idle
        assert server.connections == idle
        polls.clear()

        assert (await http.get(url)).status_code == 200
        assert server.connections == idle  # an idle connection was reused
        # httpcore sweeps its pool a few times per request; one poll per connection per sweep would be 6 or more.
        assert polls, "the pool's sweep did not ask connmgr's backend"
        assert len(polls) < idle
        assert all(sockets == idle for sockets in polls)
