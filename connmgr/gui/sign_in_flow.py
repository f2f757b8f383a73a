"""One sign-in, in the embedded window or the system browser, up to the intercepted redirect.

QtWebEngine is imported here, inside the function, the first time a sign-in
window opens: the main window starts without it (start-up time and memory).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtWidgets import QWidget

from connmgr.domain.provider import Provider
from connmgr.services.connections import Connections
from connmgr.services.loopback import browse_in_system_browser
from connmgr.services.signin import SignIn


@dataclass(frozen=True)
class SignInOutcome:
    sign_in: SignIn | None
    callback_url: str | None
    sentence: str = ""  # why it ended without a redirect; empty when the person simply cancelled


async def sign_in(
    connections: Connections,
    provider: Provider,
    *,
    system_browser: bool,
    open_url: Callable[[str], object],
    parent: QWidget | None,
) -> SignInOutcome:
    if system_browser or provider.template.browser == "system":
        return await _in_system_browser(connections, provider, open_url)
    start = await connections.begin_sign_in(provider)
    from connmgr.gui.signin.window import SignInWindow

    window = SignInWindow(start.request.url, start.request.redirect_uri, provider.vendor, parent=parent)
    done: asyncio.Future[tuple[str, str]] = asyncio.get_running_loop().create_future()

    def finish(kind: str, value: str = "") -> None:
        if not done.done():
            done.set_result((kind, value))

    window.redirect_received.connect(lambda url: finish("redirect", url))
    window.cancelled.connect(lambda: finish("cancelled"))
    window.failed.connect(lambda sentence: finish("failed", sentence))
    window.use_system_browser.connect(lambda: finish("system"))
    window.show()
    try:
        kind, value = await done
    finally:
        window.deleteLater()  # a closed dialog kept as the main window's hidden child would hold its memory
    if kind == "redirect":
        return SignInOutcome(start, value)
    if kind == "system":
        return await _in_system_browser(connections, provider, open_url)
    return SignInOutcome(None, None, value)


async def _in_system_browser(
    connections: Connections, provider: Provider, open_url: Callable[[str], object]
) -> SignInOutcome:
    """RFC 8252 §7.3: a one-shot listener on the loopback address catches the redirect."""
    return SignInOutcome(*await browse_in_system_browser(connections, provider, open_url))
