"""A fast local OAuth 2.0 token endpoint, in a process of its own, that both clients under test talk to.

Why a process of its own: in the client's process it would share the GIL and steal the very time being measured
(the machine has two cores: one for the client, one for this). Why a hand-written asyncio HTTP/1.1 server: the
stdlib's thread-per-connection server is slower than the clients it serves, and would then be what is measured.

It speaks the standard form style (RFC 6749 §4.1.3, §6): client authentication by HTTP Basic or in the body, a
JSON answer with a new access token and a rotated refresh token each time. It also serves a small sign-in page at
/authorize (for the sign-in windows of the memory benchmark) and its own handling times at /stats, so a
benchmark can take the endpoint's share out of a latency.

    .venv/bin/python -m benchmarks.token_server    # prints "listening http://127.0.0.1:PORT"; ends with stdin
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import subprocess
import sys
import threading
import time
import urllib.request
from typing import Any
from urllib.parse import parse_qsl, urlsplit

SIGN_IN_PAGE = (
    b'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in - Bench</title></head><body>'
    b"<h1>Sign in to Bench</h1><form method=post action=/login><label>Username <input name=username></label>"
    b"<label>Password <input type=password name=password></label><button>Sign in</button></form></body></html>"
)
_serial = itertools.count(1)
_durations: list[float] = []  # seconds per /token request, from the whole request read to the answer written


def _token_answer(form: dict[str, str], headers: dict[str, str]) -> tuple[int, dict[str, Any]]:
    authenticated = headers.get("authorization", "").startswith("Basic ") or form.get("client_secret")
    if not authenticated:
        return 401, {"error": "invalid_client"}
    grant = form.get("grant_type")
    if grant == "refresh_token" and not form.get("refresh_token"):
        return 400, {"error": "invalid_request"}
    if grant not in ("refresh_token", "authorization_code", "client_credentials"):
        return 400, {"error": "unsupported_grant_type"}
    n = next(_serial)
    return 200, {
        "access_token": f"at-{n:09}-" + "a" * 900,
        "token_type": "Bearer",
        "expires_in": 3600,
        "refresh_token": f"rt-{n:09}-" + "r" * 40,  # rotated on every answer
        "scope": "read write",
    }


def _answer(method: str, target: str, headers: dict[str, str], body: bytes) -> tuple[int, str, bytes]:
    url = urlsplit(target)
    if url.path == "/token" and method == "POST":
        status, data = _token_answer(dict(parse_qsl(body.decode())), headers)
        return status, "application/json", json.dumps(data).encode()
    if url.path == "/authorize":
        return 200, "text/html; charset=utf-8", SIGN_IN_PAGE
    if url.path == "/stats":
        data = {"durations": list(_durations)}
        _durations.clear()
        return 200, "application/json", json.dumps(data).encode()
    return 404, "text/plain", b"not found"


class _Connection(asyncio.Protocol):
    """One keep-alive HTTP/1.1 connection: requests parsed as they arrive, answered in order."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self._transport = transport
        self._buffer = b""

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while (head_end := self._buffer.find(b"\r\n\r\n")) >= 0:
            lines = self._buffer[:head_end].decode("latin-1").split("\r\n")
            headers = {}
            for line in lines[1:]:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
            end = head_end + 4 + int(headers.get("content-length") or 0)
            if len(self._buffer) < end:
                return  # the body is still on its way
            started = time.perf_counter()
            body, self._buffer = self._buffer[head_end + 4 : end], self._buffer[end:]
            method, target, _ = lines[0].split(" ", 2)
            status, content_type, payload = _answer(method, target, headers, body)
            self._transport.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {len(payload)}\r\n"
                f"Cache-Control: no-store\r\n\r\n".encode()
                + payload
            )
            if target.startswith("/token"):
                _durations.append(time.perf_counter() - started)


async def _serve() -> None:
    server = await asyncio.get_running_loop().create_server(_Connection, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    print(f"listening http://127.0.0.1:{port}", flush=True)
    await server.serve_forever()


def _exit_when_parent_goes() -> None:
    sys.stdin.read()  # EOF: the parent closed our stdin or died
    os._exit(0)


class TokenServer:
    """Starts the server process; `base_url` once it listens. A context manager."""

    def __init__(self) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.token_server"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        assert self._process.stdout is not None
        self.base_url = self._process.stdout.readline().split()[-1]

    def __enter__(self) -> TokenServer:
        return self

    def __exit__(self, *_: object) -> None:
        assert self._process.stdin is not None
        self._process.stdin.close()
        try:
            self._process.wait(5)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()

    def durations(self) -> list[float]:
        """The server's own time per /token request since the last call, which starts them anew (blocking: call
        it outside timings)."""
        with urllib.request.urlopen(f"{self.base_url}/stats") as answer:  # noqa: S310 (our own http://127.0.0.1 server)
            return list(json.load(answer)["durations"])


if __name__ == "__main__":
    threading.Thread(target=_exit_when_parent_goes, daemon=True).start()
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(_serve())
