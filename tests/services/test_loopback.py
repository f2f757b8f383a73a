"""Sign-in in the system browser: the one-shot loopback listener, alone and against the real OpenID provider."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connmgr.domain.callback import Denied
from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConfigError
from connmgr.domain.provider import Provider, resolve_provider
from connmgr.oauth.client import OAuthClient
from connmgr.services.connecting import Saved
from connmgr.services.connections import Connections
from connmgr.services.loopback import (
    LISTEN_HOST,
    MAX_HEAD_BYTES,
    SIGN_IN_TIMEOUT_S,
    BrowserSignInError,
    LoopbackAddress,
    LoopbackBrowser,
    LoopbackListener,
    loopback_address,
)
from connmgr.storage import LocalStore
from tests.storage.fakes import FixedDataKey
from tests.support.oidc_fixtures import ACME, ALICE, APP_REDIRECT_URI, VAULT_DESKTOP
from tests.support.providers import CATALOG, docbyte
from tests.support.signin import Page
from tests.support.system_browser import browse_as

STATE = "xyz"


def plain_vendor(redirect_uri: str = APP_REDIRECT_URI) -> Provider:
    """A provider that is never contacted: enough for the listener on its own."""
    values = {
        "client_id": "desktop",
        "redirect_uri": redirect_uri,
        "authorize_url": "https://vendor.test/authorize",
        "token_url": "https://vendor.test/token",
    }
    return resolve_provider(CATALOG.get("oauth2"), values, "authorization_code")


@asynccontextmanager
async def listening(redirect_uri: str = APP_REDIRECT_URI) -> AsyncIterator[LoopbackListener]:
    """A started listener for a sign-in whose state is STATE."""
    async with LoopbackListener(plain_vendor(redirect_uri)) as listener:
        listener.expect(STATE)
        yield listener


async def sign_in_with_system_browser(connections, name, provider, open_browser, *, timeout=SIGN_IN_TIMEOUT_S):
    """The road with the system browser alone, as `connmgr connect --system-browser` takes it."""
    outcome = await connections.connect(name, provider, system=LoopbackBrowser(open_browser, timeout=timeout))
    return outcome.connection if isinstance(outcome, Saved) else outcome


@pytest.fixture
async def connections(home):
    async with OAuthClient() as client:
        with LocalStore(home, FixedDataKey(home)) as store:
            yield Connections(store, CATALOG, client)


class SystemBrowser:
    """The person's own browser: signs in as Alice, presses `button` on the consent page, follows every redirect."""

    def __init__(self, button: str) -> None:
        self.button = button
        self.opened: list[str] = []
        self._visit: asyncio.Task[Page | str] | None = None

    def open(self, url: str) -> bool:
        self.opened.append(url)
        self._visit = asyncio.get_running_loop().create_task(self._sign_in(url))
        return True

    async def _sign_in(self, url: str) -> Page | str:
        return await browse_as(url, ALICE.username, ALICE.password, self.button)

    async def last_page(self) -> Page:
        assert self._visit is not None
        page = await self._visit
        assert isinstance(page, Page)
        return page


async def assert_closed(port: int) -> None:
    with pytest.raises(ConnectionRefusedError):
        await asyncio.open_connection(LISTEN_HOST, port)


# -- against the real OpenID provider


async def test_sign_in_in_the_system_browser(connections, oidc_server):
    browser = SystemBrowser("Allow")
    vault = docbyte(oidc_server, VAULT_DESKTOP)
    result = await sign_in_with_system_browser(connections, "Vault", vault, browser.open, timeout=30)

    assert isinstance(result, Connection)
    assert result.account == ACME
    assert await connections.access_token("Vault")
    assert result.values["redirect_uri"] == APP_REDIRECT_URI  # the configured one is kept, not the one-off port

    sent = parse_qs(urlsplit(browser.opened[0]).query)
    assert sent["code_challenge_method"] == ["S256"]
    redirect_uri = sent["redirect_uri"][0]
    assert redirect_uri == f"http://127.0.0.1:{urlsplit(redirect_uri).port}/callback"

    page = await browser.last_page()
    assert (page.status, urlsplit(page.url).path) == (200, "/callback")
    assert "You are signed in to Docbyte Vault. You can close this tab and return to connmgr." in page.text
    await assert_closed(urlsplit(redirect_uri).port)


