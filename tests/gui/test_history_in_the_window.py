"""A connection's history in the window: the audit log's entries about it, newest first, as the person reads them,
and a warning when the log was edited behind connmgr's back."""

from __future__ import annotations

import asyncio
import getpass
import sqlite3
from contextlib import closing

from PySide6.QtGui import Qt, QTextDocument

from connmgr.gui.history_dialog import INTACT, HistoryDialog
from connmgr.services.history import History
from connmgr.storage.audit import AuditEntry
from tests.gui.desktop import TIMEOUT_MS
from tests.services.test_revocation import connect_vcita
from tests.storage.samples import connection


def _connected_and_checked(desktop, vcita_sim) -> None:
    connections = desktop.app.connections
    connecting = asyncio.ensure_future(connect_vcita(connections, vcita_sim))
    desktop.qtbot.waitUntil(connecting.done, timeout=TIMEOUT_MS)
    connecting.result()
    desktop.select("Front desk")
    desktop.window.actions_["check"].trigger()
    desktop.qtbot.waitUntil(lambda: desktop.message().startswith("Checked Front desk"), timeout=TIMEOUT_MS)


def _cells(dialog: HistoryDialog) -> list[list[str]]:
    table = dialog.table
    columns = range(table.columnCount())
    return [[table.item(row, column).text() for column in columns] for row in range(table.rowCount())]


def test_the_history_shows_what_was_done_newest_first_and_that_the_log_is_intact(desktop, vcita_sim):
    _connected_and_checked(desktop, vcita_sim)
    assert desktop.window.actions_["history"] in desktop.window.actions_.for_connection_menu()
    desktop.window.actions_["history"].trigger()
    dialog = desktop.wait_for(HistoryDialog)

    assert dialog.windowTitle() == "History of Front desk"
    (checked, connected) = _cells(dialog)
    assert (checked[2], connected[2]) == ("Checked", "Connected")
    assert checked[1] == connected[1]  # who: the same person on the same device
    assert checked[1].startswith(getpass.getuser()) and "HTTP 200" in checked[3] and "alice@example.com" in checked[3]
    assert checked[0] >= connected[0]  # local times, as "2026-12-04 18:00:12": newest first
    assert dialog.integrity.text() == INTACT


def test_an_entry_changed_behind_connmgrs_back_is_pointed_out(desktop, vcita_sim):
    _connected_and_checked(desktop, vcita_sim)
    with closing(sqlite3.connect(desktop.app.connections.store.home / "connections.db")) as db, db:
        db.execute("DROP TRIGGER audit_is_not_changed")  # what stops connmgr, not someone with the file
        db.execute("UPDATE audit SET actor = 'someone else' WHERE action = 'connect'")
    desktop.window.actions_["history"].trigger()
    dialog = desktop.wait_for(HistoryDialog)

    assert [cells[1] for cells in _cells(dialog)][1] == "someone else"
    assert dialog.integrity.text().startswith("Warning: entry ")
    assert dialog.integrity.text().endswith(" of the audit log was changed after it was written.")


def test_a_detail_a_vendor_wrote_is_shown_as_written_in_its_cell_and_tooltip(qtbot):
    """A check's detail quotes the vendor's answer: markup in it is text, never a tooltip's rich text."""
    detail = 'HTTP 401 in 35 ms, refused: “<h1 style="color:red">Call +1 555 0100 now</h1> & <img src="x.png">”'
    entry = AuditEntry(1, 1_700_000_000.0, "dana@desk", "check", "id-Acme", "Acme", detail, "0" * 64)
    dialog = HistoryDialog(History(connection("Acme"), (entry,), None))
    qtbot.addWidget(dialog)

    item = dialog.table.item(0, 3)
    tip, shown = item.toolTip(), QTextDocument()
    if Qt.mightBeRichText(tip):
        shown.setHtml(tip)
    else:
        shown.setPlainText(tip)
    assert (item.text(), shown.toPlainText()) == (detail, detail)
