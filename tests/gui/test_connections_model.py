from PySide6.QtCore import QPersistentModelIndex, Qt

from connmgr.domain.connection import Status
from connmgr.domain.health import Health
from connmgr.gui.connections_model import CONNECTION_ROLE
from connmgr.listing import Column
from tests.gui.table_rows import T0, Clock, conn, model_with


def text(model, row, column):
    return model.data(model.index(row, column))


def test_passes_qt_model_tester(qtbot, qtmodeltester):
    clock = Clock()
    model = model_with(clock, conn("a", expires_at=T0 + 300), conn("b", status=Status.REVOKED, issued_at=None))
    qtmodeltester.check(model)
    last = model.index(1, len(Column) - 1)
    assert (last.row(), last.column()) == (1, len(Column) - 1)
    for outside in ((2, 0), (0, len(Column)), (-1, 0), (0, -1)):
        assert not model.index(*outside).isValid(), outside
    assert not model.index(0, 0, model.index(0, 0)).isValid()  # a table: no row has children
    # The tester stays connected: each of the list's events, as the model translates it, is checked too.
    persistent = QPersistentModelIndex(model.index(0, Column.NAME))
    model.sort(Column.STATUS, Qt.SortOrder.DescendingOrder)
    assert persistent.row() == 1 and persistent.data() == "a"  # moved with its row
    model.rows.upsert(conn("c", expires_at=T0 + 100))
    model.rows.upsert(conn("c", expires_at=T0 + 1000, account="ops"))
    model.rows.set_busy("c", True)
    clock.t = T0 + 250
    model.tick()  # a turns
    model.rows.remove("b")
    model.rows.reset([conn("d")])
    assert [text(model, 0, c) for c in (Column.NAME, Column.STATUS)] == ["d", "Connected"]


def test_cells(qtbot):
    clock = Clock()
    model = model_with(
        clock,
        conn("vault", account="acme", expires_at=T0 + 300, refresh_expires_at=T0 + 1800),
        conn("forever"),
        conn("gone", status=Status.REVOKED, status_detail="", issued_at=None),
    )
    assert [text(model, 0, c) for c in Column] == [
        "vault",
        "Docbyte Vault",
        "acme",
        "Connected",
        "5m 0s (sign-in 30m 0s)",
    ]
    assert text(model, 1, Column.EXPIRES) == "never expires"
    assert text(model, 1, Column.ACCOUNT) == "—"
    assert text(model, 2, Column.STATUS) == "Revoked"
    assert model.data(model.index(0, 0), CONNECTION_ROLE).name == "vault"
    assert text(model, 2, Column.EXPIRES) == "—"  # a revoked token does not "never expire"


def test_a_tick_changes_only_the_expires_column_until_a_status_turns(qtbot):
    clock = Clock()
    model = model_with(clock, conn("a", expires_at=T0 + 300), conn("b"))
    changes = []
    model.dataChanged.connect(lambda tl, br, roles=(): changes.append((tl.row(), tl.column(), br.row(), br.column())))
    clock.t = T0 + 10
    model.tick()
    assert changes == [(0, Column.EXPIRES, 1, Column.EXPIRES)]
    assert text(model, 0, Column.EXPIRES) == "4m 50s"
    changes.clear()
    clock.t = T0 + 241  # into the last fifth of a 300 s token
    model.tick()
    assert changes == [(0, Column.EXPIRES, 1, Column.EXPIRES), (0, Column.STATUS, 0, Column.STATUS)]
    assert text(model, 0, Column.STATUS) == "Expiring soon"
    clock.t = T0 + 301
    model.tick()
    assert text(model, 0, Column.STATUS) == "Expired"
    assert text(model, 0, Column.EXPIRES) == "expired 1s ago"
    colour = model.data(model.index(0, Column.STATUS), Qt.ItemDataRole.ForegroundRole)
    assert colour == model.colours.by_health[Health.EXPIRED]


def test_busy_rows_show_refreshing_and_upsert_replaces_by_id(qtbot):
    clock = Clock()
    model = model_with(clock, conn("a", expires_at=T0 + 300))
    model.rows.set_busy("a", True)
    assert text(model, 0, Column.STATUS) == "Refreshing…"
    model.rows.set_busy("a", False)
    assert model.rows.upsert(conn("a", expires_at=T0 + 600)) == 0
    assert text(model, 0, Column.EXPIRES) == "10m 0s"
    assert model.rows.upsert(conn("b")) == 1
    model.rows.remove("a")
    assert model.rowCount() == 1
    assert text(model, 0, Column.NAME) == "b"


def test_the_timer_ticks_on_its_own(qtbot):
    model = model_with(Clock(), conn("a", expires_at=T0 + 300))
    with qtbot.waitSignal(model.dataChanged, timeout=3000):
        pass
