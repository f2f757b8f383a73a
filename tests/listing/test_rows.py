"""The live list of connections, without Qt: its order, health turning at its moments on an injected clock, the busy
labels, changes by id, and the events it announces for each, exactly."""

from dataclasses import replace

import pytest

from connmgr.domain.connection import Status
from connmgr.domain.health import Health
from connmgr.domain.sharing import Shared
from connmgr.listing import (
    Changed,
    Column,
    ConnectionRows,
    Inserted,
    Inserting,
    Removed,
    Removing,
    Reordered,
    Reordering,
    Reset,
    Resetting,
    What,
)
from tests.support.listed import CATALOG, T0, Clock, conn


@pytest.fixture
def clock():
    return Clock()


def listed(clock, *connections):
    """The list of `connections`, and the events it announces from then on."""
    rows = ConnectionRows(CATALOG, now=clock)
    rows.reset(connections)
    events = []
    rows.listen(events.append)
    return rows, events


def names(rows):
    return [c.name for c in rows.connections()]


def test_the_cells_read_as_a_person_reads_them(clock):
    rows, _ = listed(
        clock,
        conn("vault", account="acme", expires_at=T0 + 300, refresh_expires_at=T0 + 1800),
        replace(conn("gone", status=Status.REVOKED), template_id="retired"),
    )
    vault = ["vault", "Docbyte Vault", "acme", "Connected", "5m 0s (sign-in 30m 0s)"]
    assert [rows.text(0, c) for c in Column] == vault
    assert [rows.text(1, c) for c in Column] == ["gone", "retired", "—", "Revoked", "—"]  # an unknown vendor by id
    clock.t = T0 + 10
    assert rows.text(0, Column.EXPIRES) == rows.expires_text(0) == "4m 50s (sign-in 29m 50s)"  # when asked
    assert rows.searched_text(0) == "vault\nDocbyte Vault\nacme\nConnected"  # never the countdown


def test_each_column_sorts_both_ways_and_keeps_equal_rows_in_the_order_given(clock):
    given = (
        replace(conn("b", account="Zed", expires_at=T0 + 3000), template_id="vcita"),
        conn("a", account="yves", expires_at=T0 + 30),
        replace(conn("C", status=Status.REVOKED), template_id="eptura"),
        conn("d"),  # never expires
        conn("e", expires_at=T0 - 60),
    )

    def sorted_by(column, descending):
        rows, _ = listed(clock, *given)
        rows.sort(column, descending=descending)
        return names(rows)

    orders = {column: (sorted_by(column, False), sorted_by(column, True)) for column in Column}
    assert orders[Column.NAME] == (["a", "b", "C", "d", "e"], ["e", "d", "C", "b", "a"])  # whatever the case
    assert orders[Column.VENDOR] == (["a", "d", "e", "C", "b"], ["b", "C", "a", "d", "e"])  # Docbyte, Eptura, vcita
    assert orders[Column.ACCOUNT] == (["a", "b", "C", "d", "e"], ["C", "d", "e", "b", "a"])  # none ("—") last
    assert orders[Column.STATUS] == (["b", "a", "d", "e", "C"], ["C", "e", "b", "a", "d"])  # in Health's order
    # By time left; then the tokens that never expire, then the revoked, which have nothing left.
    assert orders[Column.EXPIRES] == (["e", "a", "b", "d", "C"], ["C", "d", "b", "a", "e"])
    rows, _ = listed(clock, *given)
    rows.sort(Column.EXPIRES)
    rows.sort(None)
    assert names(rows) == ["e", "a", "b", "d", "C"]  # left as it was


def test_a_sorted_list_stays_sorted_as_rows_come_and_change(clock):
    rows, events = listed(clock, conn("b", expires_at=T0 + 900), conn("c", expires_at=T0 + 300))
    rows.sort(Column.EXPIRES)
    assert events == [Reordering(), Reordered([1, 0])]
    events.clear()
    d = conn("d", expires_at=T0 + 10)
    assert rows.upsert(d) == 0
    assert events == [Inserting(2), Inserted(2, d), Reordering(), Reordered([2, 0, 1])]
    assert names(rows) == ["d", "c", "b"]
    events.clear()
    assert rows.upsert(replace(d, expires_at=T0 + 5000)) == 2  # replaced, by id: to its new place
    assert events == [Changed(0, 0, What.CONNECTION), Reordering(), Reordered([1, 2, 0])]
    events.clear()
    assert rows.upsert(conn("e")) == 3  # never expires: last, where it was put, so nothing moves
    assert events == [Inserting(3), Inserted(3, conn("e"))]


