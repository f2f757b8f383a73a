"""Sign-in helpers shared by the engine and service tests: a person at the vendor's pages."""

from __future__ import annotations

from connmgr.domain.connection import Connection
from connmgr.domain.provider import Provider
from connmgr.oauth.client import OAuthClient
from connmgr.services.connecting import Begin, Redirected, Saved, SignInBrowser
from connmgr.services.connections import Connections
from connmgr.services.signin import finish_sign_in, start_sign_in
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
