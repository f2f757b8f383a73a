"""Blocks every request a sign-in page makes to the redirect URI's origin, whatever kind it is."""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject
from PySide6.QtWebEngineCore import QWebEngineUrlRequestInfo, QWebEngineUrlRequestInterceptor

from connmgr.gui.signin.addresses import encoded
from connmgr.gui.signin.navigation import may_request

_log = logging.getLogger(__name__)


class RedirectOriginGuard(QWebEngineUrlRequestInterceptor):
    """The backstop behind `SignInPage.acceptNavigationRequest`, which sees navigations only: an image, a
    script, a fetch, a WebSocket or a prefetch to the redirect address would reach whatever answers there."""

    def __init__(self, redirect_uri: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._redirect_uri = redirect_uri

    def interceptRequest(self, info: QWebEngineUrlRequestInfo) -> None:
        if not may_request(encoded(info.requestUrl()), self._redirect_uri):
            info.block(True)
            _log.warning("blocked a request to the app's redirect address (%s)", info.resourceType().name)
