"""Starting the web engine while the Connect dialog is open, so that the sign-in window opens warm.

The first sign-in window of a process otherwise pays, on the click, for importing QtWebEngine, for starting
Chromium (it starts with the first web profile) and for Chromium's first page and renderer: about four times
what the next sign-in window costs. A person spends seconds on the dialog; the warm-up does that work then,
one step per turn of the event loop, so typing waits at most for one step (starting Chromium is the longest).

Never at start-up: the idle window must not carry the web engine. Importing this module loads no QtWebEngine.

Once warm, the engine stays warm: Chromium and its libraries live until the process ends whatever is done. The
warm-up's own view, page and profile are dropped as soon as they have shown an empty page, whether the dialog is
open or not: every sign-in has a fresh private profile of its own, so keeping them would buy the sign-in nothing
and keep a renderer process running.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import QDialog

if TYPE_CHECKING:
    from PySide6.QtWebEngineWidgets import QWebEngineView

BLANK = QUrl("about:blank")  # a page that reaches no network, and still makes Chromium start a renderer


class WebEngineWarmUp(QObject):
    """Warms the web engine once the dialog it `follow`s has been painted; stops if that dialog closes first."""

    warm = Signal()  # the engine has started and shown its first page; the warm-up's view and page are going

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.is_warm = False
        self.view: QWebEngineView | None = None  # the warm-up's, off screen, while its page loads
        self._steps: Generator[bool, None, None] | None = None
        self._followed: QDialog | None = None

    def follow(self, dialog: QDialog) -> None:
        """Warm up after `dialog`'s first paint (it is drawn before anything else is done); stop when it closes."""
        if self.is_warm:
            return
        self._followed = dialog
        dialog.installEventFilter(self)
        dialog.finished.connect(lambda _code: self._on_followed_finished(dialog))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self._followed and event.type() == QEvent.Type.Paint:
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self, self.start)  # after the paint has been flushed to the screen
        return False

    def start(self) -> None:
        if self.is_warm or self._steps is not None:
            return
        self._steps = self._warming()
        # Its view is a window of no parent: deleted mid-way (the app closing), the warm-up takes it along.
        self.destroyed.connect(self._steps.close)
        self._advance()

    def stop(self) -> None:
        """Drop what the warm-up made so far; what Chromium has started stays started."""
        if self._steps is not None:
            self._steps.close()  # runs the generator's `finally`
            self._steps = None

    def _on_followed_finished(self, dialog: QDialog) -> None:
        dialog.removeEventFilter(self)
        if dialog is self._followed:  # not an earlier dialog's late word
            self._followed = None
            self.stop()

    def _advance(self) -> None:
        if self._steps is None:
            return
        if next(self._steps, None) is True:
            QTimer.singleShot(0, self, self._advance)  # the next step at the loop's next turn, after any typing
        elif self.is_warm:
            self.warm.emit()  # out of the generator: a receiver may stop or start it again

    def _on_loadFinished(self, _ok: bool) -> None:
        self._advance()  # about:blank cannot fail to load, and the warm-up is over either way

    def _warming(self) -> Generator[bool, None, None]:
        """Each `yield True` gives the event loop a turn; `yield False` waits for the page's loadFinished."""
        import PySide6.QtWebEngineCore  # noqa: F401  # the largest library, loaded on its own turn

        yield True
        from PySide6.QtWebEngineCore import QWebEnginePage, QWebEngineProfile
        from PySide6.QtWebEngineWidgets import QWebEngineView

        from connmgr.gui.chromium_setup import prepare
        from connmgr.gui.signin import window  # noqa: F401  # the sign-in window's own modules

        yield True
        prepare()  # the sandbox and flags, before Chromium reads them; may ask `unshare` whether namespaces work
        yield True
        profile = QWebEngineProfile()  # off the record; Chromium starts here, the longest step (40-80 ms)
        try:
            yield True
            # A view as well as a page: the first view shown in a process sets up how web pages are drawn (Qt
            # Quick's scene graph). Shown, but never on screen: no window appears, none takes the focus.
            self.view = QWebEngineView()
            self.view.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen)
            page = QWebEnginePage(profile, self.view)  # the view's child: deleted with it
            profile.setParent(page)  # deleted after the page, as QtWebEngine requires
            self.view.setPage(page)
            page.loadFinished.connect(self._on_loadFinished)
            self.view.resize(QSize(560, 620))  # about the sign-in window's page
            self.view.show()
            page.load(BLANK)
            yield False
            self.is_warm = True
        finally:
            if self.view is None:
                profile.deleteLater()
            else:
                self.view.page().blockSignals(True)  # a load that finishes late speaks to no later warm-up
                self.view.deleteLater()  # with it its page, then the page's profile
                self.view = None
            self._steps = None
