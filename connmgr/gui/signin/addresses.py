"""QUrl to the plain strings the Qt-free rules and the person read."""

from __future__ import annotations

from PySide6.QtCore import QUrl


def encoded(url: QUrl) -> str:
    """The URL exactly as sent, percent-encoding and fragment intact (`toString()` would decode %20)."""
    return url.toString(QUrl.ComponentFormattingOption.FullyEncoded)


def host_of(url: QUrl) -> str:
    """The host a person should see, with the port when it is not the scheme's default."""
    port = url.port()
    return url.host() if port == -1 else f"{url.host()}:{port}"
