"""Sign-in helpers shared by the engine and service tests: a person at the vendor's pages."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from connmgr.domain.connection import Connection
from connmgr.domain.provider import Provider, resolve_provider
from connmgr.oauth.client import OAuthClient
from connmgr.services.connecting import Begin, Redirected, Saved, SignInBrowser
from connmgr.services.connections import Connections
from connmgr.services.signin import finish_sign_in, start_sign_in
from tests.support.oidc_fixtures import DEVICE_APP, DEVICES
from tests.support.providers import CATALOG
from tests.support.signin import SignInDriver


async def browse_to_callback(url: str, redirect_uri: str, username: str, password: str, button: str | None) -> str:
    """Open the authorize URL, sign in, press `button` on the consent page if there is one."""
    async with SignInDriver(stop_at=redirect_uri) as browser:
        page = await browser.open(url)
        page = await browser.submit(page, {"username": username, "password": password}, button="Sign in")
        if button is not None and not isinstance(page, str):
            page = await browser.submit(page, button=button)
        assert isinstance(page, str), f"expected to return to the app, got {getattr(page, 'url', page)}"
        return page


async def sign_in(client: OAuthClient, provider: Provider, username: str, password: str, *, button: str | None = None):
    start = await start_sign_in(client, provider)
    callback = await browse_to_callback(start.request.url, start.request.redirect_uri, username, password, button)
    return await finish_sign_in(client, start, callback)


class PersonAtVendor:
    """The browser of `Connections.connect` with a person in it: signs in, presses `button` on the consent page."""

    def __init__(self, username: str, password: str, button: str | None = None) -> None:
        self.username, self.password, self.button = username, password, button

    async def browse(self, provider: Provider, begin: Begin) -> Redirected:
        request = await begin(None)
        url = await browse_to_callback(request.url, request.redirect_uri, self.username, self.password, self.button)
        return Redirected(url)


async def connected(
    connections: Connections, name: str, provider: Provider, browser: SignInBrowser | None = None
) -> Connection:
    """`Connections.connect` where it must save (no browser: a flow without one): the connection saved."""
    outcome = await connections.connect(name, provider, embedded=browser)
    assert isinstance(outcome, Saved), outcome
    return outcome.connection


async def enter_device_code(page_url: str, username: str, password: str, *, button: str = "Continue") -> str:
    """A person at the device sign-in page (the one with the code filled in): confirm the code (or "Abort"), sign
    in and allow. The page's text at the end."""
    async with SignInDriver(stop_at="https://app.connmgr.test/never") as browser:
        page = await browser.open(page_url)
        page = await browser.submit(page)  # the page posts the code on by itself, as a browser's script would
        page = await browser.submit(page, button=button)
        if button == "Continue":
            page = await browser.submit(page, {"username": username, "password": password}, button="Sign in")
            page = await browser.submit(page, button="Allow")
        assert not isinstance(page, str)
        return page.text


@dataclass
class PassingTime:
    """An injected wait and clock: each wait moves the clock on at once; `during[n]` runs while the n-th lasts."""

    now: float = 1000.0
    waits: list[float] = field(default_factory=list)
    during: dict[int, Callable[[], Awaitable[object]]] = field(default_factory=dict)

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds
        if act := self.during.pop(len(self.waits), None):
            await act()

    def clock(self) -> float:
        return self.now


def device_provider(server, issuer=DEVICES, client=DEVICE_APP):
    """The generic OpenID template for a device sign-in at the device issuer (its endpoints from discovery)."""
    values = {"issuer": server.issuer(issuer).issuer, "client_id": client.client_id, "scope": "openid email profile"}
    return resolve_provider(CATALOG.get("oidc"), values, "device_code")
