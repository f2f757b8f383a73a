"""The team workspace in the window, on two machines (two homes, each with its device key in the real Secret
Service) against the tests' real PostgreSQL and the iOFFICE simulator: a connection alice shares from her terminal
is listed in bob's window beside his own, marked with its workspace and who connected it, used there, and kept as
alice's machine changes it; offline shared rows stay as last known and come back live; the Workspace menu approves
a device once its fingerprint is compared, removes a member and names what they could have copied, shares and
unshares."""

from __future__ import annotations

import asyncio
import json
import os
import stat
import subprocess

import pytest
from PySide6.QtGui import QGuiApplication, QKeySequence
from PySide6.QtWidgets import QInputDialog, QLabel

from connmgr.gui.history_dialog import INTACT, HistoryDialog
from connmgr.gui.row_actions import OFFLINE_TIP
from connmgr.gui.startup.assembly import app_behind
from connmgr.gui.startup.window import build_window
from connmgr.gui.workspace_actions import NO_WORKSPACE, NOT_ADMIN
from connmgr.gui.workspace_status import WorkspaceStatusDialog
from connmgr.listing import Column
from connmgr.storage import KeyringDataKey, LocalStore
from connmgr.storage.workspace.last_known import last_known_path
from tests.cli.command import ConnmgrCommand
from tests.cli.teams import fingerprint_in, joined, ok
from tests.cli.test_commands import connect_ioffice
from tests.gui.desktop import TIMEOUT_MS, desktop_over, on_the_loop
from tests.simulators.ioffice import TOKEN_PATH
from tests.storage.fakes import FixedDataKey
from tests.support.secrets import leaked

SHARED = "Acme shared"


@pytest.fixture
def machines(tmp_path, postgres, workspace_database):
    """alice's and bob's commands, each on a home of its own, and a workspace's address for them."""
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("these tests need a Secret Service: run them with scripts/test")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNMGR_")}
    alice = ConnmgrCommand(tmp_path / "alice", {**env, "CONNMGR_HOME": str(tmp_path / "alice")})
    bob = ConnmgrCommand(tmp_path / "bob", {**env, "CONNMGR_HOME": str(tmp_path / "bob")})
    return alice, bob, postgres.uri(workspace_database)


@pytest.fixture
def team(machines):
    """The same, both in the workspace "Support": alice its admin, bob approved by her."""
    joined(machines)
    return machines


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


def test_while_the_workspace_is_offline_shared_rows_stay_as_last_known_and_come_back_live(
    team, qtbot, qasync_loop, ioffice_sim, postgres
):
    alice, bob, _ = team
    sim = ioffice_sim.sim
    ok(connect_ioffice(alice, sim, SHARED, "--shared"))
    ok(connect_ioffice(bob, sim, "Bob's own"))
    try:
        with window_of(qtbot, qasync_loop, bob) as desktop:
            rows, actions = desktop.model.rows, desktop.window.actions_
            qtbot.waitUntil(lambda: desktop.app.shared_rows.online is True, timeout=TIMEOUT_MS)
            desktop.select(SHARED)
            assert actions["copy"].isEnabled()
            kept = last_known_path(bob.home)
            assert stat.S_IMODE(kept.stat().st_mode) == 0o600
            assert SHARED in kept.read_text() and leaked(sim.issued_secrets(), kept.read_text()) == []

            postgres.stop()
            qtbot.waitUntil(lambda: desktop.cell(SHARED, Column.STATUS) == "Workspace offline", timeout=TIMEOUT_MS)
            assert "offline" in desktop.message()
            for name in ("copy", "refresh", "check", "history", "revoke", "export", "rename", "remove"):
                assert not actions[name].isEnabled(), name
                assert actions[name].toolTip() == OFFLINE_TIP
            assert actions["save_settings"].isEnabled()  # its settings are here, without the workspace
            desktop.select("Bob's own")  # this home's connections work as ever
            assert actions["copy"].isEnabled() and actions["copy"].toolTip() != OFFLINE_TIP
            desktop.press(QKeySequence(QKeySequence.StandardKey.Copy))
            qtbot.waitUntil(lambda: "Copied the token of Bob's own" in desktop.message(), timeout=TIMEOUT_MS)
            assert QGuiApplication.clipboard().text() in sim.issued_secrets()

            postgres.start()
            qtbot.waitUntil(lambda: desktop.cell(SHARED, Column.STATUS) == "Connected", timeout=TIMEOUT_MS)
            qtbot.waitUntil(lambda: desktop.app.shared_rows.online is True, timeout=TIMEOUT_MS)
            desktop.select(SHARED)
            assert actions["copy"].isEnabled()
            desktop.press(QKeySequence(QKeySequence.StandardKey.Copy))  # its key opened again after the outage
            qtbot.waitUntil(lambda: f"Copied the token of {SHARED}" in desktop.message(), timeout=TIMEOUT_MS)

        # Started while the workspace is offline: the shared rows as last known, once the window is up.
        postgres.stop()
        with window_of(qtbot, qasync_loop, bob) as desktop:
            rows = desktop.model.rows
            assert [c.name for c in rows.connections()] == ["Bob's own"]
            desktop.wait_for_row(SHARED)
            assert desktop.cell(SHARED, Column.STATUS) == "Workspace offline"
            assert rows.shared(rows.position_of(SHARED)).description == (
                "Shared in workspace Support, connected by alice (offline: as last known)"
            )
            postgres.start()
            qtbot.waitUntil(lambda: desktop.cell(SHARED, Column.STATUS) == "Connected", timeout=TIMEOUT_MS)
            assert not rows.shared(rows.position_of(SHARED)).offline
    finally:
        if not postgres_running(postgres):
            postgres.start()


