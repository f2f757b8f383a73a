"""The HTTP client's network backend: idle connections are checked with one poll() of their socket, and one the
server has closed is never reused."""

import asyncio

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

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        while await reader.readuntil(b"\r\n\r\n"):
            writer.write(ANSWER)
            await writer.drain()
            if self.hang_up:
                writer.close()
                await writer.wait_closed()
                self.hung_up.set()
                return


async def test_a_connection_the_server_closed_is_not_reused(monkeypatch):
    polls, readable = [], network.is_socket_readable

    def counted(sock):
        polls.append(sock)
        return readable(sock)

    monkeypatch.setattr(network, "is_socket_readable", counted)
    server = KeepAliveServer()
    async with server as url, new_http_client() as http:
        assert (await http.get(url)).status_code == 200
        assert (await http.get(url)).status_code == 200  # the same connection, checked by one poll
        assert server.connections == 1
        assert polls, "the client's pool did not check its idle connection through connmgr's backend"

        server.hang_up = True
        assert (await http.get(url)).status_code == 200
        await server.hung_up.wait()
        assert (await http.get(url)).status_code == 200  # not "server disconnected": a new connection
        assert server.connections == 2
