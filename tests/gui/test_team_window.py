"""The team workspace in the window, on two machines (two homes, each with its device key in the real Secret
Service) against the tests' real PostgreSQL and the iOFFICE simulator: a connection alice shares from her terminal
is listed in bob's window beside his own, marked with its workspace and who connected it, and bob's window copies
its token, refreshes it and follows what alice's machine changes."""

from __future__ import annotations

import os

import pytest
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QLabel

from connmgr.gui.history_dialog import INTACT, HistoryDialog
from connmgr.listing import Column
from connmgr.storage import KeyringDataKey, LocalStore
from tests.cli.command import ConnmgrCommand
from tests.cli.teams import joined, ok
from tests.cli.test_commands import connect_ioffice
from tests.gui.desktop import TIMEOUT_MS, desktop_over
from tests.simulators.ioffice import TOKEN_PATH

SHARED = "Acme shared"


@pytest.fixture
def team(tmp_path, postgres, workspace_database):
    """alice's and bob's commands, each on a home of its own, both in one workspace (bob approved by alice)."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("these tests need a Secret Service: run them with scripts/test")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNMGR_")}
    alice = ConnmgrCommand(tmp_path / "alice", {**env, "CONNMGR_HOME": str(tmp_path / "alice")})
    bob = ConnmgrCommand(tmp_path / "bob", {**env, "CONNMGR_HOME": str(tmp_path / "bob")})
    members = (alice, bob, postgres.uri(workspace_database))
    joined(members)
    return members


def window_of(qtbot, qasync_loop, command):
    """The window on `command`'s machine, joined to its workspace."""
    return desktop_over(qtbot, qasync_loop, lambda: LocalStore(command.home, KeyringDataKey(command.home)), team=True)


def test_a_connection_shared_on_one_machine_is_listed_and_used_in_the_other_machines_window(
    team, qtbot, qasync_loop, ioffice_sim
):
    alice, bob, _ = team
    sim = ioffice_sim.sim
    ok(connect_ioffice(alice, sim, SHARED, "--shared"))
    ok(connect_ioffice(bob, sim, "Bob's own"))

    with window_of(qtbot, qasync_loop, bob) as desktop:
        rows = desktop.model.rows
        assert [c.name for c in rows.connections()] == ["Bob's own"]  # the first paint: this home's, from its file
        desktop.wait_for_row(SHARED)
        qtbot.waitUntil(lambda: rows.shared(rows.position_of(SHARED)) is not None, timeout=TIMEOUT_MS)
        shared = rows.shared(rows.position_of(SHARED))
        assert shared.description == "Shared in workspace Support, connected by alice"
        assert rows.shared(rows.position_of("Bob's own")) is None
        assert desktop.cell(SHARED, Column.STATUS) == "Connected"
        name_cell = desktop.model.index(rows.position_of(SHARED), Column.NAME)
        assert desktop.model.data(name_cell, 3) == shared.description  # the Name's tooltip

        desktop.select(SHARED)
        texts = [label.text() for label in desktop.window.details.findChildren(QLabel)]
        assert "Shared in workspace Support, connected by alice" in texts

        desktop.press(QKeySequence(QKeySequence.StandardKey.Copy))
        qtbot.waitUntil(lambda: "Copied the token" in desktop.message(), timeout=TIMEOUT_MS)
        copied = QGuiApplication.clipboard().text()
        assert copied in sim.issued_secrets()

        desktop.window.actions_["refresh"].trigger()
        qtbot.waitUntil(lambda: f"Refreshed {SHARED}" in desktop.message(), timeout=TIMEOUT_MS)
        refreshed = [r for r in sim.requests_to(TOKEN_PATH) if r.headers.get("x-grant-type") == "refresh_token"]
        assert len(refreshed) == 1
        assert ok(alice("token", SHARED)).out.strip() != copied  # alice's machine uses the token bob's refreshed

        desktop.window.actions_["history"].trigger()
        history = desktop.wait_for(HistoryDialog)
        assert history.integrity.text() == INTACT  # this home's log and the workspace's, each chained on its own
        history.close()
        # What another machine does reaches this window: a new shared connection, a rename, a removal.
        ok(connect_ioffice(alice, sim, "Zeta shared", "--shared"))
        desktop.wait_for_row("Zeta shared")
        qtbot.waitUntil(lambda: rows.shared(rows.position_of("Zeta shared")) is not None, timeout=TIMEOUT_MS)
        ok(alice("rename", SHARED, "Acme team"))
        desktop.wait_for_row("Acme team")
        assert rows.position_of(SHARED) is None
        assert rows.shared(rows.position_of("Acme team")).connected_by == "alice"
        ok(alice("remove", "Zeta shared"))
        qtbot.waitUntil(lambda: rows.position_of("Zeta shared") is None, timeout=TIMEOUT_MS)
        assert [c.name for c in rows.connections()] == ["Acme team", "Bob's own"]
