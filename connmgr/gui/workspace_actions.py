"""The Workspace menu's actions, made with the window: disabled, their tooltips saying why, until the home's
workspace is opened behind the window, and then as the selection and the workspace's reachability allow."""

from __future__ import annotations

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMenu, QWidget

NO_WORKSPACE = (
    "This home belongs to no workspace: create one with connmgr workspace create URL, or join one with"
    " connmgr workspace join URL --member NAME"
)
OFFLINE = "Not while the workspace is offline"
NOT_ADMIN = "Only an admin's device approves and removes members"
_TIPS = {
    "status": "The workspace's members, this device's fingerprint, and whether the workspace is online",
    "approve": "Let a device that asked to join in, once its person read out the fingerprint it shows (admins)",
    "remove": "Remove a member: a new workspace key seals every shared secret again (admins)",
    "share": "Move the selected connection into the workspace, in one step; no copy is kept in this home",
    "unshare": "Move the selected shared connection out of the workspace, into this home only",
}
_TEXTS = {
    "status": "&Status…",
    "approve": "&Approve member…",
    "remove": "&Remove member…",
    "share": "S&hare connection",
    "unshare": "&Unshare connection",
}


class WorkspaceActions(QObject):
    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.by_name = {name: QAction(text, parent) for name, text in _TEXTS.items()}
        self.update_for(joined=False)

    def __getitem__(self, name: str) -> QAction:
        return self.by_name[name]

    def fill(self, menu: QMenu) -> None:
        menu.setToolTipsVisible(True)  # a disabled entry says why
        for name in ("status", "approve", "remove", None, "share", "unshare"):
            if name is None:
                menu.addSeparator()
            else:
                menu.addAction(self.by_name[name])

    def update_for(
        self,
        *,
        joined: bool,
        online: bool = False,
        admin: bool = True,
        selected_private: bool = False,
        selected_shared: bool = False,
    ) -> None:
        """`joined`: the home belongs to a workspace; `online`: it answers now; `admin`: this device is (or may be,
        not known yet) an admin's; `selected_...`: one connection is selected, of this home's or of the
        workspace's."""
        not_admin = None if admin else NOT_ADMIN
        reasons = {
            "status": None,
            "approve": not_admin,
            "remove": not_admin,
            "share": None if selected_private else "Select one of this home's connections to share it",
            "unshare": None if selected_shared else "Select one shared connection to move it into this home",
        }
        for name, action in self.by_name.items():
            reason = NO_WORKSPACE if not joined else OFFLINE if not online and name != "status" else reasons[name]
            action.setEnabled(reason is None)
            tip = _TIPS[name] if reason is None else reason
            action.setToolTip(tip)
            action.setStatusTip(tip)
