"""Settings edited in connections.db between two commands: the next refresh refuses with one sentence, and
neither the vendor nor the endpoint the edit points at hears anything."""

import sqlite3
from contextlib import closing

import pytest

from tests.cli.test_commands import connect_ioffice
from tests.simulators.ioffice import TOKEN_PATH, IOfficeSimulator
from tests.support.secrets import leaked

NAME = "Acme workplace"
# Each edit, as SQL with its one parameter; "{decoy}" is the base address of a server that is not iOFFICE.
EDITS = {
    "token_url": ("field_values = json_set(field_values, '$.token_url', ?)", "{decoy}" + TOKEN_PATH),
    "site": ("field_values = json_set(field_values, '$.site', ?)", "{decoy}"),
    "client_id": ("field_values = json_set(field_values, '$.client_id', ?)", "someone-else"),
    "template_id": ("template_id = ?", "eptura"),
    "flow": ("flow = ?", "authorization_code"),
}


@pytest.fixture
def decoy():
    with IOfficeSimulator() as server:
        yield server


@pytest.mark.parametrize("edit", EDITS.values(), ids=EDITS.keys())
def test_a_refresh_after_settings_were_edited_refuses_and_sends_nothing(connmgr, ioffice_sim, decoy, edit):
    sim = ioffice_sim.sim
    assert connect_ioffice(connmgr, sim).code == 0
    assignment, value = edit
    with closing(sqlite3.connect(connmgr.home / "connections.db")) as db, db:
        changed = db.execute(
            f"UPDATE connections SET {assignment} WHERE name = ?",
            (value.format(decoy=decoy.base_url), NAME),
        )
        assert changed.rowcount == 1
    heard = len(sim.requests)

    refreshed = connmgr("refresh", NAME)
    token = connmgr("token", NAME)

    assert leaked(sim.issued_secrets(), refreshed.out + refreshed.err + token.out + token.err) == []
    assert (refreshed.code, token.code) == (1, 1)
    assert refreshed.err.splitlines() == [
        f"Connection store: the secrets of {NAME!r} cannot be decrypted (its settings or its secrets were changed"
        " outside connmgr); sign in again to replace them; the connection itself is kept."
    ]
    assert token.err == refreshed.err
    assert len(sim.requests) == heard
    assert decoy.requests == []
