"""The tray icon: a summary of every connection, a desktop notification when one needs the person,
and a place for the app to live while its window is closed (it keeps refreshing)."""

from __future__ import annotations

import time

from PySide6.QtCore import QEvent, QModelIndex, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from connmgr.domain.summary import summary
from connmgr.gui.connections_model import ConnectionsModel
from connmgr.gui.main_window import MainWindow
from connmgr.gui.resources import app_icon
from connmgr.listing import Column


class Tray(QObject):
    """Once started where the platform has a tray, closing the window only hides it: refreshing goes on."""

    def __init__(self, window: MainWindow, model: ConnectionsModel) -> None:
        super().__init__(window)
        self._window = window
        self._model = model
        window.installEventFilter(self)  # its close, turned into hiding while the icon shows
        self.icon = QSystemTrayIcon(app_icon(), self)
        menu = QMenu(window)
        show = QAction("Show connmgr", menu)
        show.triggered.connect(self.show_window)
        menu.addAction(show)
        menu.addAction(window.actions_["connect"])
        menu.addSeparator()
        menu.addAction(window.actions_["quit"])
        self.icon.setContextMenu(menu)
        self.icon.activated.connect(self._on_activated)
        # Coalesced, and never for a countdown tick: with thousands of rows the summary is not free.
        self._pending = QTimer(self)
        self._pending.setSingleShot(True)
        self._pending.setInterval(500)
        self._pending.timeout.connect(self.update_summary)
        for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved):
            signal.connect(self._pending.start)
        model.dataChanged.connect(self._on_data_changed)
        self.update_summary()

    @property
    def available(self) -> bool:
        return QSystemTrayIcon.isSystemTrayAvailable()

    def start(self) -> None:
        if self.available:
            self.icon.show()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is not self._window or event.type() != QEvent.Type.Close or not self.icon.isVisible():
            return False
        self._window.save_state()
        event.ignore()  # not closed: hidden
        self._window.hide()
        self.notify("connmgr", "connmgr keeps your connections fresh from the tray.", warning=False)
        return True

    def _on_data_changed(self, top_left: QModelIndex, bottom_right: QModelIndex, roles: object = ()) -> None:
        if not top_left.column() == bottom_right.column() == Column.EXPIRES:
            self._pending.start()

    def update_summary(self) -> None:
        self.icon.setToolTip(f"connmgr — {summary(self._model.rows.connections(), time.time())}")

    def notify(self, title: str, text: str, *, warning: bool = True) -> None:
        """A desktop notification where the platform has a tray; the status bar says it either way."""
        self._window.show_message(text)
        if self.available and self.icon.isVisible():
            kind = QSystemTrayIcon.MessageIcon.Warning if warning else QSystemTrayIcon.MessageIcon.Information
            self.icon.showMessage(title, text, kind)

    def show_window(self) -> None:
        self._window.showNormal()
        self._window.raise_()
        self._window.activateWindow()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self.show_window()
