"""What a countdown tick does to the window: the visible countdowns repaint, painted without data(), as Qt would
paint them; the search and the selection still follow the rows that change. And a busy spinner's frame repaints
its column alone."""

from collections import Counter

import pytest
from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, QRect, Qt
from PySide6.QtGui import QIcon, QImage, QRegion
from PySide6.QtWidgets import QStyledItemDelegate

from connmgr.domain.connection import Status
from connmgr.gui.connections_model import SEARCH_ROLE, ConnectionsModel
from connmgr.listing import Column, ConnectionRows
from tests.gui.table_rows import CATALOG, T0, Clock, conn, model_with, names, window_over


class CountingModel(ConnectionsModel):
    """Counts what the view asks of it: data() by role, and the countdown delegate's expires_text()."""

    def __init__(self, clock):
        super().__init__(ConnectionRows(CATALOG, now=clock), lambda _: QIcon())
        self.roles = Counter()
        self.countdowns = 0

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        self.roles[role] += 1
        return super().data(index, role)

    def expires_text(self, row):
        self.countdowns += 1
        return super().expires_text(row)


class Paints(QObject):
    def __init__(self):
        super().__init__()
        self.count = 0
        self.region = QRegion()

    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint:
            self.count += 1
            self.region = self.region.united(event.region())
        return False


def shown(qtbot, tmp_path, model, *connections, paints=None):
    model.rows.reset(connections)
    window = window_over(qtbot, tmp_path, model)
    if paints is not None:
        window.table.viewport().installEventFilter(paints)
    window.show()
    qtbot.waitExposed(window)
    return window


def expires_column(window) -> QRect:
    table = window.table
    return QRect(table.columnViewportPosition(Column.EXPIRES), 0, table.columnWidth(Column.EXPIRES),
                 table.viewport().height())  # fmt: skip


@pytest.fixture
def clock():
    return Clock()


def test_a_tick_repaints_the_visible_countdowns_and_asks_data_nothing(qtbot, qapp, tmp_path, clock):
    model = CountingModel(clock)
    # Enough rows that Qt, left to itself, would repaint the whole viewport for a change to all of them.
    many = [conn(f"c{i:04}", expires_at=T0 + 100_000 + i, refresh_expires_at=T0 + 900_000) for i in range(1000)]
    paints = Paints()
    window = shown(qtbot, tmp_path, model, *many, paints=paints)
    table = window.table
    qtbot.waitUntil(lambda: paints.count > 0)  # the first, whole paint
    qapp.processEvents()  # and whatever else was already queued
    paints.region = QRegion()
    model.roles.clear()
    model.countdowns = 0
    before = paints.count
    clock.t += 1
    model.tick()
    qtbot.waitUntil(lambda: paints.count > before)
    assert model.roles == Counter()  # Qt's delegate would have asked seven roles of each cell
    visible_rows = table.rowAt(table.viewport().height() - 1) - table.rowAt(0) + 1
    assert 0 < visible_rows < len(many)
    assert model.countdowns == visible_rows  # one call per visible countdown
    assert expires_column(window).contains(paints.region.boundingRect())


def test_a_spinner_frame_repaints_the_status_column_alone(qtbot, qapp, tmp_path, clock):
    model = CountingModel(clock)
    paints = Paints()
    window = shown(qtbot, tmp_path, model, *[conn(f"c{i:03}") for i in range(50)], paints=paints)
    qtbot.waitUntil(lambda: paints.count > 0)
    model.rows.set_busy("c001", True)
    window.spinner.set_running(True)
    qapp.processEvents()  # the busy cell's own repaint
    paints.region = QRegion()
    before = paints.count
    qtbot.waitUntil(lambda: paints.count > before)  # a frame of the spinner
    window.spinner.set_running(False)
    table = window.table
    status = QRect(table.columnViewportPosition(Column.STATUS), 0, table.columnWidth(Column.STATUS),
                   table.viewport().height())  # fmt: skip
    assert status.contains(paints.region.boundingRect())


