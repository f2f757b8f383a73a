"""Windows that open no larger than the screen they open on, so their buttons are never out of reach."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

_HEIGHT_SHARE = 0.9  # of the screen's free height at most: room for the title bar and a margin


def resize_to_fit(window: QWidget, width: int, height: int) -> None:
    """The preferred size, or less where the screen is smaller (1280x720: a laptop, a remote desktop)."""
    room = window.screen().availableGeometry()
    window.resize(min(width, room.width()), min(height, int(room.height() * _HEIGHT_SHARE)))
