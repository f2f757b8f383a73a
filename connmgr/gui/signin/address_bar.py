"""The line above the page that tells a person where they are about to type a password."""

from __future__ import annotations

from PySide6.QtCore import QRectF, Qt, QUrl
from PySide6.QtGui import QColor, QPainter, QPen, QPixmap
from PySide6.QtWidgets import QHBoxLayout, QLabel, QStyle, QVBoxLayout, QWidget

from connmgr.gui.signin.addresses import host_of

_ICON_SIZE = 16
_SECURE_COLOR = QColor("#2e7d32")
_INSECURE_COLOR = QColor("#b3261e")


def _lock_pixmap(size: int, color: QColor, ratio: float) -> QPixmap:
    """A padlock, drawn: the emoji needs a font that many Linux desktops lack."""
    pixmap = QPixmap(round(size * ratio), round(size * ratio))
    pixmap.setDevicePixelRatio(ratio)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QPen(color, size * 0.13))
    painter.drawRoundedRect(QRectF(size * 0.3, size * 0.1, size * 0.4, size * 0.6), size * 0.2, size * 0.2)
    painter.setPen(Qt.PenStyle.NoPen)
    painter.setBrush(color)
    painter.drawRoundedRect(QRectF(size * 0.15, size * 0.42, size * 0.7, size * 0.52), size * 0.08, size * 0.08)
    painter.end()
    return pixmap


class AddressBar(QWidget):
    """Host of the current page, and whether the connection to it is encrypted (HTTPS)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._icon = QLabel()
        self._host = QLabel()
        self._host.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._host.setAccessibleName("Page address")
        font = self._host.font()
        font.setBold(True)
        self._host.setFont(font)
        self._security = QLabel()
        self._sandbox = QLabel()  # a line of its own below: the address line stays as wide as it was
        self._sandbox.setAccessibleName("Sandbox")
        self._sandbox.setWordWrap(True)
        self._sandbox.hide()
        address = QHBoxLayout()
        address.addWidget(self._icon)
        address.addWidget(self._host)
        address.addWidget(self._security)
        address.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(address)
        layout.addWidget(self._sandbox)

    @property
    def host(self) -> str:
        return self._host.text()

    @property
    def security(self) -> str:
        return self._security.text()

    @property
    def sandbox_notice(self) -> str:
        return "" if self._sandbox.isHidden() else self._sandbox.text()

    def show_sandbox_off(self, notice: str) -> None:
        """Say, beside the address, that this page's web process runs without Chromium's sandbox."""
        self._sandbox.setText(notice)
        self._sandbox.setToolTip(
            "Chromium's sandbox keeps a web page from reaching the rest of this computer. "
            "Sign in only at a vendor you trust."
        )
        self._sandbox.setStyleSheet(f"color: {_INSECURE_COLOR.name()}")
        self._sandbox.show()

    def show_address(self, url: QUrl) -> None:
        scheme = url.scheme().lower()
        self._host.setText(host_of(url) if scheme in ("http", "https") else "")
        ratio = self.devicePixelRatioF()
        if scheme == "https":
            self._icon.setPixmap(_lock_pixmap(_ICON_SIZE, _SECURE_COLOR, ratio))
            self._set_security("Secure connection (HTTPS)", _SECURE_COLOR)
        elif scheme == "http":
            warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
            self._icon.setPixmap(warning.pixmap(_ICON_SIZE, _ICON_SIZE))
            self._set_security("Not secure: HTTP, not encrypted", _INSECURE_COLOR)
        else:  # about:blank, Chromium's error pages: no host to vouch for
            self._icon.clear()
            self._set_security("", _INSECURE_COLOR)

    def _set_security(self, text: str, color: QColor) -> None:
        self._security.setText(text)
        self._security.setStyleSheet(f"color: {color.name()}")
