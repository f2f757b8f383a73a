"""connmgr's HTTP client: on connmgr's pool, with the certificates and limits it is given, and through the proxies
the environment names, as any httpx client would be; a real proxy counts what passes through it."""

import asyncio
import ssl

import httpx
import pytest

from connmgr.oauth.pool import PoolTransport
from connmgr.oauth.transport import new_http_client
from tests.support.certificates import self_signed, server_tls
from tests.support.forward_proxy import ForwardProxy
from tests.support.keepalive_server import KeepAliveServer, until

PROXY_VARIABLES = ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY")


@pytest.fixture(autouse=True)
def no_proxy_in_the_environment(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def certificate(tmp_path):
    return self_signed(tmp_path)


def trusting(certificate) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(certificate[0]))


async def test_without_a_proxy_requests_go_straight_to_the_server_on_connmgrs_pool():
    server = KeepAliveServer()
    async with server as url, new_http_client() as http:
        assert isinstance(http._transport_for_url(httpx.URL(url)), PoolTransport)  # httpx has no public way to ask
        for _ in range(3):
            assert (await http.get(f"{url}/token")).status_code == 200
        assert server.connections == 1


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "http_proxy", "ALL_PROXY"])
async def test_a_plain_request_goes_through_the_proxy_the_environment_names(monkeypatch, variable):
    server, proxy = KeepAliveServer(), ForwardProxy()
    async with server as url, proxy as proxy_url:
        monkeypatch.setenv(variable, proxy_url)
        async with new_http_client() as http:
            assert (await http.get(f"{url}/token")).json() == {}
        assert proxy.forwarded == [f"{url}/token"]  # the absolute form: a request to a proxy
        assert server.arrived == ["/token"]


async def test_a_tls_request_is_tunnelled_through_the_https_proxy_and_a_plain_one_goes_straight(
    monkeypatch, certificate
):
    secure, plain, proxy = KeepAliveServer(server_tls(*certificate)), KeepAliveServer(), ForwardProxy()
    async with secure as secure_url, plain as plain_url, proxy as proxy_url:
        monkeypatch.setenv("HTTPS_PROXY", proxy_url)
        async with new_http_client(verify=trusting(certificate)) as http:
            assert (await http.get(f"{secure_url}/token")).status_code == 200
            assert (await http.get(f"{plain_url}/token")).status_code == 200
        assert proxy.tunnels == [f"127.0.0.1:{secure.port}"]
        assert proxy.forwarded == []
        assert secure.arrived == plain.arrived == ["/token"]


@pytest.mark.parametrize("exempt", ["127.0.0.1", "*"])
async def test_a_host_no_proxy_exempts_is_reached_straight(monkeypatch, exempt):
    server, proxy = KeepAliveServer(), ForwardProxy()
    async with server as url, proxy as proxy_url:
        monkeypatch.setenv("HTTP_PROXY", proxy_url)
        monkeypatch.setenv("NO_PROXY", f"vendor.example, {exempt}")
        async with new_http_client() as http:
            assert (await http.get(f"{url}/token")).status_code == 200
        assert proxy.passed == 0
        assert server.arrived == ["/token"]


async def test_a_certificate_no_one_vouches_for_is_refused(certificate):
    server = KeepAliveServer(server_tls(*certificate))
    async with server as url, new_http_client() as http:
        with pytest.raises(httpx.ConnectError, match="CERTIFICATE_VERIFY_FAILED"):
            await http.get(f"{url}/token")
        assert server.arrived == []


async def test_the_certificates_the_client_is_given_are_trusted_and_its_connections_reused(certificate):
    server = KeepAliveServer(server_tls(*certificate))
    async with server as url, new_http_client(verify=trusting(certificate)) as http:
        for _ in range(3):
            assert (await http.get(f"{url}/token")).status_code == 200
        assert server.connections == 1


async def test_the_certificate_the_environment_trusts_is_trusted(monkeypatch, certificate):
    server = KeepAliveServer(server_tls(*certificate))
    async with server as url:
        monkeypatch.setenv("SSL_CERT_FILE", str(certificate[0]))  # the only way this client can trust it
        async with new_http_client() as http:
            assert (await http.get(f"{url}/token")).status_code == 200


async def test_the_limits_the_client_is_given_hold():
    server = KeepAliveServer()
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=0)
    async with server as url, new_http_client(limits=limits) as http:
        server.held.add("/slow")
        slow = asyncio.create_task(http.get(f"{url}/slow"))
        await server.arrival("/slow")
        with pytest.raises(httpx.PoolTimeout):  # no second connection
            await http.get(f"{url}/impatient", timeout=httpx.Timeout(5.0, pool=0.01))
        server.release.set()
        await slow
        await until(lambda: server.open == 0)  # none kept alive
