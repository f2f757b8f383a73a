"""`python -m connmgr.gui.clipboard_keeper`: hold a secret on the clipboard for `connmgr token --copy`.

On X11 and Wayland the clipboard is owned by a running process: when it exits
the copy is gone. So the command line hands the token (on stdin, never argv)
to this small process, which owns the clipboard until the copy is cleared,
then exits. It prints "ready" once the copy is in place.
"""

from __future__ import annotations

import sys

from PySide6.QtGui import QGuiApplication

from connmgr.gui.clipboard import CLEAR_AFTER_S, SecretClipboard


def main() -> int:
    secret = sys.stdin.readline().rstrip("\n")
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else CLEAR_AFTER_S
    app = QGuiApplication(sys.argv[:1])
    clipboard = SecretClipboard(QGuiApplication.clipboard(), seconds)
    clipboard.cleared.connect(app.quit)
    # Something else taking the clipboard ends our ownership; nothing is left to clear.
    QGuiApplication.clipboard().dataChanged.connect(lambda: None if clipboard.holds_our_copy() else app.quit())
    clipboard.copy(secret)
    print("ready", flush=True)
    return app.exec()


if __name__ == "__main__":
    sys.exit(main())