async def test_denied_at_the_consent_page(connections, oidc_server):
    browser = SystemBrowser("Deny")
    vault = docbyte(oidc_server, VAULT_DESKTOP)
    result = await sign_in_with_system_browser(connections, "Vault", vault, browser.open, timeout=30)

    assert isinstance(result, Denied)
    assert not connections.store.database.exists("Vault")
    page = await browser.last_page()
    assert "error=access_denied" in page.url
    assert "The sign-in to Docbyte Vault did not complete." in page.text


# -- the listener on its own


async def test_the_callback_is_answered_with_a_page_that_leaves_no_trace():
    async with listening() as listener, httpx.AsyncClient() as http:
        callback = f"{listener.redirect_uri}?code=abc&state=xyz"
        answer = await http.get(callback)
        assert await listener.wait(5) == callback
        await assert_closed(listener.port)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert answer.headers["cache-control"] == "no-store"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert "You can close this tab" in answer.text


@pytest.mark.parametrize(
    ("method", "path", "host", "status"),
    [
        ("GET", "/favicon.ico", None, 404),
        ("GET", "/callback/more?code=abc&state=xyz", None, 404),
        ("GET", "/callback?code=abc&state=xyz", "attacker.example", 400),  # DNS rebinding: the page names its own host
        ("GET", "/callback?code=abc&state=xyz", "localhost:{port}", 400),  # not the name in the redirect URI
        ("POST", "/callback?code=abc&state=xyz", None, 405),
        ("HEAD", "/callback?code=abc&state=xyz", None, 405),
    ],
)
async def test_other_requests_are_refused_and_the_wait_goes_on(method, path, host, status):
    async with listening() as listener, httpx.AsyncClient() as http:
        headers = {"Host": host.format(port=listener.port)} if host else {}
        stray = await http.request(method, f"http://{LISTEN_HOST}:{listener.port}{path}", headers=headers, data={})
        assert stray.status_code == status
        assert stray.headers.get("allow") == ("GET" if status == 405 else None)
        callback = f"{listener.redirect_uri}?code=abc&state=xyz"
        assert (await http.get(callback)).status_code == 200
        assert await listener.wait(5) == callback


async def test_the_redirect_path_is_recognised_as_the_browser_escapes_it():
    async with listening("http://127.0.0.1/r%c3%bcckruf?tenant=acme") as listener, httpx.AsyncClient() as http:
        base = f"http://{LISTEN_HOST}:{listener.port}"
        assert (await http.get(f"{base}/r%C3%BCckruf?code=abc&state=xyz")).status_code == 404  # no tenant
        callback = f"{base}/r%C3%BCckruf?tenant=acme&code=abc&state=xyz"
        assert (await http.get(callback)).status_code == 200
        assert await listener.wait(5) == callback


@pytest.mark.parametrize(
    "head",
    [
        b"NONSENSE\r\n\r\n",
        b"GET /callback HTTP/1.1\r\n\r\n",  # no Host
        b"GET /callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nHost: 127.0.0.1:{port}\r\n\r\n",
        b"GET /callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nX-A: 1\r\n folded\r\n\r\n",
        b"GET http://127.0.0.1:{port}/callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n",  # proxy form
        b"GET /callback HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n" + b"X-A: 1\r\n" * 101 + b"\r\n",
    ],
    ids=["garbage", "no-host", "two-hosts", "folded", "absolute-form", "too-many-headers"],
)
async def test_malformed_requests_get_400(head):
    async with listening() as listener:
        reader, writer = await asyncio.open_connection(LISTEN_HOST, listener.port)
        writer.write(head.replace(b"{port}", str(listener.port).encode()))
        assert (await reader.readline()).startswith(b"HTTP/1.1 400 ")
        writer.close()
        await writer.wait_closed()


async def test_an_oversized_request_is_cut_off_and_the_wait_goes_on():
    async with listening() as listener, httpx.AsyncClient() as http:
        reader, writer = await asyncio.open_connection(LISTEN_HOST, listener.port)
        writer.write(b"GET /callback?code=abc HTTP/1.1\r\nCookie: " + b"a" * MAX_HEAD_BYTES + b"\r\n\r\n")
        try:
            assert (await reader.readline()).startswith(b"HTTP/1.1 400 ")
        except ConnectionResetError:
            pass  # closing on unread input resets the connection, which may overtake the 400: refused either way
        writer.close()
        callback = f"{listener.redirect_uri}?code=abc&state=xyz"
        await http.get(callback)
        assert await listener.wait(5) == callback


