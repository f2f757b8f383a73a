"""What the command line tells a person: `connect --help` explains each argument and each template's default flow;
`list` says of every connection the same status and expiry as the window's table."""

import re
import sqlite3
import time
from contextlib import closing

from connmgr.cli.commands import build_parser
from connmgr.domain.connection import Connection, Secrets, Status
from connmgr.domain.dialect import Flow
from connmgr.listing import Column, ConnectionRows
from connmgr.storage import KeyringDataKey
from connmgr.storage.store import ConnectionDatabase
from connmgr.templates import load_catalog

DAY = 86400.0


def test_connect_help_explains_every_argument_and_each_templates_default_flow(connmgr):
    shown = connmgr("connect", "--help")
    assert shown.code == 0, shown.err
    (connect,) = [a.choices["connect"] for a in build_parser()._subparsers._group_actions]  # type: ignore[union-attr]
    for action in connect._actions:
        assert action.help, action.dest
        assert (action.option_strings or [action.dest])[-1] in shown.out
    lines = shown.out.splitlines()
    for template in load_catalog().catalog:
        (line,) = [line for line in lines if line.split()[:1] == [template.id]]
        assert f"{template.flows[0]} (default)" in line
        assert all(flow in line for flow in template.flows)


def test_list_and_the_window_say_the_same_of_every_connection(connmgr, qapp):
    now = time.time()
    states = {  # far enough from a boundary that a second between the two readings changes no word
        "connected": {"expires_at": now + 2 * DAY + 1800},
        "forever": {},
        "with-sign-in": {"expires_at": now + 3 * DAY + 1800, "refresh_expires_at": now + 9 * DAY + 1800},
        "expired": {"expires_at": now - 3 * DAY - 1800},
        "signed-out": {"expires_at": now - DAY - 1800, "status": Status.NEEDS_SIGN_IN},
        "revoked": {"status": Status.REVOKED},
        "failing": {"expires_at": now + 5 * DAY, "status": Status.ERROR},
    }
    connmgr.home.mkdir(parents=True)
    with ConnectionDatabase(connmgr.home, KeyringDataKey(connmgr.home)) as store:
        for name, state in states.items():
            row = Connection(id=name, name=name, template_id="docbyte", flow="client_credentials", values={},
                             account=f"{name}@acme", issued_at=now - 5 * DAY, **state)  # fmt: skip
            store.save(row, Secrets(access_token="staged"))
        rows = ConnectionRows(load_catalog().catalog)  # what the window's table shows
        rows.reset(store.list_connections())
    listed = connmgr("list")
    assert listed.code == 0, listed.err
    header, *table = listed.out.splitlines()
    said = {columns[0]: columns for columns in (re.split(r"\s{2,}", line) for line in table)}
    assert header.split() == ["NAME", "TEMPLATE", "STATUS", "ACCOUNT", "EXPIRES"]
    assert len(said) == len(states)
    for row in range(len(rows)):
        name = rows.text(row, Column.NAME)
        window = [rows.text(row, column) for column in (Column.STATUS, Column.ACCOUNT, Column.EXPIRES)]
        assert said[name][2:] == window, name
    assert said["revoked"][4] == "—"


def test_a_damaged_row_is_one_sentence_and_the_connection_can_still_be_removed(connmgr):
    connmgr.home.mkdir(parents=True, mode=0o700)  # private, as connmgr makes it: no warning
    with ConnectionDatabase(connmgr.home, KeyringDataKey(connmgr.home)) as store:
        row = Connection(id="a", name="Acme", template_id="docbyte", flow=Flow.CLIENT_CREDENTIALS, values={})
        store.save(row, Secrets(access_token="staged"))
    with closing(sqlite3.connect(connmgr.home / "connections.db")) as db, db:
        db.execute("UPDATE connections SET flow = 'implicit'")
    listed = connmgr("list")
    assert (listed.code, listed.out) == (1, "")
    assert listed.err == (
        "Connection store: the saved connection 'Acme' is damaged (its flow 'implicit' is unknown); restore the "
        "store from a backup, or remove that connection and connect it again.\n"
    )
    assert connmgr("remove", "Acme").code == 0
    assert connmgr("list").code == 0
