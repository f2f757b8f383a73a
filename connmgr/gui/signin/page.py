"""The web page of one sign-in: it catches the redirect back to the app and refuses what a sign-in must not do.

One small adapter per Qt hook: each turns Qt's arguments into strings at once
and leaves the decision to the Qt-free `navigation` and `block_page` modules.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtWebEngineCore import (
    QWebEngineCertificateError,
    QWebEngineLoadingInfo,
    QWebEnginePage,
    QWebEngineScript,
    QWebEngineSettings,
)

from connmgr.domain.callback import shown_address
from connmgr.gui.signin.addresses import encoded, host_of
from connmgr.gui.signin.block_page import is_embedded_browser_block
from connmgr.gui.signin.error_page import is_error_status
from connmgr.gui.signin.navigation import Verdict, judge_navigation
from connmgr.gui.signin.profile import PrivateProfile

_log = logging.getLogger(__name__)

_PAGE_TEXT_SCRIPT = "document.title + '\\n' + (document.body ? document.body.innerText : '')"

# Failed loads that still show the server's own page (an HTTP error status), or that
# certificateError already reported, are not "could not be loaded".
_NOT_UNREACHABLE = frozenset(
    {QWebEngineLoadingInfo.ErrorDomain.HttpStatusCodeDomain, QWebEngineLoadingInfo.ErrorDomain.CertificateErrorDomain}
)


class SignInPage(QWebEnginePage):
    """Owns its private profile, so the profile is deleted after the page, as QtWebEngine requires."""

    redirect_caught = Signal(str)  # the full redirect URL, fragment included; emitted at most once
    navigation_refused = Signal(str)  # what was refused, e.g. "a file: address"
    redirect_missed = Signal(str, str)  # where a navigation on the redirect address went, and the redirect URI
    certificate_refused = Signal(str, str)  # host, Chromium's description
    load_failed = Signal(str, str)  # host, Chromium's error ("net::ERR_CONNECTION_REFUSED")
    embedded_browser_refused = Signal()  # the page turns embedded browsers away
    error_page_shown = Signal(int, str)  # an HTTP 4xx answer to the page itself: its status, title and text

    def __init__(self, redirect_uri: str, parent: QObject | None = None) -> None:
        profile = PrivateProfile(redirect_uri)
        super().__init__(profile, parent)
        # The page's child: deleted after ~QWebEnginePage has run (else Qt warns "Release of profile
        # requested but WebEnginePage still not deleted").
        profile.setParent(self)
        self.private_profile = profile
        self._redirect_uri = redirect_uri
        self._caught = False
        # A mailto: or zoommtg: link would otherwise start another program at the person's click, without
        # ever asking acceptNavigationRequest; a sign-in has no business doing that.
        self.settings().setUnknownUrlSchemePolicy(QWebEngineSettings.UnknownUrlSchemePolicy.DisallowUnknownUrlSchemes)
        self.certificateError.connect(self._on_certificateError)
        self.loadingChanged.connect(self._on_loadingChanged)

    def acceptNavigationRequest(self, url: QUrl | str, type: QWebEnginePage.NavigationType, isMainFrame: bool) -> bool:
        if self._caught:
            return False  # the sign-in is over: nothing more is loaded
        target = encoded(QUrl(url))
        navigation = judge_navigation(target, self._redirect_uri, main_frame=isMainFrame)
        if navigation.verdict is Verdict.CATCH:
            self._caught = True
            self.redirect_caught.emit(target)
        elif navigation.verdict is Verdict.REFUSE:
            _log.warning("refused to open %s (%s navigation)", navigation.reason, type.name)
            if isMainFrame:
                self.navigation_refused.emit(navigation.reason)
        elif navigation.verdict is Verdict.MISSED:
            _log.warning("refused a navigation to the redirect address that is not the redirect URI")
            self.redirect_missed.emit(navigation.reason, shown_address(self._redirect_uri))
        return navigation.verdict is Verdict.LOAD

    def _on_certificateError(self, error: QWebEngineCertificateError) -> None:
        # No "continue anyway": a sign-in over a connection nobody vouches for gives the password away.
        error.rejectCertificate()
        host = host_of(error.url())
        _log.warning("refused the certificate of %s: %s", host, error.description())
        if error.isMainFrame():
            self.certificate_refused.emit(host, error.description())

    def _on_loadingChanged(self, info: QWebEngineLoadingInfo) -> None:
        status, domain = info.status(), info.errorDomain()
        if status is QWebEngineLoadingInfo.LoadStatus.LoadFailedStatus and domain not in _NOT_UNREACHABLE:
            self.load_failed.emit(host_of(info.url()), info.errorString())
        elif status is QWebEngineLoadingInfo.LoadStatus.LoadSucceededStatus or (
            status is QWebEngineLoadingInfo.LoadStatus.LoadFailedStatus
            and domain is QWebEngineLoadingInfo.ErrorDomain.HttpStatusCodeDomain
        ):
            # Google's block page comes as an HTTP 403 with a readable body. The application world keeps
            # the page's own scripts (which may have replaced document functions) out of this question.
            http_status = info.errorCode() if status is QWebEngineLoadingInfo.LoadStatus.LoadFailedStatus else 200
            self.runJavaScript(
                _PAGE_TEXT_SCRIPT,
                QWebEngineScript.ScriptWorldId.ApplicationWorld,
                lambda text: self._on_page_text(text, http_status),
            )

    def _on_page_text(self, text: object, http_status: int) -> None:
        # A page deleted before the script ran answers None.
        if not isinstance(text, str):
            return
        if is_embedded_browser_block(text):
            self.embedded_browser_refused.emit()
        elif is_error_status(http_status):
            self.error_page_shown.emit(http_status, text)
