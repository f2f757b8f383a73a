"""The actions on connections: one QAction each, shared by the toolbar, the context menu and the shortcuts."""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence, QPalette
from PySide6.QtWidgets import QMenu, QWidget

from connmgr.domain.connection import Connection, Status
from connmgr.domain.durations import in_words
from connmgr.domain.token_forms import TokenForm
from connmgr.gui.clipboard import CLEAR_AFTER_S
from connmgr.gui.resources import action_icon, icon_tint


@dataclass(frozen=True)
class _Spec:
    text: str
    icon: str | None
    tip: str
    # Qt's standard key where there is one (it follows the platform); made a QKeySequence only once Qt's application
    # exists.
    shortcut: QKeySequence.StandardKey | str


Key = QKeySequence.StandardKey
_CLEARS = in_words(CLEAR_AFTER_S)
_SPECS = {
    "connect": _Spec("Connect…", "connect", "Connect a client's account", Key.New),
    "connect_from_file": _Spec("Connect from file…", None, "Connect with the settings a colleague saved",
                               "Ctrl+Shift+O"),
    "save_settings": _Spec("Save settings as…", None, "Save this connection's settings, without secrets, for a "
                           "colleague to connect from", "Ctrl+Shift+S"),
    "copy": _Spec("Copy token", "copy", f"Copy the access token (the clipboard clears itself in {_CLEARS})", Key.Copy),
    "refresh": _Spec("Refresh", "refresh", "Get a new access token now", Key.Refresh),
    "check": _Spec("Check", None, "Ask the vendor whom the token belongs to", "Ctrl+I"),
    "history": _Spec("History…", None, "What was done to this connection, by whom and when (the audit log)",
                     "Ctrl+H"),
    "revoke": _Spec("Revoke…", "revoke", "Revoke the tokens at the vendor and forget them here", "Ctrl+Shift+Del"),
    "export": _Spec("Export…", "export", "Write the selected connections' credentials to a .env file", "Ctrl+E"),
    "reconnect": _Spec("Reconnect…", "reconnect", "Sign in again, keeping this connection's settings",
                       "Ctrl+Shift+N"),
    "remove": _Spec("Remove…", "remove", "Forget this connection (nothing is revoked at the vendor)", Key.Delete),
    "events": _Spec("Notifications", None, "What happened since connmgr started, successes and failures",
                    "Ctrl+Shift+L"),
    "rename": _Spec("Rename…", "rename", "Give this connection another name", "F2"),
    "quit": _Spec("Quit", None, "Quit connmgr (it stops keeping the connections fresh)", "Ctrl+Q"),  # Windows has none
}  # fmt: skip


# What a shared connection cannot do while its workspace is offline (its settings, kept here, can still be saved).
_NEED_THE_WORKSPACE = ("copy", "refresh", "check", "history", "revoke", "export", "reconnect", "remove", "rename")
OFFLINE_TIP = "Not while the workspace is offline: this shared connection shows what was last known"


class RowActions(QObject):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.by_name: dict[str, QAction] = {}
        # The token in each form it is used in (the vendor's headers, a curl of its who-am-I call, ...): the Copy
        # button's menu, and "Copy as" in the Edit and context menus.
        self.copy_as = QMenu("Copy &as", parent)
        self.copy_as.setToolTipsVisible(True)
        self.copy_forms: dict[TokenForm, QAction] = {}
        for form in TokenForm:
            action = self.copy_as.addAction(form.label)
            action.setToolTip(f"Copy {form.description} (the clipboard clears itself in {_CLEARS})")
            self.copy_forms[form] = action
        for name, spec in _SPECS.items():
            action = QAction(spec.text, parent)  # its icon: follow_palette
            shortcut = QKeySequence(spec.shortcut)
            action.setShortcut(shortcut)
            action.setStatusTip(spec.tip)
            # The tooltip names the action and its key: a toolbar shows the icon and a word, a person learns the key.
            keys = shortcut.toString(QKeySequence.SequenceFormat.NativeText)
            action.setToolTip(f"{spec.text.removesuffix('…')} ({keys}): {spec.tip[0].lower()}{spec.tip[1:]}")
            self.by_name[name] = action
        self._tips = {name: action.toolTip() for name, action in self.by_name.items()}

    def follow_palette(self, palette: QPalette) -> None:
        """Icons that read on `palette` (the desktop turned dark, or light again)."""
        tint = icon_tint(palette)
        for name, spec in _SPECS.items():
            if spec.icon is not None:
                self.by_name[name].setIcon(action_icon(spec.icon, tint))

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def for_rows(self) -> list[QAction]:
        """The toolbar's and the context menu's actions on the selected rows."""
        return [self.by_name[n] for n in ("copy", "refresh", "revoke", "export", "reconnect", "remove")]

    def for_menu(self) -> list[QAction]:
        """The row actions with those that need no room on the toolbar, the destructive one last."""
        rest = [self.by_name[n] for n in ("refresh", "revoke", "export", "reconnect", "rename", "remove")]
        return [self.by_name["copy"], self.copy_as.menuAction(), *rest]

    def for_connection_menu(self) -> list[QAction | None]:
        """The Connection menu, None where a separator goes."""
        return [
            self.by_name[n] if n else None
            for n in ("refresh", "check", "history", "reconnect", "rename", "save_settings", "", "revoke", "remove")
        ]

    def update_for(self, selected: list[Connection], busy: set[str], offline: AbstractSet[str] = frozenset()) -> None:
        """Enable what makes sense for the selection: export takes many, the rest one idle connection; none of them
        on a shared connection while its workspace is offline (`offline`: such names), which their tooltips say."""
        reachable = not any(c.name in offline for c in selected)
        one = selected[0] if len(selected) == 1 and reachable else None
        idle = one is not None and one.name not in busy
        live = idle and one is not None and one.status is not Status.REVOKED
        self["copy"].setEnabled(live)
        self.copy_as.setEnabled(live)
        self["refresh"].setEnabled(live)
        self["check"].setEnabled(live)
        self["revoke"].setEnabled(live)
        self["reconnect"].setEnabled(idle)
        self["rename"].setEnabled(idle)
        self["save_settings"].setEnabled(len(selected) == 1)  # from the metadata: the workspace is not asked
        self["history"].setEnabled(one is not None)
        self["remove"].setEnabled(idle)
        self["export"].setEnabled(
            bool(selected) and reachable and all(c.status is not Status.REVOKED for c in selected)
        )
        for name in _NEED_THE_WORKSPACE:
            self[name].setToolTip(self._tips[name] if reachable else OFFLINE_TIP)
        self.copy_as.menuAction().setToolTip("" if reachable else OFFLINE_TIP)
