"""The table sorts in its list of rows (the proxy only filters): order kept across upserts, ticks and filtering."""

from PySide6.QtCore import Qt

from connmgr.domain.connection import Status
from connmgr.listing import Column
from tests.gui.table_rows import T0, Clock, conn, model_with, names, window_over


def test_window_sorting(qtbot, qtmodeltester, tmp_path):
    clock = Clock()
    model = model_with(
        clock,
        conn("b", expires_at=T0 + 900, account="zebra"),
        conn("a", expires_at=T0 + 3000),
        conn("c", expires_at=T0 + 300),
    )
    w = window_over(qtbot, tmp_path, model)
    assert names(w) == ["a", "b", "c"]
    w.table.sortByColumn(Column.EXPIRES, Qt.SortOrder.AscendingOrder)
    assert names(w) == ["c", "b", "a"]
    w.select("b")
    model.rows.upsert(conn("d", expires_at=T0 + 10))
    assert names(w) == ["d", "c", "b", "a"]
    assert [c.name for c in w.selected_connections()] == ["b"]  # the selection follows its row
    model.rows.upsert(conn("d", expires_at=T0 + 5000))  # replaced: moves to its new place
    assert names(w) == ["c", "b", "a", "d"]
    w.table.sortByColumn(Column.NAME, Qt.SortOrder.DescendingOrder)
    assert names(w) == ["d", "c", "b", "a"]
    w.search.setText("zebra")  # filter still works on top of the model's order
    assert names(w) == ["b"]
    w.search.clear()
    # by status: a row whose health turns moves at once
    w.table.sortByColumn(Column.STATUS, Qt.SortOrder.AscendingOrder)
    before = names(w)
    clock.t = T0 + 250  # c (300 s token, issued at T0) is expiring soon
    model.tick()
    assert names(w)[-1] == "c" and sorted(names(w)) == sorted(before)
    model.rows.remove("a")
    assert "a" not in names(w)
    qtmodeltester.check(model)


def test_by_expires_the_soonest_first_then_never_expiring_then_revoked(qtbot, tmp_path):
    model = model_with(
        Clock(),
        conn("abandoned", status=Status.REVOKED),
        conn("forever"),
        conn("later", expires_at=T0 + 3000),
        conn("expired", expires_at=T0 - 60),
        conn("abandoned too", status=Status.REVOKED),
        conn("soon", expires_at=T0 + 30),
        conn("forever too"),
    )
    w = window_over(qtbot, tmp_path, model)
    w.table.sortByColumn(Column.EXPIRES, Qt.SortOrder.AscendingOrder)
    assert names(w) == ["expired", "soon", "later", "forever", "forever too", "abandoned", "abandoned too"]
    w.table.sortByColumn(Column.EXPIRES, Qt.SortOrder.DescendingOrder)
    assert names(w) == ["abandoned", "abandoned too", "forever", "forever too", "later", "soon", "expired"]
