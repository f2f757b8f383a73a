"""A device sign-in's code in the Connect dialog: what to type, where (as a QR code too, for a phone), a button that
opens the page in the person's browser, and how long the code has left. Cancel stays the dialog's."""

from __future__ import annotations

import io
import time
from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QFont, QFontDatabase, QPixmap
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from connmgr.domain.device import DeviceAuthorization
from connmgr.domain.durations import countdown
from connmgr.gui.connect.editors import hint_label
from connmgr.gui.text_styles import heading


class DeviceCodePanel(QFrame):
    """Shows one code at a time (`show_code`), until `clear`."""

    def __init__(self, parent: QWidget | None = None, *, clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__(parent)
        self.setObjectName("device_code")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self._open_url: Callable[[str], object] = lambda _url: None
        self._clock = clock
        self._page = ""
        self._ends_at = 0.0
        self._intro = QLabel()
        self._intro.setWordWrap(True)
        self._code = heading(QLabel(), 2.0)
        self._code.setObjectName("user_code")
        self._code.setFont(_monospace(self._code))
        self._code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._address = hint_label("")
        self._address.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._open = QPushButton("Open the page in your browser")
        self._open.setObjectName("open_device_page")
        self._open.clicked.connect(lambda: self._open_url(self._page))
        self._left = hint_label("")
        self._qr = QLabel()
        self._qr.setObjectName("device_page_qr")
        self._qr.setToolTip("The page, for a phone's camera")
        self._ticker = QTimer(self)
        self._ticker.setInterval(1000)
        self._ticker.timeout.connect(self._tick)
        column = QVBoxLayout()
        for widget in (self._intro, self._code, self._address, self._open, self._left):
            column.addWidget(widget)
        layout = QHBoxLayout(self)
        layout.addLayout(column, stretch=1)
        layout.addWidget(self._qr, alignment=Qt.AlignmentFlag.AlignTop)
        self.hide()

    @property
    def user_code(self) -> str:
        return self._code.text()

    def show_code(self, grant: DeviceAuthorization, vendor: str, open_url: Callable[[str], object]) -> None:
        """`open_url`: how the page opens in the person's browser."""
        self._page, self._open_url = grant.verification_uri_complete, open_url
        self._ends_at = self._clock() + grant.expires_in
        filled_in = grant.verification_uri_complete != grant.verification_uri
        self._intro.setText(
            f"Open {vendor}'s page and check that it shows this code:"
            if filled_in
            else f"Open {vendor}'s page and enter this code:"
        )
        self._code.setText(grant.user_code)
        self._address.setText(grant.verification_uri)
        self._qr.setPixmap(qr_code(grant.verification_uri_complete))
        self._address.show()
        self._left.show()
        self._tick()
        self._ticker.start()
        self.show()

    def clear(self) -> None:
        self._ticker.stop()
        self._code.clear()
        self.hide()

    def _tick(self) -> None:
        left = self._ends_at - self._clock()
        self._left.setText(f"The code expires in {countdown(left)}." if left > 0 else "The code has expired.")


QR_MODULE_PX = 4  # each square of the code: a phone reads it from across a desk


def qr_code(text: str) -> QPixmap:
    """`text` as a QR code (segno, error correction M, the quiet zone it needs)."""
    # segno's import, like the code itself, is paid only when a device sign-in shows one.
    import segno

    png = io.BytesIO()
    segno.make(text, error="m", micro=False).save(png, kind="png", scale=QR_MODULE_PX)
    pixmap = QPixmap()
    pixmap.loadFromData(png.getvalue(), "PNG")
    return pixmap


def _monospace(label: QLabel) -> QFont:
    """The system's fixed-width font at the label's size and weight: a code reads letter by letter."""
    font = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
    font.setPointSizeF(label.font().pointSizeF())
    font.setWeight(label.font().weight())
    return font
