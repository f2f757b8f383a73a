"""Copying a secret: marked as one for clipboard managers, and cleared again on its own.

The copy is cleared after `clear_after_s` (and on quit), but only if the
clipboard still holds it: something the person copied since is theirs.
Only a fingerprint of the secret is kept to tell.
"""

from __future__ import annotations

from PySide6.QtCore import QMimeData, QObject, QTimer, Signal
from PySide6.QtGui import QClipboard

CLEAR_AFTER_S = 30
# KDE Klipper and most Linux clipboard managers skip entries carrying this hint.
KDE_HINT = "x-kde-passwordManagerHint"
# Windows: native formats that keep a copy out of clipboard history and cloud sync.
WINDOWS_HINTS = (
    'application/x-qt-windows-mime;value="ExcludeClipboardContentFromMonitorProcessing"',
    'application/x-qt-windows-mime;value="CanIncludeInClipboardHistory"',
    'application/x-qt-windows-mime;value="CanUploadToCloudClipboard"',
)
# macOS: the nspasteboard.org convention clipboard managers honour.
MAC_CONCEALED = "org.nspasteboard.ConcealedType"


def _fingerprint(text: str) -> bytes:
    import hashlib  # with the first copy: OpenSSL's start costs the first paint, which copies nothing

    return hashlib.sha256(text.encode()).digest()


def secret_mime_data(secret: str) -> QMimeData:
    data = QMimeData()
    data.setText(secret)
    data.setData(KDE_HINT, b"secret")
    for name in WINDOWS_HINTS:
        data.setData(name, b"\0\0\0\0")  # a DWORD 0: "no"
    data.setData(MAC_CONCEALED, b"")
    return data


class SecretClipboard(QObject):
    """Puts secrets on the clipboard and takes them off again."""

    cleared = Signal()

    def __init__(self, clipboard: QClipboard, clear_after_s: float = CLEAR_AFTER_S, parent: QObject | None = None):
        super().__init__(parent)
        self._clipboard = clipboard
        self._fingerprint: bytes | None = None
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(int(clear_after_s * 1000))
        self._timer.timeout.connect(self.clear)

    def copy(self, secret: str) -> None:
        self._clipboard.setMimeData(secret_mime_data(secret))
        self._fingerprint = _fingerprint(secret)
        self._timer.start()

    def holds_our_copy(self) -> bool:
        return self._fingerprint is not None and _fingerprint(self._clipboard.text()) == self._fingerprint

    def clear(self) -> None:
        """Take our copy off the clipboard (timer, quit); leave anything copied since alone."""
        self._timer.stop()
        if self.holds_our_copy():
            self._clipboard.clear()
        self._fingerprint = None
        self.cleared.emit()
