"""The loopback listener among hostile neighbours: a process on ::1, drive-by web pages, idle connections.

Each runs against the real listener and real sockets; the IPv6 case also runs,
for real, in a network namespace whose loopback has no ::1 (no_ipv6_child.py).
"""

from __future__ import annotations

import asyncio
import gc
import logging
import socket
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from connmgr.services.loopback import LISTEN_HOST, MAX_CONNECTIONS, LoopbackListener
from tests.services.test_loopback import STATE, assert_closed, listening, plain_vendor

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WAIT_S = 10  # a bound on waiting for the listener to act, never a pause


def ipv6_loopback() -> bool:
    """Whether this machine can listen on ::1: then so can any other process."""
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


async def status_of(address: str, port: int, target: str, host: str) -> int:
    """The status a plain GET of `target` from `address`:`port` is answered with."""
    reader, writer = await asyncio.open_connection(address, port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: {host}\r\n\r\n".encode())
    async with asyncio.timeout(WAIT_S):
        status = int((await reader.readline()).split()[1])
    writer.close()
    await writer.wait_closed()
    return status


async def prove_localhost_is_ours() -> str:
    """A `localhost` redirect reaches this listener by whichever address the browser picks; says which exist."""
    callback = f"/done?code=abc&state={STATE}"
    if not ipv6_loopback():
        # Nobody can listen on ::1 here, so a browser trying localhost as ::1 is refused there, never misled.
        async with listening("http://localhost/done") as listener:
            authority = f"localhost:{listener.port}"
            with pytest.raises(OSError):
                await asyncio.open_connection("::1", listener.port)
            assert await status_of(LISTEN_HOST, listener.port, callback, authority) == 200
            assert await listener.wait(5) == f"http://{authority}{callback}"
        return "127.0.0.1 only"
    with socket.socket(socket.AF_INET6) as squatter:
        squatter.bind(("::1", 0))
        squatter.listen()
        squatter.setblocking(False)
        taken = squatter.getsockname()[1]
        async with listening(f"http://localhost:{taken}/done") as listener:
            assert listener.port != taken  # the port is another process's on ::1, so the sign-in goes elsewhere
            authority = f"localhost:{listener.port}"
            assert await status_of(LISTEN_HOST, listener.port, "/favicon.ico", authority) == 404
            assert await status_of("::1", listener.port, callback, authority) == 200
            assert await listener.wait(5) == f"http://{authority}{callback}"
        with pytest.raises(BlockingIOError):
            squatter.accept()  # nothing ever went to the squatter
    return "127.0.0.1 and ::1"


async def test_a_localhost_redirect_is_never_left_to_whoever_holds_ipv6_loopback():
    assert await prove_localhost_is_ours() == ("127.0.0.1 and ::1" if ipv6_loopback() else "127.0.0.1 only")


def test_without_ipv6_loopback_a_localhost_redirect_is_safe_on_127_0_0_1_alone():
    # A network namespace of our own (user namespaces need no privilege) whose loopback has IPv4 only.
    script = 'ip link set lo up && sysctl -q -w net.ipv6.conf.lo.disable_ipv6=1 && exec "$0" "$@"'
    child = [sys.executable, "-m", "tests.services.no_ipv6_child"]
    command = ["unshare", "--user", "--map-root-user", "--net", "sh", "-c", script, *child]
    result = subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60, check=False)
    assert (result.returncode, result.stdout.strip()) == (0, "127.0.0.1 only"), result.stderr


@pytest.mark.parametrize(
    "query",
    [
        "code=evil&state=another",
        "code=evil",
        "error=access_denied",  # a drive-by page's way of cutting a sign-in short
        f"code=evil&state={STATE}&state=another",
        "code=evil&state=",
    ],
)
async def test_a_request_without_this_sign_ins_state_is_refused_and_the_wait_goes_on(query):
    async with listening() as listener, httpx.AsyncClient() as http:
        stray = await http.get(f"{listener.redirect_uri}?{query}")
        assert stray.status_code == 400
        assert "This request does not belong to the sign-in in progress." in stray.text
        callback = f"{listener.redirect_uri}?code=abc&state={STATE}"
        assert (await http.get(callback)).status_code == 200
        assert await listener.wait(5) == callback


async def test_nothing_counts_before_the_sign_in_names_its_state():
    async with LoopbackListener(plain_vendor()) as listener, httpx.AsyncClient() as http:
        callback = f"{listener.redirect_uri}?code=abc&state={STATE}"
        assert (await http.get(callback)).status_code == 400
        listener.expect(STATE)
        assert (await http.get(callback)).status_code == 200
        assert await listener.wait(5) == callback


async def test_past_the_cap_the_oldest_idle_connection_is_dropped():
    async with listening() as listener, httpx.AsyncClient() as http:
        idle = [await asyncio.open_connection(LISTEN_HOST, listener.port) for _ in range(MAX_CONNECTIONS + 5)]
        async with asyncio.timeout(WAIT_S):
            for reader, _ in idle[:5]:
                assert await reader.read() == b""  # dropped to make room, oldest first
        for reader, writer in idle[5:]:  # the others are still open and served
            writer.write(f"GET /favicon.ico HTTP/1.1\r\nHost: {LISTEN_HOST}:{listener.port}\r\n\r\n".encode())
            async with asyncio.timeout(WAIT_S):
                assert (await reader.readline()).startswith(b"HTTP/1.1 404 ")
        callback = f"{listener.redirect_uri}?code=abc&state={STATE}"
        assert (await http.get(callback)).status_code == 200
        assert await listener.wait(5) == callback
    for _, writer in idle:
        writer.close()


async def test_closing_with_many_idle_connections_is_quiet_and_closes_them_all(caplog, capfd):
    caplog.set_level(logging.DEBUG)
    async with listening() as listener, httpx.AsyncClient() as http:
        port = listener.port
        idle = [await asyncio.open_connection(LISTEN_HOST, port) for _ in range(300)]  # a browser's preconnects
        callback = f"{listener.redirect_uri}?code=abc&state={STATE}"
        assert (await http.get(callback)).status_code == 200
        assert await listener.wait(5) == callback
    async with asyncio.timeout(WAIT_S):
        for reader, _ in idle:
            assert await reader.read() == b""  # the listener's end of every one is closed
    for _, writer in idle:
        writer.close()
    await assert_closed(port)
    gc.collect()  # asyncio reports an exception nobody retrieved when its task is collected
    said = caplog.text + capfd.readouterr().err
    for noise in ("Traceback", "Exception in callback", "Task exception was never retrieved", "CancelledError"):
        assert noise not in said
    assert not [record for record in caplog.records if record.levelno >= logging.WARNING]
