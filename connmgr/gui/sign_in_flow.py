"""One sign-in, in the embedded window or the system browser, up to the intercepted redirect.

QtWebEngine is imported here, inside the function, the first time a sign-in
window opens: the main window starts without it (start-up time and memory).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from connmgr.domain.dialect import Browser
from connmgr.domain.likely_field import field_named_in
from connmgr.domain.provider import Provider
from connmgr.services.connections import Connections
from connmgr.services.loopback import SIGN_IN_TIMEOUT_S, browse_in_system_browser
from connmgr.services.signin import SignIn


@dataclass(frozen=True)
class SignInOutcome:
    sign_in: SignIn | None
    callback_url: str | None
    sentence: str = ""  # why it ended without a redirect; empty when the person simply cancelled
    field: str | None = None  # the template field the vendor's page named, when the person went back to settings


async def sign_in(
    connections: Connections,
    provider: Provider,
    *,
    system_browser: bool,
    open_url: Callable[[str], object],
    parent: QWidget | None,
    timeout: float = SIGN_IN_TIMEOUT_S,  # noqa: ASYNC109 -- the windows' own deadline, named in their sentences
) -> SignInOutcome:
    """`parent`: the window the sign-in window is modal to (the Connect dialog, which waits behind it)."""
    if system_browser or provider.template.browser is Browser.SYSTEM:
        return await _in_system_browser(connections, provider, open_url, timeout)
    start = await connections.begin_sign_in(provider)
    from connmgr.gui.signin.window import SignInWindow

    request = start.request
    window = SignInWindow(request.url, request.redirect_uri, provider.vendor, timeout=timeout, parent=parent)
    window.setWindowModality(Qt.WindowModality.WindowModal)
    done: asyncio.Future[tuple[str, str, str]] = asyncio.get_running_loop().create_future()

    def finish(kind: str, value: str = "", page_said: str = "") -> None:
        if not done.done():
            done.set_result((kind, value, page_said))

    window.redirect_received.connect(lambda url: finish("redirect", url))
    window.cancelled.connect(lambda: finish("cancelled"))
    window.failed.connect(lambda sentence: finish("failed", sentence))
    window.back_to_settings.connect(lambda sentence, said: finish("settings", sentence, said))
    window.use_system_browser.connect(lambda: finish("system"))
    window.show()
    try:
        kind, value, page_said = await done
    finally:
        window.deleteLater()  # a closed dialog kept as the main window's hidden child would hold its memory
    if kind == "redirect":
        return SignInOutcome(start, value)
    if kind == "system":
        return await _in_system_browser(connections, provider, open_url, timeout)
    return SignInOutcome(None, None, value, field_named_in(page_said, provider.template.fields_for(provider.flow)))


async def _in_system_browser(
    connections: Connections,
    provider: Provider,
    open_url: Callable[[str], object],
    timeout: float,  # noqa: ASYNC109 -- handed to the listener, which names it in its sentence
) -> SignInOutcome:
    """RFC 8252 §7.3: a one-shot listener on the loopback address catches the redirect."""
    return SignInOutcome(*await browse_in_system_browser(connections, provider, open_url, timeout=timeout))
