"""Sign-in helpers shared by the engine and service tests: a person at the vendor's pages."""

from __future__ import annotations

from connmgr.domain.provider import Provider
from connmgr.oauth.client import OAuthClient
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
