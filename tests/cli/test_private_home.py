"""A data directory the person made themselves (`mkdir ~/x && CONNMGR_HOME=~/x connmgr ...`) is private once
connmgr has used it: it says so once, and every file it writes there is the user's alone."""

import json
import os
import signal
import stat
import subprocess
import sys
from urllib.parse import urlencode

from tests.cli.test_commands import connect_ioffice
from tests.simulators.fixtures import CLIENT_ID, REDIRECT_URI
from tests.simulators.ioffice import LOGIN_PATH, TOKEN_PATH

OPEN_HOME = "was open to other users (mode 0755); it is private now, and so is everything in it."


def _open_to_others(home):
    """Every file and directory under `home` (itself included) that its group or anyone else may use."""
    paths = [home, *home.rglob("*")]
    return {str(p.relative_to(home)): oct(stat.S_IMODE(p.lstat().st_mode)) for p in paths if p.lstat().st_mode & 0o077}


def test_a_home_made_by_hand_is_closed_and_everything_written_in_it_is_private(connmgr, ioffice_sim, tmp_path):
    connmgr.home.mkdir()
    connmgr.home.chmod(0o755)
    ioffice_sim.sim.access_token_ttl_ms = 4_000  # so the window's scheduler refreshes it while it runs

    connected = connect_ioffice(connmgr, ioffice_sim.sim)
    assert connected.code == 0, connected.err
    assert connected.err.splitlines() == [f"Warning: {connmgr.home} {OPEN_HOME}"]
    name = "Acme workplace"
    session = [
        connmgr("list", "--json"),
        connmgr("token", name),
        connmgr("refresh", name),
        connmgr("check", name, "--json"),  # its status and time on stdout with the rest
        connmgr("export", name, "--env", str(tmp_path / "project.env")),
    ]
    assert [(r.code, r.err) for r in session] == [(0, "")] * len(session)  # said once, not on every start
    assert json.loads(session[0].out)[0]["status"] == "connected"

    # The window keeps the database open: its WAL and shared-memory files are there to be looked at.
    refreshes = len(ioffice_sim.sim.requests_to(TOKEN_PATH))
    window = subprocess.Popen(
        [sys.executable, "-m", "connmgr"], env=connmgr.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        ioffice_sim.sim.wait_for_request(TOKEN_PATH, count=refreshes + 1, timeout=30)  # its scheduler's first
        open_while_running = _open_to_others(connmgr.home)
        running = {p.name for p in connmgr.home.iterdir()}
        window.send_signal(signal.SIGTERM)
        window.communicate(timeout=30)
    finally:
        if window.poll() is None:
            window.kill()
    assert window.returncode == 0
    assert {"connections.db", "connections.db-wal", "connections.db-shm", "keysource.json", "locks"} <= running
    assert open_while_running == {}

    # The window's own files: its settings, written as it closes (the self-check of a built app closes it, as a
    # person would; a quit signal does not).
    query = urlencode(
        {"response_type": "code", "client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "scope": "email", "state": "s"}
    )
    shown = connmgr(env={"CONNMGR_SMOKE_TEST": f"{ioffice_sim.sim.base_url}{LOGIN_PATH}?{query}"})
    assert shown.code == 0, shown.out + shown.err
    assert (connmgr.home / "window.ini").exists()
    assert _open_to_others(connmgr.home) == {}  # as written, before the next command's start could close them

    assert connmgr("revoke", name).code == 0
    assert connmgr("remove", name).code == 0
    assert _open_to_others(connmgr.home) == {}
    assert stat.S_IMODE(os.stat(tmp_path / "project.env").st_mode) == 0o600
