"""The window as a desktop program: its menus and keys, what it remembers between starts, a spinner only while the
vendor is asked, Check, failures that stay, and an export that starts in a sensible folder and warns about git."""

import re
import stat
import subprocess
from pathlib import Path

from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QFileDialog, QLabel, QLineEdit, QMessageBox, QToolBar

from connmgr.gui.main_window import MainWindow
from connmgr.listing import Column
from tests.gui.desktop import TIMEOUT_MS
from tests.gui.table_rows import CATALOG, T0, Clock, conn, model_with, names, window_over
from tests.gui.test_details_pane import rows
from tests.gui.test_main_window import workplace  # noqa: F401 (a fixture)
from tests.simulators.fixtures import CLIENT_ID, PASSWORD, USERNAME


def menu(window, title: str) -> dict[str, QKeySequence]:
    (found,) = [a.menu() for a in window.menuBar().actions() if a.text().replace("&", "") == title]
    return {a.text().replace("&", ""): a.shortcut() for a in found.actions() if not a.isSeparator()}


def test_the_menus_and_keys_a_desktop_user_expects(qtbot, tmp_path):
    window = window_over(qtbot, tmp_path, model_with(Clock()))
    titles = [a.text().replace("&", "") for a in window.menuBar().actions()]
    assert titles == ["File", "Edit", "Connection", "View", "Workspace", "Help"]
    file = menu(window, "File")
    assert list(file) == ["Connect…", "Connect from file…", "Export…", "Quit"]
    assert file["Quit"] == QKeySequence("Ctrl+Q")
    assert file["Connect…"] == QKeySequence("Ctrl+N")
    connection = menu(window, "Connection")
    assert set(connection) == {
        "Refresh",
        "Check",
        "History…",
        "Reconnect…",
        "Rename…",
        "Save settings as…",
        "Revoke…",
        "Remove…",
    }
    assert connection["History…"] == QKeySequence("Ctrl+H")
    assert QKeySequence("F5") in QKeySequence.keyBindings(QKeySequence.StandardKey.Refresh)
    assert connection["Refresh"] == QKeySequence(QKeySequence.StandardKey.Refresh)
    assert menu(window, "Edit") == {"Copy token": QKeySequence("Ctrl+C"), "Copy as": QKeySequence()}
    assert "About connmgr" in menu(window, "Help")

    toolbar_actions = [a for a in window.findChild(QToolBar, "actions").actions() if a.text()]
    assert {a.text() for a in toolbar_actions} >= {"Connect…", "Copy token", "Refresh", "Revoke…", "Remove…"}
    for action in toolbar_actions:
        keys = action.shortcut().toString(QKeySequence.SequenceFormat.NativeText)
        assert keys, action.text()
        assert action.toolTip().startswith(f"{action.text().removesuffix('…')} ({keys})"), action.toolTip()
    every = [a.shortcut() for a in window.actions() if not a.shortcut().isEmpty()]
    assert len(every) == len(set(s.toString() for s in every))  # no key does two things


def test_ctrl_q_quits(qtbot, tmp_path):
    window = window_over(qtbot, tmp_path, model_with(Clock()))
    window.show()
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow)
    with qtbot.waitSignal(window.quit_requested, timeout=TIMEOUT_MS):
        qtbot.keySequence(window, QKeySequence("Ctrl+Q"))


def test_size_column_widths_and_sort_order_come_back(qtbot, tmp_path):
    connections = [conn("b", expires_at=T0 + 900), conn("a", expires_at=T0 + 30), conn("c", expires_at=T0 + 3000)]

    def window() -> MainWindow:
        settings = QSettings(str(tmp_path / "w.ini"), QSettings.Format.IniFormat)
        shown = MainWindow(model_with(Clock(), *connections), CATALOG, settings)
        qtbot.addWidget(shown)
        shown.show()
        qtbot.waitExposed(shown)
        return shown

    first = window()
    assert names(first) == ["a", "b", "c"]
    first.resize(700, 450)  # within the offscreen platform's 800 x 600 screen
    first.table.setColumnWidth(Column.NAME, 250)
    first.table.sortByColumn(Column.EXPIRES, Qt.SortOrder.DescendingOrder)
    first.close()
    second = window()
    assert (second.width(), second.height()) == (700, 450)
    assert second.table.columnWidth(Column.NAME) == 250
    header = second.table.horizontalHeader()
    assert header.sortIndicatorSection() == Column.EXPIRES
    assert header.sortIndicatorOrder() == Qt.SortOrder.DescendingOrder
    assert names(second) == ["c", "b", "a"]


def test_no_spinner_while_the_revoke_prompt_waits_and_revoking_says_so(desktop, workplace):  # noqa: F811
    desktop.click_toolbar("revoke")
    desktop.wait_for(QMessageBox)
    assert desktop.cell("Workplace", Column.STATUS) == "Connected"
    assert not desktop.model.rows.any_busy()
    desktop.answer("Cancel")
    workplace.inject("/external/api/oauth2/revoke", status=200, body=b"", delay=1.5)
    desktop.select("Workplace")
    desktop.click_toolbar("revoke")
    desktop.answer("Revoke")
    desktop.qtbot.waitUntil(lambda: desktop.cell("Workplace", Column.STATUS) == "Revoking…", timeout=TIMEOUT_MS)
    desktop.wait_idle()
    assert desktop.cell("Workplace", Column.STATUS) == "Revoked"
    assert not desktop.model.rows.any_busy()