def test_an_event_equals_one_of_its_kind_with_the_same_fields():
    assert Changed(0, 2, What.EXPIRY) == Changed(0, 2, What.EXPIRY) != Changed(0, 2, What.HEALTH)
    assert Inserting(0) != Removing(0) and Reordering() != Resetting() and Reset() == Reset()
    assert repr(Changed(1, 1, What.BUSY)) == "Changed(first=1, last=1, what=<What.BUSY: 'busy'>)"


def test_a_listener_hears_of_rows_coming_and_going_before_and_after(clock):
    rows = ConnectionRows(CATALOG, now=clock)
    heard = []
    rows.listen(lambda event: heard.append((type(event).__name__, len(rows))))
    rows.reset([conn("a"), conn("b")])
    rows.upsert(conn("c"))
    rows.remove("a")
    rows.sort(Column.NAME, descending=True)
    assert heard == [
        ("Resetting", 0), ("Reset", 2),
        ("Inserting", 2), ("Inserted", 3),
        ("Removing", 3), ("Removed", 2),
        ("Reordering", 2), ("Reordered", 2),
    ]  # fmt: skip


def test_a_tick_moves_every_countdown_and_turns_each_health_at_its_moment(clock):
    rows, events = listed(clock, conn("a", expires_at=T0 + 300), conn("b"), conn("c", expires_at=T0 + 1000))
    clock.t = T0 + 10
    rows.tick()
    assert events == [Changed(0, 2, What.EXPIRY)]
    assert [rows.health(p) for p in range(3)] == [Health.CONNECTED] * 3
    events.clear()
    clock.t = T0 + 240  # a: into the last fifth of its 300 s token's life
    rows.tick()
    assert events == [Changed(0, 2, What.EXPIRY), Changed(0, 0, What.HEALTH)]
    assert rows.health(0) is Health.EXPIRING_SOON and rows.text(0, Column.STATUS) == "Expiring soon"
    events.clear()
    clock.t = T0 + 299
    rows.tick()
    assert events == [Changed(0, 2, What.EXPIRY)]  # nothing due: a keeps its health
    events.clear()
    clock.t = T0 + 1000  # a expired a while ago, c just now; b never
    rows.tick()
    assert events == [Changed(0, 2, What.EXPIRY), Changed(0, 0, What.HEALTH), Changed(2, 2, What.HEALTH)]
    assert [rows.health(p) for p in range(3)] == [Health.EXPIRED, Health.CONNECTED, Health.EXPIRED]


def test_an_empty_list_ticks_in_silence(clock):
    rows, events = listed(clock)
    rows.tick()
    assert events == []


def test_sorted_by_status_a_row_whose_health_turns_moves_at_once(clock):
    rows, events = listed(clock, conn("a", expires_at=T0 + 300), conn("b"))
    rows.sort(Column.STATUS)
    clock.t = T0 + 250
    rows.tick()
    assert events == [Changed(0, 1, What.EXPIRY), Changed(0, 0, What.HEALTH), Reordering(), Reordered([1, 0])]
    assert names(rows) == ["b", "a"]


def test_a_row_changed_before_its_moment_turns_at_its_new_moment(clock):
    rows, events = listed(clock, conn("a", expires_at=T0 + 300))
    rows.upsert(conn("a", expires_at=T0 + 600, issued_at=T0 + 200))  # refreshed: its old moment is stale
    events.clear()
    clock.t = T0 + 250
    rows.tick()
    assert events == [Changed(0, 0, What.EXPIRY)]
    clock.t = T0 + 520  # the last fifth of the new token's 400 s
    rows.tick()
    assert events[-1] == Changed(0, 0, What.HEALTH) and rows.health(0) is Health.EXPIRING_SOON