def postgres_running(postgres) -> bool:
    try:
        postgres.psql("SELECT 1")
    except subprocess.CalledProcessError:
        return False
    return True


def test_an_admin_approves_a_device_in_the_window_once_the_fingerprints_are_compared(machines, qtbot, qasync_loop):
    alice, bob, uri = machines
    alice_print = fingerprint_in(ok(alice("workspace", "create", uri, "--name", "Support", "--member", "alice")).out)
    bob_print = fingerprint_in(ok(bob("workspace", "join", uri, "--member", "bob")).out)

    with window_of(qtbot, qasync_loop, alice) as desktop:
        actions = desktop.window.workspace_actions
        qtbot.waitUntil(lambda: actions["approve"].isEnabled(), timeout=TIMEOUT_MS)
        actions["approve"].trigger()
        asked = desktop.answer("Cancel")
        assert f"Their device's fingerprint is:</p><p style='font-size: large'><b><tt>{bob_print}</tt>" in asked
        desktop.wait_idle()
        assert "bob was not approved" in desktop.message()
        assert waiting_for(alice) == ["bob"]  # still waiting

        actions["approve"].trigger()
        desktop.answer("They are the same: approve")
        told = desktop.answer("OK")
        assert told.endswith(f"fingerprint to compare:\n\n{alice_print}")
        desktop.wait_idle()
        assert waiting_for(alice) == []

        actions["status"].trigger()
        status = desktop.wait_for(WorkspaceStatusDialog)
        assert status.heading.text().startswith("Workspace Support at ") and status.heading.text().endswith("online")
        assert status.fingerprint.text() == alice_print
        assert [[status.table.item(r, c).text() for c in range(4)] for r in range(status.table.rowCount())] == [
            ["alice (this device)", alice_print, "admin", "approved"],
            ["bob", bob_print, "member", "approved"],
        ]
        status.close()
    joined_now = ok(bob("workspace", "join", uri, "--member", "bob", "--admin-fingerprint", alice_print))
    assert "Joined the workspace 'Support' as bob." in joined_now.out


