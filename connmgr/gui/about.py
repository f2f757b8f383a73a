"""Help → About connmgr: what it is, which version on which Qt, and where its data is kept."""

from __future__ import annotations

import platform
from pathlib import Path

import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from connmgr import __version__
from connmgr.gui.resources import app_icon
from connmgr.gui.text_styles import heading

DESCRIPTION = "Connects client accounts at SaaS vendors through OAuth 2.0 and OpenID Connect."


class AboutDialog(QDialog):
    def __init__(self, data_dir: Path, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About connmgr")
        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        name = heading(QLabel("connmgr"), 1.5)
        description = QLabel(DESCRIPTION)
        description.setWordWrap(True)
        # Selectable: support staff copy these into a bug report, and the data directory into a file manager.
        details = QLabel(
            f"Version {__version__}\n"
            f"Qt {qVersion()}, PySide6 {PySide6.__version__}, Python {platform.python_version()}\n"
            f"Data directory: {data_dir}"
        )
        details.setTextFormat(Qt.TextFormat.PlainText)  # a path is not markup
        details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)

        text = QVBoxLayout()
        for label in (name, description, details):
            text.addWidget(label)
        row = QHBoxLayout()
        row.addWidget(icon)
        row.addLayout(text, stretch=1)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(buttons)