def test_countdown_cells_look_as_qt_would_paint_them(qtbot, tmp_path, clock):
    model = model_with(clock)
    window = shown(
        qtbot, tmp_path, model,
        conn("a", expires_at=T0 + 300, refresh_expires_at=T0 + 1800),
        conn("b"),  # never expires
        conn("c", expires_at=T0 - 90),
        conn("d", expires_at=T0 + 86_400 * 3),
        conn("e", expires_at=T0 + 300, status=Status.REVOKED),
    )  # fmt: skip
    window.select("c")  # a highlighted row too

    def expires_pixels() -> QImage:
        return window.table.viewport().grab(expires_column(window)).toImage()

    ours = expires_pixels()
    window.table.setItemDelegateForColumn(Column.EXPIRES, QStyledItemDelegate(window.table))  # Qt's, via data()
    assert expires_pixels() == ours
    clock.t += 1  # and the comparison can tell countdowns apart
    assert expires_pixels() != ours
    for row in range(model.rowCount()):
        assert model.expires_text(row) == model.data(model.index(row, Column.EXPIRES))  # what screen readers read


def test_the_search_follows_rows_whose_status_turns_and_checks_none_again_for_a_tick(qtbot, tmp_path, clock):
    model = CountingModel(clock)
    window = shown(qtbot, tmp_path, model, conn("a", expires_at=T0 + 300), conn("b"))
    window.search.setText("expiring")
    assert names(window) == []
    model.roles.clear()
    clock.t += 1
    model.tick()  # every countdown changed, and nothing the search looks at
    clock.t = T0 + 241  # a: into the last fifth of its token's life
    model.tick()
    qtbot.waitUntil(lambda: names(window) == ["a"])
    assert model.roles[SEARCH_ROLE] == 3  # the turned row, then the filter over both rows; never for a countdown
    window.search.clear()
    assert names(window) == ["a", "b"]
    clock.t = T0 + 301
    model.tick()
    assert names(window) == ["a", "b"]
    assert model.data(model.index(0, Column.STATUS)) == "Expired"


def test_the_search_looks_at_name_vendor_account_and_status_never_the_countdown(qtbot, tmp_path, clock):
    model = model_with(clock)
    window = shown(qtbot, tmp_path, model, conn("alpha", expires_at=T0 + 300, account="ops@acme.test"), conn("b"))
    assert model.data(model.index(0, Column.EXPIRES)) == "5m 0s"
    for text, shown_names in (("5m", []), ("ALPHA", ["alpha"]), ("acme", ["alpha"]), ("docbyte", ["alpha", "b"]),
                              ("connected", ["alpha", "b"]), ("expiring", [])):  # fmt: skip
        window.search.setText(text)
        assert names(window) == shown_names, text


def test_the_search_takes_in_connections_saved_while_it_is_typed(qtbot, tmp_path, clock):
    model = model_with(clock)
    window = shown(qtbot, tmp_path, model, conn("a"), conn("b"))
    window.search.setText("acme")
    model.rows.upsert(conn("c", account="ops@acme.test"))  # a new row is checked as it comes
    assert names(window) == ["c"]
    model.rows.upsert(conn("b", account="it@acme.test"))  # a row whose account changed, a moment later
    qtbot.waitUntil(lambda: names(window) == ["b", "c"])


def test_selecting_a_row_just_changed_settles_the_search_first(qtbot, tmp_path, clock):
    model = model_with(clock)
    window = shown(qtbot, tmp_path, model, conn("a"), conn("b"))
    window.search.setText("acme")
    model.rows.upsert(conn("b", account="it@acme.test"))  # as a reconnect does, then selects the row
    window.select("b")
    assert window.search.text() == "acme"  # not cleared to show a row the search does show
    assert [c.name for c in window.selected_connections()] == ["b"]


def test_a_status_turn_updates_one_selected_row_and_leaves_many_alone(qtbot, tmp_path, clock):
    model = model_with(clock)
    window = shown(qtbot, tmp_path, model, conn("a", expires_at=T0 + 300), conn("b", expires_at=T0 + 300), conn("c"))
    window.select("a")
    with qtbot.waitSignal(window.selection_changed):  # the details show the one row's health
        clock.t = T0 + 241
        model.tick()
    also = QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows
    window.table.selectionModel().select(window.proxy.index(1, 0), also)
    assert [c.name for c in window.selected_connections()] == ["a", "b"]
    with qtbot.assertNotEmitted(window.selection_changed):  # nothing shown of two rows depends on their health
        clock.t = T0 + 301
        model.tick()
    assert model.data(model.index(0, Column.STATUS)) == "Expired"
    with qtbot.waitSignal(window.selection_changed):  # a stored change to a selected row still counts
        model.rows.upsert(conn("b", expires_at=T0 + 300, status=Status.REVOKED))
    assert not window.actions_["export"].isEnabled()