def test_removing_a_member_in_the_window_names_what_they_could_have_copied(team, qtbot, qasync_loop, ioffice_sim):
    alice, bob, _ = team
    ok(connect_ioffice(alice, ioffice_sim.sim, SHARED, "--shared"))
    ok(bob("token", SHARED))

    with window_of(qtbot, qasync_loop, alice) as desktop:
        actions = desktop.window.workspace_actions
        qtbot.waitUntil(lambda: actions["remove"].isEnabled(), timeout=TIMEOUT_MS)
        actions["remove"].trigger()
        chooser = desktop.wait_for(QInputDialog)
        assert chooser.comboBoxItems() == ["bob"]  # never this device
        chooser.setTextValue("bob")
        chooser.accept()
        assert "bob's device opens nothing afterwards" in desktop.answer("Remove")
        told = desktop.answer("OK")
        assert f"bob could have copied the secrets of: {SHARED}. Reconnect them" in told
        desktop.wait_idle()
        desktop.select(SHARED)
        desktop.press(QKeySequence(QKeySequence.StandardKey.Copy))  # this window opens the new key
        qtbot.waitUntil(lambda: "Copied the token" in desktop.message(), timeout=TIMEOUT_MS)
    assert bob("token", SHARED).code == 1


def test_a_connection_is_shared_and_unshared_from_the_window(team, qtbot, qasync_loop, ioffice_sim):
    alice, bob, _ = team
    ok(connect_ioffice(bob, ioffice_sim.sim, "Bob's own"))

    with window_of(qtbot, qasync_loop, bob) as desktop:
        rows, actions = desktop.model.rows, desktop.window.workspace_actions
        qtbot.waitUntil(lambda: desktop.app.shared_rows.online is True, timeout=TIMEOUT_MS)
        qtbot.waitUntil(lambda: not actions["approve"].isEnabled(), timeout=TIMEOUT_MS)  # bob is no admin
        assert actions["approve"].toolTip() == actions["remove"].toolTip() == NOT_ADMIN
        desktop.select("Bob's own")
        assert actions["share"].isEnabled() and not actions["unshare"].isEnabled()
        actions["share"].trigger()
        qtbot.waitUntil(lambda: rows.shared(rows.position_of("Bob's own")) is not None, timeout=TIMEOUT_MS)
        desktop.wait_idle()
        assert "Shared Bob's own with the workspace Support" in desktop.message()
        assert [c.name for c in rows.connections()] == ["Bob's own"]  # one row, moved
        (listed,) = json.loads(ok(alice("list", "--json")).out)
        assert (listed["name"], listed["shared"], listed["connected_by"]) == ("Bob's own", True, "bob")
        desktop.select("Bob's own")
        assert actions["unshare"].isEnabled() and not actions["share"].isEnabled()
        actions["unshare"].trigger()
        qtbot.waitUntil(lambda: rows.shared(rows.position_of("Bob's own")) is None, timeout=TIMEOUT_MS)
        desktop.wait_idle()
        assert json.loads(ok(alice("list", "--json")).out) == []


def test_without_a_workspace_its_menu_says_how_to_join_one(desktop):
    for action in desktop.window.workspace_actions.by_name.values():
        assert not action.isEnabled()
        assert action.toolTip() == NO_WORKSPACE


def waiting_for(command) -> list[str]:
    status = json.loads(ok(command("workspace", "status", "--json")).out)
    return [m["name"] for m in status["members"] if not m["approved"]]


def test_a_workspace_file_connmgr_did_not_write_leaves_the_window_to_this_homes_connections(
    qtbot, qasync_loop, tmp_path
):
    home = tmp_path / "home"
    home.mkdir()
    (home / "workspace.json").write_text("{ not what connmgr writes")
    asyncio.events._set_running_loop(qasync_loop)
    asyncio.set_event_loop(qasync_loop)
    store = LocalStore(home, FixedDataKey(home))
    window = build_window(store)
    try:
        behind = app_behind(window, store, home)
        app = on_the_loop(qtbot, behind.__aenter__())
        assert app.shared_rows is None and app.workspace is None
        assert "workspace.json is not a workspace settings file connmgr wrote" in window.statusBar().currentMessage()
        assert not window.workspace_actions["status"].isEnabled()
        on_the_loop(qtbot, behind.__aexit__(None, None, None))
    finally:
        window.close()
        window.deleteLater()
        store.close()
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
