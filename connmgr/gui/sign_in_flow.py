"""The embedded sign-in window as the browser of `Connections.connect`, up to the intercepted redirect.

QtWebEngine is imported here, inside `browse`, if the Connect dialog's warm-up
(`signin.warm_up`) has not loaded it already: the main window starts without it
(start-up time and memory).
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from connmgr.domain.likely_field import field_named_in
from connmgr.domain.provider import Provider
from connmgr.gui.first_signal import FirstSignal
from connmgr.services.connecting import Begin, Browsed, Cancelled, Failed, Redirected, UseSystemBrowser
from connmgr.services.loopback import SIGN_IN_TIMEOUT_S


class EmbeddedBrowser:
    """`parent`: the window the sign-in window is modal to (the Connect dialog, which waits behind it)."""

    def __init__(self, parent: QWidget | None, *, timeout: float = SIGN_IN_TIMEOUT_S) -> None:
        self.parent = parent
        self.timeout = timeout  # the window's own deadline, named in its sentence

    async def browse(self, provider: Provider, begin: Begin) -> Browsed | UseSystemBrowser:
        request = await begin(None)
        from connmgr.gui.signin.window import SignInWindow

        window = SignInWindow(
            request.url, request.redirect_uri, provider.vendor, timeout=self.timeout, parent=self.parent
        )
        window.setWindowModality(Qt.WindowModality.WindowModal)
        done = FirstSignal[Browsed | UseSystemBrowser]()
        finish = done.set

        def back_to_settings(sentence: str, page_said: str) -> None:
            finish(Failed(sentence, field_named_in(page_said, provider.template.fields_for(provider.flow))))

        window.redirect_received.connect(lambda url: finish(Redirected(url)))
        window.cancelled.connect(lambda: finish(Cancelled(provider.vendor)))
        window.failed.connect(lambda sentence: finish(Failed(sentence)))
        window.back_to_settings.connect(back_to_settings)
        window.use_system_browser.connect(lambda: finish(UseSystemBrowser()))
        window.show()
        try:
            return await done
        finally:
            window.deleteLater()  # a closed dialog kept as the main window's hidden child would hold its memory
