"""The window in which a person signs in at a vendor, and from which the redirect back is taken.

One window is one sign-in: it ends exactly once, with `redirect_received`,
`cancelled`, `failed`, `back_to_settings` or `use_system_browser`, closes itself,
and frees its web page and private profile. Importing this module loads QtWebEngine.
"""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QTimer, QUrl, Signal, SignalInstance
from PySide6.QtWebEngineCore import QWebEnginePage
from PySide6.QtWebEngineWidgets import QWebEngineView
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from connmgr.gui.chromium_setup import prepare
from connmgr.gui.screen_fit import resize_to_fit
from connmgr.gui.signin import sentences
from connmgr.gui.signin.address_bar import AddressBar
from connmgr.gui.signin.error_page import page_words
from connmgr.gui.signin.page import SignInPage
from connmgr.gui.text_styles import heading

_log = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 600.0  # seconds: enough to find a password, short enough that a forgotten window ends

# The page's signals come from inside Chromium's callbacks (a navigation being decided); queued, the
# window acts once Chromium is done, and a receiver may open a dialog without re-entering it.
_QUEUED = Qt.ConnectionType.QueuedConnection

_Ended = QWebEnginePage.RenderProcessTerminationStatus
_RENDERER_ENDINGS = {_Ended.CrashedTerminationStatus: "crashed", _Ended.KilledTerminationStatus: "was killed"}