def test_due_moments_stay_bounded_through_churn(clock):
    rows, _ = listed(clock, *(conn(f"n{i}", expires_at=T0 + 100 + i) for i in range(5)))
    rows.sort(Column.NAME, descending=True)
    for _ in range(200):
        rows.upsert(conn("n2", expires_at=T0 + 102))
    assert len(rows._due) <= 2 * 5 + 64 + 1
    clock.t = T0 + 200
    rows.tick()
    assert [rows.text(r, Column.STATUS) for r in range(5)] == ["Expired"] * 5


def test_busy_rows_show_their_label_until_done(clock):
    rows, events = listed(clock, conn("a"), conn("b"))
    rows.set_busy("b", True)
    rows.set_busy("a", True, label="Revoking…")
    assert [rows.text(p, Column.STATUS) for p in range(2)] == ["Revoking…", "Refreshing…"]
    assert events == [Changed(1, 1, What.BUSY), Changed(0, 0, What.BUSY)]
    assert rows.is_busy("a") and rows.is_busy("b") and not rows.is_busy("c")
    rows.set_busy("a", False)
    rows.set_busy("b", False)
    assert not rows.any_busy()
    assert [rows.text(p, Column.STATUS) for p in range(2)] == ["Connected", "Connected"]
    events.clear()
    rows.set_busy("c", True)  # not listed (yet): nothing to announce, and still busy
    assert events == [] and rows.is_busy("c") and rows.any_busy()
    c = conn("c")
    rows.upsert(c)
    assert rows.text(2, Column.STATUS) == "Refreshing…"


def test_rows_are_found_changed_renamed_and_removed_by_id(clock):
    rows, events = listed(clock, conn("a"), conn("b"), conn("c"))
    assert [rows.position_of(n) for n in ("a", "b", "c", "z")] == [0, 1, 2, None]
    renamed = replace(conn("b"), name="b prod", account="ops")
    assert rows.upsert(renamed) == 1
    assert events == [Changed(1, 1, What.CONNECTION)]
    assert rows.position_of("b") is None and rows.position_of("b prod") == 1
    assert rows.connection(1) is renamed and rows.text(1, Column.ACCOUNT) == "ops"
    events.clear()
    rows.remove("a")
    assert events == [Removing(0), Removed(0, conn("a"))]
    assert names(rows) == ["b prod", "c"] and [rows.position_of(n) for n in ("b prod", "c", "a")] == [0, 1, None]
    events.clear()
    rows.remove("a")  # gone already
    assert events == []


def test_a_reset_lists_the_connections_instead_in_the_order_asked_for(clock):
    rows, events = listed(clock, conn("old"))
    rows.sort(Column.NAME, descending=True)
    events.clear()
    rows.reset([conn("a"), conn("c", expires_at=T0 - 1), conn("b")])
    assert events == [Resetting(), Reset()]
    assert names(rows) == ["c", "b", "a"] and rows.position_of("old") is None and rows.position_of("a") == 2
    assert rows.health(0) is Health.EXPIRED


def test_a_shared_row_carries_its_workspace_mark_and_says_when_the_workspace_is_offline(clock):
    rows, events = listed(clock, conn("a"), conn("b"))
    rows.set_shared("x", Shared("Support", "alice"))  # not listed yet: marked once it is
    assert events == []
    rows.upsert(conn("x"))
    assert rows.shared(2) == Shared("Support", "alice") and rows.shared(0) is None
    assert rows.searched_text(2) == "x\nDocbyte Vault\n\nConnected\nShared in workspace Support, connected by alice"
    events.clear()
    rows.set_shared("b", Shared("Support", None, offline=True))
    rows.set_shared("b", Shared("Support", None, offline=True))  # the same mark again: nothing to announce
    assert events == [Changed(1, 1, What.CONNECTION)]
    assert rows.text(1, Column.STATUS) == "Workspace offline"
    assert rows.shared(1).description == "Shared in workspace Support (offline: as last known)"
    rows.set_shared("b", None)  # unshared: this home's again
    assert rows.shared(1) is None and rows.text(1, Column.STATUS) == "Connected"
    rows.remove("x")
    rows.upsert(conn("x"))  # the same id back, from this home: no stale mark
    assert rows.shared(rows.position_of("x")) is None
