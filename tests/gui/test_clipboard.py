import subprocess
import sys

from PySide6.QtGui import QGuiApplication

from connmgr.gui.clipboard import KDE_HINT, SecretClipboard


def test_copy_is_marked_secret_and_cleared_after_the_delay(qtbot):
    clipboard = QGuiApplication.clipboard()
    keeper = SecretClipboard(clipboard, clear_after_s=0.2)
    keeper.copy("token-abc-123")
    assert clipboard.text() == "token-abc-123"
    assert bytes(clipboard.mimeData().data(KDE_HINT)) == b"secret"
    with qtbot.waitSignal(keeper.cleared, timeout=5000):
        pass
    assert clipboard.text() == ""


def test_something_copied_since_is_left_alone(qtbot):
    clipboard = QGuiApplication.clipboard()
    keeper = SecretClipboard(clipboard, clear_after_s=0.2)
    keeper.copy("token-abc-123")
    clipboard.setText("the person's own text")
    with qtbot.waitSignal(keeper.cleared, timeout=5000):
        pass
    assert clipboard.text() == "the person's own text"


def test_clear_on_quit(qtbot):
    clipboard = QGuiApplication.clipboard()
    keeper = SecretClipboard(clipboard, clear_after_s=60)
    keeper.copy("token-xyz-789")
    keeper.clear()  # what the app does on quit
    assert clipboard.text() == ""


def test_the_keeper_process_says_ready_then_exits_without_echoing_the_token():
    """What `connmgr token --copy` starts: the token on stdin, "ready" once copied, an exit after clearing."""
    keeper = subprocess.run(
        [sys.executable, "-m", "connmgr.gui.clipboard_keeper", "0.2"],
        input="token-from-stdin\n",
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert keeper.stdout.strip() == "ready"
    assert keeper.returncode == 0
    assert "token-from-stdin" not in keeper.stdout + keeper.stderr
