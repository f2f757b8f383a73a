"""`connmgr` with no command: the window as a person starts it, a process of its own over the real store."""

import signal
import subprocess
import sys

import pytest

from tests.cli.test_commands import connect_ioffice
from tests.simulators.ioffice import TOKEN_PATH
from tests.support.secrets import leaked


@pytest.mark.parametrize("quit_signal", [signal.SIGTERM, signal.SIGINT])
def test_the_window_keeps_tokens_fresh_and_a_quit_signal_lets_the_refresh_in_flight_save(
    connmgr, ioffice_sim, quit_signal
):
    ioffice_sim.sim.access_token_ttl_ms = 4_000  # due for a refresh within two seconds: as the window starts
    assert connect_ioffice(connmgr, ioffice_sim.sim).code == 0
    ioffice_sim.sim.access_token_ttl_ms = 3_600_000  # and a good token from it (one dead on arrival is warned of)
    window = subprocess.Popen(
        [sys.executable, "-m", "connmgr"], env=connmgr.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        # The password sign-in was the first request; the window's scheduler makes the next one on its own.
        ioffice_sim.sim.wait_for_request(TOKEN_PATH, count=2, timeout=30)
        window.send_signal(quit_signal)  # while that refresh may still be in flight
        out, err = window.communicate(timeout=30)
    finally:
        if window.poll() is None:
            window.kill()
    # Checked first: a failure message below must not carry a token.
    assert leaked(ioffice_sim.sim.issued_secrets(), out + err) == []
    assert window.returncode == 0, err
    assert [line for line in err.splitlines() if "propagateSizeHints" not in line] == []  # but Qt's offscreen note
    # Quitting never closed the window, and its size, columns and sort order were kept all the same.
    kept = (connmgr.home / "window.ini").read_text()
    assert "geometry=" in kept and "columns=" in kept
    # The refresh token iOFFICE rotated on each refresh was saved before the window quit: it works from here.
    assert connmgr("refresh", "Acme workplace").code == 0
    assert connmgr("check", "Acme workplace").out.strip() == "alice@example.com"


def test_a_store_it_cannot_read_is_one_sentence_and_is_left_as_it_was(connmgr):
    connmgr.home.mkdir(parents=True)
    damaged = b"not a database, " * 512
    (connmgr.home / "connections.db").write_bytes(damaged)
    done = connmgr()  # no command: the window
    assert done.code == 1
    assert "is damaged or not a connmgr database" in done.err
    assert "Traceback" not in done.err
    assert (connmgr.home / "connections.db").read_bytes() == damaged


def test_verbose_with_no_command_opens_the_window_and_its_log_holds_no_secret(connmgr, ioffice_sim):
    ioffice_sim.sim.access_token_ttl_ms = 4_000
    assert connect_ioffice(connmgr, ioffice_sim.sim).code == 0
    window = subprocess.Popen(
        [sys.executable, "-m", "connmgr", "-v"], env=connmgr.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
        text=True,
    )  # fmt: skip
    try:
        ioffice_sim.sim.wait_for_request(TOKEN_PATH, count=2, timeout=30)  # the window's scheduler refreshed
        window.send_signal(signal.SIGTERM)
        out, err = window.communicate(timeout=30)
    finally:
        if window.poll() is None:
            window.kill()
    assert leaked(ioffice_sim.sim.issued_secrets(), out + err) == []
    assert window.returncode == 0
    assert " DEBUG " in err  # the exchanges, redacted
    assert "usage:" not in out  # not the command line's help
