"""What a new user sees before the first connection: what connmgr does and the one thing to do first."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel, QPushButton, QVBoxLayout, QWidget

from connmgr.gui.resources import app_icon
from connmgr.gui.text_styles import heading, secondary


class EmptyState(QWidget):
    def __init__(self, connect: QAction, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        logo = QLabel()
        logo.setPixmap(app_icon().pixmap(64, 64))
        title = heading(QLabel("No connections yet"), 1.5)
        text = QLabel(
            "Connect a client's account at a vendor: choose the vendor, sign in as the client, and the connection "
            "appears here with who it is connected as and when its token expires.\n\n"
            "Copy the token, refresh or revoke it, or export it to a .env file from here or from the command line."
        )
        secondary(text)
        text.setWordWrap(True)
        text.setFixedWidth(460)
        text.setMinimumHeight(text.heightForWidth(460))  # a centred box layout would give it one line's height
        text.setAlignment(Qt.AlignmentFlag.AlignCenter)
        button = QPushButton(connect.icon(), "Connect an account…")
        button.setDefault(True)
        button.clicked.connect(connect.trigger)
        self.button = button
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        for widget in (logo, title, text, button):
            layout.addWidget(widget, 0, Qt.AlignmentFlag.AlignHCenter)
            layout.addSpacing(8)
        layout.addStretch(3)