class SignInWindow(QDialog):
    """Shows the vendor's sign-in pages and hands back the redirect to `redirect_uri`, never loading it."""

    # Not "redirected": that name is QPaintDevice's virtual redirected(), which painting calls.
    redirect_received = Signal(str)  # the full intercepted redirect URL, fragment included
    cancelled = Signal()  # the person pressed Cancel, Escape or closed the window
    failed = Signal(str)  # one sentence: vendor, what failed, what to do
    blocked_embedded = Signal(str)  # the vendor refuses embedded browsers (a sentence); the offer is shown
    use_system_browser = Signal()  # the person took the offer; the window has closed
    # The person left the vendor's error page for the settings: a sentence, and the page's words it quotes.
    back_to_settings = Signal(str, str)

    def __init__(
        self,
        authorize_url: str,
        redirect_uri: str,
        vendor: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._vendor = vendor
        self._authorize_url = authorize_url
        self._timeout = timeout
        self._over = False
        self._page_error = ("", "")  # the sentence and words of the error page on show
        self.setWindowTitle(f"Sign in to {vendor}")
        resize_to_fit(self, 560, 760)  # Cancel and "Back to the settings" within reach at 1280x720

        title = heading(QLabel(f"Sign in to {vendor}"), 1.25)
        self.address = AddressBar()
        self._progress = QProgressBar()
        self._progress.setTextVisible(False)
        self._progress.setMaximumHeight(6)
        policy = self._progress.sizePolicy()
        policy.setRetainSizeWhenHidden(True)  # the page must not jump when loading ends
        self._progress.setSizePolicy(policy)
        self._offer = self._system_browser_offer()
        self._view = QWebEngineView()
        self._page = SignInPage(redirect_uri, self._view)  # the view's child: deleted with it
        self._view.setPage(self._page)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        buttons.rejected.connect(self.reject)
        self._back = buttons.addButton("Back to the settings", QDialogButtonBox.ButtonRole.ActionRole)
        self._back.setToolTip("Return to the Connect dialog, every value as you left it, to correct what the page says")
        self._back.clicked.connect(self._on_back_chosen)
        self._back.hide()  # offered while the vendor's page shows an error

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(self.address)
        layout.addWidget(self._progress)
        layout.addWidget(self._offer)
        layout.addWidget(self._view, stretch=1)
        layout.addWidget(buttons)

        self._deadline = QTimer(self)
        self._deadline.setSingleShot(True)
        self._deadline.timeout.connect(self._on_deadline)
        self._connect_page()
        if notice := prepare().notice:  # decided when the page's profile was made
            self.address.show_sandbox_off(notice)
        self.address.show_address(QUrl(authorize_url))
        self._page.load(QUrl(authorize_url))
        self._deadline.start(round(timeout * 1000))

    @property
    def page(self) -> SignInPage:
        return self._page

    def _system_browser_offer(self) -> QFrame:
        offer = QFrame()
        offer.setFrameShape(QFrame.Shape.StyledPanel)
        self._offer_text = QLabel()
        self._offer_text.setWordWrap(True)
        button = QPushButton("Sign in with the system browser")
        button.clicked.connect(self._on_system_browser_chosen)
        row = QHBoxLayout(offer)
        row.addWidget(self._offer_text, stretch=1)
        row.addWidget(button)
        offer.hide()
        return offer

    def _connect_page(self) -> None:
        page = self._page
        page.urlChanged.connect(self.address.show_address)
        page.loadStarted.connect(self._progress.show)
        page.loadStarted.connect(self._back.hide)
        page.loadProgress.connect(self._progress.setValue)
        page.loadFinished.connect(self._progress.hide)
        page.redirect_caught.connect(self._on_redirect_caught, _QUEUED)
        page.navigation_refused.connect(self._on_navigation_refused, _QUEUED)
        page.redirect_missed.connect(self._on_redirect_missed, _QUEUED)
        page.certificate_refused.connect(self._on_certificate_refused, _QUEUED)
        page.load_failed.connect(self._on_load_failed, _QUEUED)
        page.embedded_browser_refused.connect(self._on_embedded_browser_refused, _QUEUED)
        page.error_page_shown.connect(self._on_error_page_shown, _QUEUED)
        # A renderer that dies leaves a dead page; the rest of the app runs on, and the next sign-in gets a new one.
        page.renderProcessTerminated.connect(self._on_renderProcessTerminated, _QUEUED)

    def _conclude(self, result: QDialog.DialogCode, outcome: SignalInstance, *args: object) -> None:
        """End the sign-in once: announce the outcome, close, free the web engine."""
        if self._over:
            return
        self._over = True
        self._deadline.stop()
        outcome.emit(*args)
        self.done(result)
        # With the view go its page and then the page's private profile, in the order QtWebEngine needs.
        self._view.deleteLater()

    def reject(self) -> None:
        """Cancel, Escape and closing the window all end here."""
        self._conclude(QDialog.DialogCode.Rejected, self.cancelled)

    def _fail(self, sentence: str) -> None:
        if not self._over:
            _log.warning("sign-in failed: %s", sentence)
        self._conclude(QDialog.DialogCode.Rejected, self.failed, sentence)

    def _on_redirect_caught(self, url: str) -> None:
        self._conclude(QDialog.DialogCode.Accepted, self.redirect_received, url)

    def _on_navigation_refused(self, reason: str) -> None:
        self._fail(sentences.navigation_refused(self._vendor, reason))

    def _on_redirect_missed(self, where: str, redirect_uri: str) -> None:
        self._fail(sentences.redirect_missed(self._vendor, where, redirect_uri))

    def _on_certificate_refused(self, host: str, description: str) -> None:
        self._fail(sentences.certificate_refused(self._vendor, host, description))

    def _on_load_failed(self, host: str, error: str) -> None:
        self._fail(sentences.page_unreachable(self._vendor, host, error))

    def _on_renderProcessTerminated(self, status: QWebEnginePage.RenderProcessTerminationStatus, code: int) -> None:
        if not self._over:
            _log.warning("the sign-in page's web process ended (%s, exit code %d)", status.name, code)
        self._fail(sentences.renderer_ended(self._vendor, _RENDERER_ENDINGS.get(status, "ended unexpectedly")))

    def _on_deadline(self) -> None:
        self._fail(sentences.timed_out(self._vendor, self._timeout))

    def _on_embedded_browser_refused(self) -> None:
        if self._over or not self._offer.isHidden():
            return
        sentence = sentences.embedded_browser_refused(self._vendor)
        self._offer_text.setText(sentence)
        self._offer.show()
        self.blocked_embedded.emit(sentence)

    def _on_error_page_shown(self, status: int, text: str) -> None:
        said = page_words(text, self._authorize_url)
        self._page_error = (sentences.page_error(self._vendor, status, said), said)
        self._back.show()

    def _on_back_chosen(self) -> None:
        self._conclude(QDialog.DialogCode.Rejected, self.back_to_settings, *self._page_error)

    def _on_system_browser_chosen(self) -> None:
        self._conclude(QDialog.DialogCode.Rejected, self.use_system_browser)