async def test_a_spare_connection_is_dropped_when_the_sign_in_comes_back():
    async with listening() as listener, httpx.AsyncClient() as http:
        idle_reader, idle_writer = await asyncio.open_connection(LISTEN_HOST, listener.port)  # a browser's preconnect
        await http.get(f"{listener.redirect_uri}?code=abc&state=xyz")
        await listener.wait(5)
        assert await idle_reader.read() == b""
        idle_writer.close()


async def test_a_sign_in_that_never_comes_back_times_out_and_frees_the_port():
    listener = LoopbackListener(plain_vendor())
    await listener.start()
    port = listener.port
    sentence = r"^OAuth 2\.0 \(generic\): the browser sign-in did not come back within 0\.05 seconds; try again\.$"
    with pytest.raises(BrowserSignInError, match=sentence):
        await listener.wait(0.05)
    await assert_closed(port)


async def test_an_error_redirect_gets_the_did_not_complete_page():
    async with listening() as listener, httpx.AsyncClient() as http:
        answer = await http.get(f"{listener.redirect_uri}?error=access_denied&state=xyz")
        await listener.wait(5)
    assert "did not complete" in answer.text
    assert "signed in" not in answer.text


async def test_no_browser_is_reported_at_once_and_frees_the_port(connections):
    opened: list[str] = []

    def no_browser(url: str) -> bool:
        opened.append(url)
        return False

    with pytest.raises(BrowserSignInError, match="no web browser could be opened"):
        await sign_in_with_system_browser(connections, "Vendor", plain_vendor(), no_browser)
    redirect_uri = parse_qs(urlsplit(opened[0]).query)["redirect_uri"][0]
    await assert_closed(urlsplit(redirect_uri).port)


async def test_a_localhost_redirect_uri_keeps_its_name():
    async with listening("http://localhost/done") as listener, httpx.AsyncClient() as http:
        assert listener.redirect_uri == f"http://localhost:{listener.port}/done"
        headers = {"Host": f"localhost:{listener.port}"}
        await http.get(f"http://{LISTEN_HOST}:{listener.port}/done?code=abc&state=xyz", headers=headers)
        assert await listener.wait(5) == f"{listener.redirect_uri}?code=abc&state=xyz"


async def test_a_registered_port_is_used_while_free_and_given_up_when_taken():
    with socket.socket() as taken:
        taken.bind((LISTEN_HOST, 0))
        taken.listen()
        port = taken.getsockname()[1]
        async with listening(f"http://127.0.0.1:{port}/cb") as listener:
            assert listener.port != port
            assert listener.redirect_uri == f"http://127.0.0.1:{listener.port}/cb"
    async with listening(f"http://127.0.0.1:{port}/cb") as listener:
        assert listener.redirect_uri == f"http://127.0.0.1:{port}/cb"


# -- the choice of address


@pytest.mark.parametrize(
    ("configured", "expected"),
    [
        (APP_REDIRECT_URI, LoopbackAddress()),
        ("http://127.0.0.1/callback", LoopbackAddress("127.0.0.1", 0, "/callback")),
        (
            "http://127.0.0.1:8765/oauth/done?tenant=acme",
            LoopbackAddress("127.0.0.1", 8765, "/oauth/done", "tenant=acme"),
        ),
        ("http://LOCALHOST:8765/cb", LoopbackAddress("localhost", 8765, "/cb")),
        ("http://127.0.0.1:8765", LoopbackAddress("127.0.0.1", 8765, "/")),
        ("https://127.0.0.1:8765/cb", LoopbackAddress()),  # TLS is not served
        ("http://[::1]:8765/cb", LoopbackAddress()),  # only 127.0.0.1 is listened on
        ("http://127.0.0.2:8765/cb", LoopbackAddress()),
        ("http://127.0.0.1:99999/cb", LoopbackAddress()),  # not a port
        ("com.example.app:/callback", LoopbackAddress()),  # a private-use scheme
        ("", LoopbackAddress()),
    ],
)
def test_loopback_address(configured, expected):
    assert loopback_address(configured) == expected


def test_the_default_address_is_the_rfc_8252_one():
    assert LoopbackAddress().redirect_uri(50123) == "http://127.0.0.1:50123/callback"


async def test_a_vendor_answering_in_the_fragment_cannot_use_the_system_browser(tmp_path):
    provider = resolve_provider(
        CATALOG.get("ioffice"),
        {"client_id": "c", "site": "acme.example", "redirect_uri": "http://127.0.0.1/callback"},
    )
    opened = []
    with pytest.raises(ConfigError, match="URL fragment"):
        await LoopbackBrowser(opened.append).browse(provider, None)  # type: ignore[arg-type]
    assert opened == []
