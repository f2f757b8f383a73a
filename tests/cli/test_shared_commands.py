"""Shared connections by name in every command, on two machines (two homes, each with its own device key in the
real Secret Service) against the tests' real PostgreSQL and the iOFFICE simulator, whose refresh tokens rotate:
`connect --shared` keeps nothing in the home; the other machine uses the connection by name; many processes that
need a fresh token at once make one refresh; an offline workspace leaves this home's connections working."""

import json
import sqlite3
import subprocess
import sys
from pathlib import Path

from connmgr.storage.workspace.address import WorkspaceAddress
from connmgr.storage.workspace.settings import WorkspaceSettings, save_settings
from tests.cli.teams import joined, ok
from tests.cli.test_commands import connect_ioffice
from tests.simulators.ioffice import TOKEN_PATH
from tests.support.secrets import leaked

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SHARED = "Acme shared"


def refreshes(sim):
    """The refresh tokens the simulator was asked to spend, in order."""
    return [
        r.headers["x-refresh-token"]
        for r in sim.requests_to(TOKEN_PATH)
        if r.headers.get("x-grant-type") == "refresh_token"
    ]


def token_child(env):
    """A process of the machine whose environment is `env`, asking for SHARED's token 50 times at once."""
    return subprocess.Popen(
        [sys.executable, "-m", "tests.cli.token_child", SHARED, "50"],
        cwd=PROJECT_ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def home_rows(home):
    """What the home's database holds of connections and their audit, as text."""
    with sqlite3.connect(home / "connections.db") as database:
        return "\n".join(database.iterdump())


def test_connect_shared_keeps_nothing_in_this_home_and_every_command_works_by_name_elsewhere(
    team, ioffice_sim, postgres, workspace_database, tmp_path
):
    alice, bob, _ = team
    joined(team)
    sim = ioffice_sim.sim

    connected = ok(connect_ioffice(alice, sim, SHARED, "--shared"))
    assert connected.out == f"Connected {SHARED} as alice@example.com (iOFFICE).\n"
    # Never written in alice's home, even for a moment: no row, no audit entry, no secret.
    assert "INSERT INTO connections" not in home_rows(alice.home)
    assert "INSERT INTO audit" not in home_rows(alice.home)
    assert leaked(sim.issued_secrets(), home_rows(alice.home)) == []
    assert postgres.psql("SELECT name FROM connections", workspace_database).strip() == SHARED
    assert leaked(sim.issued_secrets(), postgres.psql("SELECT * FROM connections", workspace_database)) == []

    # On bob's machine, by name.
    (listed,) = json.loads(ok(bob("list", "--json")).out)
    assert (listed["name"], listed["shared"], listed["connected_by"]) == (SHARED, True, "alice")
    first = ok(bob("token", SHARED)).out.strip()
    assert first in sim.issued_secrets()
    assert ok(bob("check", SHARED)).out == "alice@example.com\n"
    assert "Neither token is a JWT" in ok(bob("claims", SHARED)).out
    assert f'site = "{sim.base_url}"' in ok(bob("describe", SHARED)).out
    assert ok(bob("refresh", SHARED)).out.startswith(f"{SHARED}: refreshed, ")
    assert len(refreshes(sim)) == 1
    second = ok(bob("token", SHARED)).out.strip()
    assert second != first
    env_file = tmp_path / "shared.env"
    ok(bob("export", SHARED, "--env", str(env_file)))
    assert f"ACME_SHARED_ACCESS_TOKEN={second}\n" in env_file.read_text()
    script = '[ "$ACME_SHARED_ACCESS_TOKEN" = "$EXPECTED" ] && [ "$ACME_SHARED_SITE" = "$SITE" ]'
    ok(bob("exec", SHARED, "--", "sh", "-c", script, env={"EXPECTED": second, "SITE": sim.base_url}))
    ok(bob("rename", SHARED, "Acme team"))
    (renamed,) = json.loads(ok(alice("list", "--json")).out)  # alice's machine sees what bob did
    assert (renamed["name"], renamed["shared"]) == ("Acme team", True)
    assert ok(bob("revoke", "Acme team")).out == "Acme team: revoked at the vendor and forgotten here.\n"
    assert json.loads(ok(alice("list", "--json")).out)[0]["status"] == "revoked"
    ok(bob("remove", "Acme team"))
    assert postgres.psql("SELECT count(*) FROM connections", workspace_database).strip() == "0"

    audit = postgres.psql("SELECT actor || ' ' || action FROM audit ORDER BY seq", workspace_database).split("\n")
    assert [line for line in audit if line] == [
        "bob join", "alice approve",  # the members' entries name the member, as the connections' do
        "alice connect", "bob copy", "bob check", "bob reveal", "bob refresh", "bob copy", "bob export", "bob copy",
        "bob rename", "bob revoke", "bob remove",
    ]  # fmt: skip
    for home in (alice.home, bob.home):
        assert "INSERT INTO connections" not in home_rows(home)
        disk = "".join(p.read_bytes().decode(errors="replace") for p in home.rglob("*") if p.is_file())
        assert leaked(sim.issued_secrets(), disk) == []


def test_150_token_requests_in_3_processes_on_2_machines_make_one_refresh(
    team, ioffice_sim, postgres, workspace_database
):
    alice, bob, _ = team
    joined(team)
    sim = ioffice_sim.sim
    sim.access_token_ttl_ms = 30_000  # within the minute's margin: the first token handed out needs a refresh
    ok(connect_ioffice(alice, sim, SHARED, "--shared"))
    sim.access_token_ttl_ms = 3_600_000  # the refreshed one lasts
    connected_with = set(sim.issued_secrets())

    children = [token_child(who.env) for who in (alice, bob, bob)]
    for child in children:
        assert child.stdout.readline() == "ready\n", child.stderr.read()
    for child in children:  # all at once
        child.stdin.write("go\n")
        child.stdin.flush()
    handed_out = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        handed_out += json.loads(out)

    assert len(handed_out) == 150
    (token,) = set(handed_out)  # every caller was handed the one refreshed token
    assert token not in connected_with
    spent = refreshes(sim)
    assert len(spent) == 1  # one HTTP refresh, so the rotating refresh token was spent once
    assert spent[0] in connected_with
    refreshed = postgres.psql("SELECT count(*) FROM audit WHERE action = 'refresh'", workspace_database)
    assert refreshed.strip() == "1"


def test_while_the_workspace_is_offline_private_connections_work_and_a_shared_name_is_told(
    connmgr, ioffice_sim, tmp_path
):
    sim = ioffice_sim.sim
    ok(connect_ioffice(connmgr, sim, "Private"))
    address = WorkspaceAddress.parse(f"postgresql:///nowhere?host={tmp_path}&port=1")
    save_settings(connmgr.home, WorkspaceSettings(address, "alice"))

    before = ok(connmgr("token", "Private")).out
    ok(connmgr("refresh", "Private"))
    assert ok(connmgr("token", "Private")).out != before
    assert ok(connmgr("check", "Private")).out == "alice@example.com\n"
    ok(connmgr("describe", "Private"))
    ok(connect_ioffice(connmgr, sim, "Another"))  # a new private connection, the workspace unasked
    ok(connmgr("rename", "Another", "Second"))
    every = ok(connmgr("refresh", "--all"))
    assert every.out.count(": refreshed, ") == 2
    offline = (
        f"the workspace at {address.shown} is offline (the server of {address.shown} cannot be reached); check the"
        " network and try again; nothing was changed."
    )
    assert f"Only this home's connections were seen. Workspace: {offline}" in every.err

    for command in (("token", "Team"), ("refresh", "Team"), ("rename", "Team", "Ours"), ("remove", "Team")):
        told = connmgr(*command)
        assert (told.code, told.err) == (1, f"Workspace: 'Team' is not in this home, and {offline}\n")
    refused = connect_ioffice(connmgr, sim, "Team", "--shared")
    assert refused.code == 1
    assert f"the server of {address.shown} cannot be reached" in refused.err
    # Nothing lost, nothing half-saved.
    listed = json.loads(ok(connmgr("list", "--json")).out)
    assert [(row["name"], row["shared"], row["status"]) for row in listed] == [
        ("Private", False, "connected"), ("Second", False, "connected")
    ]  # fmt: skip


def test_connect_shared_needs_a_workspace_and_a_sign_in_without_the_window(connmgr, ioffice_sim):
    sim = ioffice_sim.sim
    alone = connect_ioffice(connmgr, sim, SHARED, "--shared")
    assert alone.code == 1
    assert f"{connmgr.home} belongs to no workspace" in alone.err
    in_the_window = connmgr("connect", "ioffice", "--name", SHARED, "--set", f"site={sim.base_url}", "--shared")
    assert in_the_window.code == 2
    assert "--shared signs in with --system-browser" in in_the_window.err
    assert json.loads(ok(connmgr("list", "--json")).out) == []


def test_a_device_not_approved_yet_uses_its_own_connections(team, ioffice_sim):
    alice, bob, uri = team
    ok(alice("workspace", "create", uri, "--member", "alice"))
    ok(connect_ioffice(alice, ioffice_sim.sim, "Team", "--shared"))
    ok(bob("workspace", "join", uri, "--member", "bob"))  # asked, not approved
    ok(connect_ioffice(bob, ioffice_sim.sim, "Private"))
    assert ok(bob("check", "Private")).out == "alice@example.com\n"
    ok(connect_ioffice(bob, ioffice_sim.sim, "Another"))
    told = bob("token", "Team")
    assert (told.code, told.err) == (
        1,
        f"Workspace: 'Team' is not in this home, and the workspace at {WorkspaceAddress.parse(uri).shown} is not open"
        " to this device (this device's request to join as 'bob' is not approved); ask an admin to run connmgr"
        " workspace approve; nothing was changed.\n",
    )
    assert [row["name"] for row in json.loads(ok(bob("list", "--json")).out)] == ["Another", "Private"]
