"""Connection names and the text the command line prints: no name can drive a terminal, and none is printed."""

from __future__ import annotations

import base64
import json
import sqlite3

import pytest

HOSTILE_NAMES = {
    "ESC": "Acme\x1b[2J",
    "CSI": "Acme\x9b31m",
    "OSC": "Acme\x1b]0;pwned\x07",
    "bidi override": "Acme\u202eevil",
    "newline": "Acme\nINJECTED=1",
    "zero width": "Ac\u200bme",
    "100,000 characters": "A" * 100_000,
}
TERMINAL_ACTORS = ("\x1b", "\x9b", "\x07", "\u202e", "\u200b")


def _jwt(claims: dict[str, str]) -> str:
    def part(data: dict[str, str]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'none'})}.{part(claims)}.sig"


def connect(connmgr, endpoint, name):
    return connmgr(
        "connect", "oauth2", "--name", name, "--flow", "client_credentials",
        "--set", "client_id=acme", "--set", f"token_url={endpoint.url}",
        env={"CONNMGR_CLIENT_SECRET": "s3cret"},
    )  # fmt: skip


@pytest.fixture
def endpoint(token_endpoint):
    token_endpoint.answer = {"access_token": "t0k3n", "token_type": "Bearer", "expires_in": 3600}
    return token_endpoint


@pytest.mark.parametrize("name", HOSTILE_NAMES.values(), ids=HOSTILE_NAMES)
def test_a_name_that_could_drive_a_terminal_is_refused_at_connect(connmgr, endpoint, name):
    result = connect(connmgr, endpoint, name)
    assert result.code == 1 and result.err.count("\n") == 1 and result.err.startswith("Connection: the name ")
    assert not any(ch in result.err for ch in TERMINAL_ACTORS)
    assert json.loads(connmgr("list", "--json").out) == []


def test_rename_keeps_the_connection_and_refuses_what_connect_refuses(connmgr, endpoint):
    assert connect(connmgr, endpoint, "Acme").code == 0
    assert connect(connmgr, endpoint, "Other").code == 0

    renamed = connmgr("rename", "Acme", "Acme prod")
    assert (renamed.code, renamed.out) == (0, "Acme: renamed to Acme prod.\n"), renamed.err
    assert sorted(row["name"] for row in json.loads(connmgr("list", "--json").out)) == ["Acme prod", "Other"]
    assert connmgr("token", "Acme prod").out == "t0k3n\n"

    for name in HOSTILE_NAMES.values():
        refused = connmgr("rename", "Acme prod", name)
        assert refused.code == 1 and refused.err.startswith("Connection: the name "), refused.err
    taken = connmgr("rename", "Acme prod", "Other")
    assert taken.code == 1 and "a connection named 'Other' already exists" in taken.err
    missing = connmgr("rename", "Nobody", "Somebody")
    assert missing.code == 1 and "there is no connection named 'Nobody'" in missing.err
    assert sorted(row["name"] for row in json.loads(connmgr("list", "--json").out)) == ["Acme prod", "Other"]


def test_list_never_prints_a_terminal_escape_from_a_vendor_or_the_store(connmgr, endpoint):
    endpoint.answer["access_token"] = _jwt({"email": "eve\x1b]0;owned\x07@example.com"})
    assert connect(connmgr, endpoint, "Acme").code == 0
    # A row whose name was stored before names were checked, or edited outside connmgr.
    database = sqlite3.connect(connmgr.home / "connections.db")
    with database:
        database.execute("UPDATE connections SET name = ?", ("Acme\x1b[2J\u202e",))
    database.close()

    listed = connmgr("list")
    assert listed.code == 0
    assert not any(ch in listed.out + listed.err for ch in TERMINAL_ACTORS)
    assert "Acme\\x1b[2J\\u202e" in listed.out and "eve\\x1b]0;owned\\x07@example.com" in listed.out
    assert json.loads(connmgr("list", "--json").out)[0]["account"] == "eve\x1b]0;owned\x07@example.com"

    token = connmgr("token", "Acme\x1b[2J\u202e")
    assert token.code == 0 and token.out.count(".") == 2
    gone = connmgr("revoke", "Acme\x1b[2J\u202e")
    assert not any(ch in gone.out + gone.err for ch in TERMINAL_ACTORS)
