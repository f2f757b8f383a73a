"""A fresh, private browser profile for each sign-in."""

from __future__ import annotations

import logging

from PySide6.QtWebEngineCore import QWebEngineDownloadRequest, QWebEngineProfile

from connmgr.gui.chromium_setup import prepare
from connmgr.gui.signin.interceptor import RedirectOriginGuard

_log = logging.getLogger(__name__)


class PrivateProfile(QWebEngineProfile):
    """An off-the-record profile: cookies, cache and storage live in memory and die with it.

    One per sign-in, so no session of one client's account reaches the next
    client's sign-in. The user agent stays QtWebEngine's own: disguising it
    breaks Google's rules for embedded sign-ins without getting past its other
    checks; for vendors that refuse the window, it offers the system browser.
    No request of its pages reaches the redirect URI's scheme, host and port.
    """

    def __init__(self, redirect_uri: str) -> None:
        prepare()  # Chromium's sandbox and flags, decided before the first profile makes Chromium read them
        super().__init__()  # no storage name: off the record
        # The profile's child, so deleted after ~QWebEngineProfile, which stops using it; and held here, since
        # without a Python reference the override is dropped and Qt's do-nothing interceptRequest runs.
        self._guard = RedirectOriginGuard(redirect_uri, self)
        self.setUrlRequestInterceptor(self._guard)
        self.downloadRequested.connect(self._on_downloadRequested)

    def _on_downloadRequested(self, download: QWebEngineDownloadRequest) -> None:
        # A sign-in has nothing to download; a file arriving here is a wrong turn or an attack.
        download.cancel()
        _log.info("refused a download of %r during a sign-in", download.suggestedFileName())