def test_check_asks_the_vendor_whom_the_token_belongs_to(desktop, workplace):  # noqa: F811
    desktop.press(QKeySequence("Ctrl+I"))
    desktop.wait_idle()
    said = r"Checked Workplace: HTTP 200 in \d+ ms; the vendor says the token belongs to alice@example\.com\."
    assert re.fullmatch(said, desktop.message())
    assert desktop.app.controller.events.events()[-1].text == desktop.message()
    when, answer = rows(desktop.window.details.summary)["Last check"].findChildren(QLabel)
    assert " ago, at " in when.text() and re.fullmatch(r"HTTP 200 in \d+ ms, as alice@example\.com", answer.text())


def test_a_refused_check_keeps_the_vendors_answer_as_the_last_check(desktop, workplace):  # noqa: F811
    stored = desktop.app.connections.store.database.secrets("Workplace")
    workplace.access_tokens.revoke(stored.access_token)  # revoked at the vendor, the grant with it
    workplace.refresh_tokens.revoke(stored.refresh_token)
    desktop.press(QKeySequence("Ctrl+I"))
    desktop.wait_idle()
    assert "The refresh token is invalid, revoked or already used." in desktop.message()
    when, answer = rows(desktop.window.details.summary)["Last check"].findChildren(QLabel)
    assert " ago, at " in when.text() and re.fullmatch(r"HTTP 401 in \d+ ms, refused: “[^”]+”", answer.text())
    assert desktop.app.connections.store.database.get("Workplace").status.value == "needs_sign_in"


def test_a_failure_stays_in_the_details_and_in_the_notifications(desktop, workplace):  # noqa: F811
    workplace.inject("/external/api/oauth2/token", status=200, body=b"{}", content_type="application/json")
    desktop.press(QKeySequence("F5"))
    desktop.wait_idle()
    sentence = desktop.message()
    assert "carries no access token" in sentence
    when, said = rows(desktop.window.details.summary)["Last error"].findChildren(QLabel)
    assert " ago, at " in when.text() and said.text() == sentence
    controller = desktop.app.controller
    assert controller.failures.isVisible() and controller.failures.text() == "1 failure"
    desktop.window.statusBar().clearMessage()  # the status bar's message goes; the list keeps it
    desktop.press(QKeySequence("Ctrl+Shift+L"))
    dock = controller.events_dock
    assert dock is not None and dock.isVisible()
    lines = [dock.list.item(i).text() for i in range(dock.list.count())]
    assert lines[0].endswith(sentence)  # newest first, with its time
    assert any(line.endswith("Connected Workplace as alice@example.com.") for line in lines)


def dialog_folder(desktop) -> Path:
    dialog = desktop.wait_for(QFileDialog)
    return Path(dialog.directory().absolutePath())


def test_export_starts_at_home_then_in_the_last_folder_and_warns_before_writing_into_a_git_tree(
    desktop,
    workplace,  # noqa: F811
    tmp_path,
    monkeypatch,
):
    monkeypatch.chdir(tmp_path)  # where connmgr was started from: never the default
    desktop.click_toolbar("export")
    assert dialog_folder(desktop) == Path.home() != Path.cwd()
    (tmp_path / "exports").mkdir()
    desktop.save_as(tmp_path / "exports" / "workplace.env")
    desktop.wait_idle()
    assert (tmp_path / "exports" / "workplace.env").exists()

    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    desktop.click_toolbar("export")
    assert dialog_folder(desktop) == tmp_path / "exports"
    desktop.save_as(repo / "workplace.env")
    assert "is inside a git work tree and not ignored" in desktop.answer("Cancel")
    assert not (repo / "workplace.env").exists()  # warned before writing
    assert dialog_folder(desktop) == repo  # asked again, where it was
    (repo / ".gitignore").write_text("*.env\n")
    desktop.save_as(repo / "workplace.env")
    desktop.wait_idle()
    assert (repo / "workplace.env").exists()
    assert desktop.message().startswith("Wrote ")


def test_a_colleague_connects_from_the_settings_saved_in_the_window(desktop, workplace, tmp_path):  # noqa: F811
    desktop.press(QKeySequence("Ctrl+Shift+S"))
    settings = tmp_path / "workplace.toml"
    desktop.save_as(settings)
    desktop.wait_idle()
    assert "Saved the settings of Workplace" in desktop.message()
    text = settings.read_text()
    assert 'template = "ioffice"' in text and workplace.base_url in text
    assert not [secret for secret in workplace.issued_secrets() if secret in text]
    assert stat.S_IMODE(settings.stat().st_mode) == 0o600

    desktop.press(QKeySequence("Ctrl+Shift+O"))
    opening = desktop.wait_for(QFileDialog)
    opening.setDirectory(str(settings.parent))
    # The name set, not typed: typing an existing name pops up the completer, which offscreen Qt warns about.
    opening.findChild(QLineEdit, "fileNameEdit").setText(settings.name)
    opening.accept()
    d = desktop.connect_dialog()
    assert d.field("site").text() == workplace.base_url  # filled in: only a name and the sign-in are left
    assert d.field("client_id").text() == CLIENT_ID
    d.qtbot.keyClicks(d.name(), "Workplace again")
    d.qtbot.mouseClick(d.primary, Qt.MouseButton.LeftButton)
    desktop.sign_in_page().sign_in(USERNAME, PASSWORD)
    assert "already connected as “Workplace”" in desktop.answer("Save anyway")  # the same account, as asked
    desktop.wait_for_row("Workplace again")
