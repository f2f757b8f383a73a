"""The actions on connections: one QAction each, shared by the toolbar, the context menu and the shortcuts."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence

from connmgr.domain.connection import Connection, Status
from connmgr.gui.resources import action_icon


@dataclass(frozen=True)
class _Spec:
    text: str
    icon: str
    tip: str
    shortcut: QKeySequence.StandardKey | str | None = None  # made a QKeySequence only once Qt's application exists


_SPECS = {
    "connect": _Spec("Connect…", "connect", "Connect a client's account", QKeySequence.StandardKey.New),
    "copy": _Spec("Copy token", "copy", "Copy the access token (the clipboard clears itself in 30 s)",
                  QKeySequence.StandardKey.Copy),
    "refresh": _Spec("Refresh", "refresh", "Get a new access token now",
                     QKeySequence.StandardKey.Refresh),
    "revoke": _Spec("Revoke…", "revoke", "Revoke the tokens at the vendor and forget them here"),
    "export": _Spec("Export…", "export", "Write the selected connections' credentials to a .env file"),
    "reconnect": _Spec("Reconnect…", "reconnect", "Sign in again, keeping this connection's settings"),
    "remove": _Spec("Remove…", "remove", "Forget this connection (nothing is revoked at the vendor)",
                    QKeySequence.StandardKey.Delete),
    "rename": _Spec("Rename…", "rename", "Give this connection another name", "F2"),
}  # fmt: skip


class RowActions(QObject):
    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self.by_name: dict[str, QAction] = {}
        for name, spec in _SPECS.items():
            action = QAction(action_icon(spec.icon), spec.text, parent)
            action.setStatusTip(spec.tip)
            action.setToolTip(spec.tip)
            if spec.shortcut is not None:
                shortcut = QKeySequence(spec.shortcut)
                action.setShortcut(shortcut)
                action.setToolTip(f"{spec.tip} ({shortcut.toString(QKeySequence.SequenceFormat.NativeText)})")
            self.by_name[name] = action

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def for_rows(self) -> list[QAction]:
        return [self.by_name[n] for n in ("copy", "refresh", "revoke", "export", "reconnect", "remove")]

    def for_menu(self) -> list[QAction]:
        """The row actions with those that need no room on the toolbar, the destructive one last."""
        return [self.by_name[n] for n in ("copy", "refresh", "revoke", "export", "reconnect", "rename", "remove")]

    def update_for(self, selected: list[Connection], busy: set[str]) -> None:
        """Enable what makes sense for the selection: export takes many, the rest one idle connection."""
        one = selected[0] if len(selected) == 1 else None
        idle = one is not None and one.name not in busy
        live = idle and one is not None and one.status is not Status.REVOKED
        self["copy"].setEnabled(live)
        self["refresh"].setEnabled(live)
        self["revoke"].setEnabled(live)
        self["reconnect"].setEnabled(idle)
        self["rename"].setEnabled(idle)
        self["remove"].setEnabled(idle)
        self["export"].setEnabled(bool(selected) and all(c.status is not Status.REVOKED for c in selected))
