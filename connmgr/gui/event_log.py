"""What happened since the app started: every action's outcome and the refresh scheduler's news, with times.

The status bar shows a message for a few seconds; this keeps it. Each connection's last failure is kept too, for
the details pane. Kept in memory only: a failure that needs the person (Needs sign-in, an error status) is stored
with the connection as its status detail and survives a restart; a passing failure (a timeout, a 503) is about
that moment, and shown again after a restart it would say something the next refresh may already have undone.
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QDockWidget, QListWidget, QListWidgetItem, QStyle, QWidget

KEPT = 2000  # the newest events; a window left open for weeks with thousands of connections stays small


@dataclass(frozen=True)
class Event:
    at: float
    text: str  # one sentence, as the status bar showed it; never a secret (errors are scrubbed where they are made)
    connection: str | None = None  # the connection's name, where it was about one
    failed: bool = False

    def line(self) -> str:
        return f"{datetime.fromtimestamp(self.at):%H:%M:%S}  {self.text}"


class EventLog(QObject):
    added = Signal(object)  # the Event

    def __init__(self, parent: QObject | None = None, *, now: Callable[[], float] = time.time) -> None:
        super().__init__(parent)
        self._now = now
        self._events: deque[Event] = deque(maxlen=KEPT)
        self._last_failure: dict[str, Event] = {}
        self.failures = 0  # since the app started, however many were let go from `events`

    def add(self, text: str, *, connection: str | None = None, failed: bool = False) -> Event:
        event = Event(self._now(), text, connection, failed)
        self._events.append(event)
        if failed:
            self.failures += 1
            if connection is not None:
                self._last_failure[connection] = event
        self.added.emit(event)
        return event

    def events(self) -> list[Event]:
        """Oldest first."""
        return list(self._events)

    def last_failure(self, connection: str) -> Event | None:
        return self._last_failure.get(connection)

    def forget(self, connection: str) -> None:
        """A removed connection's failures are no longer its: a new one of the same name starts clean."""
        self._last_failure.pop(connection, None)

    def renamed(self, old: str, new: str) -> None:
        """A renamed connection keeps its last failure under its new name."""
        if (event := self._last_failure.pop(old, None)) is not None:
            self._last_failure[new] = event


class EventsDock(QDockWidget):
    """The log beside the table, newest first, failures marked with the style's warning icon."""

    def __init__(self, log: EventLog, parent: QWidget | None = None) -> None:
        super().__init__("Notifications", parent)
        self.setObjectName("notifications")
        self.list = QListWidget()
        self.list.setWordWrap(True)
        self.list.setUniformItemSizes(False)
        self.setWidget(self.list)
        self._warning = self.style().standardIcon(QStyle.StandardPixmap.SP_MessageBoxWarning)
        for event in log.events():
            self._on_added(event)
        log.added.connect(self._on_added)

    def _on_added(self, event: Event) -> None:
        item = QListWidgetItem(event.line())
        item.setToolTip(event.line())
        item.setData(Qt.ItemDataRole.UserRole, event)
        if event.failed:
            item.setIcon(self._warning)
        self.list.insertItem(0, item)
        while self.list.count() > KEPT:
            self.list.takeItem(self.list.count() - 1)
