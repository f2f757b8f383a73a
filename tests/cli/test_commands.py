"""The command line end to end: real processes, the real Secret Service, the simulators and the OpenID provider."""

import json
import os
import re
import sqlite3
import stat

from dotenv import dotenv_values

from tests.simulators.fixtures import CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME
from tests.support.oidc_fixtures import ACME, GENERIC_SERVICE, VAULT_SERVICE
from tests.support.secrets import leaked


def connect_docbyte(connmgr, oidc_server, name="Acme vault", env=None):
    return connmgr(
        "connect",
        "docbyte",
        "--name",
        name,
        "--flow",
        "client_credentials",
        "--set",
        f"client_id={VAULT_SERVICE.client_id}",
        "--set",
        "account=acme",
        "--set",
        "environment=test",
        "--set",
        f"tenant={ACME}",
        "--set",
        f"issuer={oidc_server.docbyte_issuer(ACME)}",
        "--json",
        env={"CONNMGR_CLIENT_SECRET": VAULT_SERVICE.client_secret, **(env or {})},
    )


def connect_ioffice(connmgr, sim, name="Acme workplace", *options):
    return connmgr(
        "connect",
        "ioffice",
        "--name",
        name,
        "--flow",
        "password",
        "--set",
        f"client_id={CLIENT_ID}",
        "--set",
        f"site={sim.base_url}",
        "--set",
        f"redirect_uri={REDIRECT_URI}",
        "--set",
        f"username={USERNAME}",
        *options,
        env={"CONNMGR_PASSWORD": PASSWORD},
    )


def test_client_credentials_lifecycle(connmgr, oidc_server, tmp_path):
    connected = connect_docbyte(connmgr, oidc_server)
    assert connected.code == 0, connected.err
    assert json.loads(connected.out)["account"] == ACME

    listed = connmgr("list", "--json")
    assert listed.code == 0
    (row,) = json.loads(listed.out)
    assert set(row) == {
        "name",
        "template",
        "flow",
        "status",
        "account",
        "expires_at",
        "expires_in_s",
        "refresh_expires_at",
        "has_refresh_token",
        "shared",  # a team workspace's connection, or this home's
        "connected_by",
    }
    assert row["status"] == "connected"
    assert 250 < row["expires_in_s"] <= 300
    assert row["expires_at"].endswith("+00:00")
    assert row["has_refresh_token"] is False

    assert connmgr("check", "Acme vault").out.strip() == ACME
    first = connmgr("token", "Acme vault").out.strip()
    assert connmgr("refresh", "Acme vault").code == 0
    second = connmgr("token", "Acme vault").out.strip()
    assert first.count(".") == 2 and second != first  # a new token was requested

    env_file = tmp_path / "project" / ".env"
    env_file.parent.mkdir()
    env_file.write_text("# mine\nKEEP=1\n")
    exported = connmgr("export", "Acme vault", "--env", str(env_file))
    assert exported.code == 0, exported.err
    assert stat.S_IMODE(env_file.stat().st_mode) == 0o600
    values = dotenv_values(env_file)
    assert values["KEEP"] == "1"
    assert values["ACME_VAULT_ACCESS_TOKEN"] == second
    assert values["ACME_VAULT_TOKEN_TYPE"] == "Bearer"
    assert values["ACME_VAULT_CLIENT_ID"] == VAULT_SERVICE.client_id
    assert "ACME_VAULT_REFRESH_TOKEN" not in values

    revoked = connmgr("revoke", "Acme vault")
    assert revoked.code == 0, revoked.err
    assert json.loads(connmgr("list", "--json").out)[0]["status"] == "revoked"
    assert connmgr("remove", "Acme vault").code == 0
    assert json.loads(connmgr("list", "--json").out) == []

    # No secret on disk in the clear but the chosen .env file, and none in argv or on the terminal.
    disk = b"".join(p.read_bytes() for p in connmgr.home.rglob("*") if p.is_file())
    for token in (first, second, VAULT_SERVICE.client_secret):
        assert token.encode() not in disk
    assert VAULT_SERVICE.client_secret not in "".join(r.out + r.err for r in connmgr.log)


def test_client_credentials_at_a_strict_provider_are_saved_with_a_notice(connmgr, oidc_server):
    connected = connmgr(
        "connect",
        "oidc",
        "--name",
        "Machine",
        "--flow",
        "client_credentials",
        "--set",
        f"issuer={oidc_server.generic_issuer}",
        "--set",
        f"client_id={GENERIC_SERVICE.client_id}",
        "--set",
        "scope=openid",
        env={"CONNMGR_CLIENT_SECRET": GENERIC_SERVICE.client_secret},
    )
    assert connected.code == 0, connected.err
    assert f"as {GENERIC_SERVICE.client_id}" in connected.out
    assert "invalid token provided" in connected.err and "not verified" in connected.err  # said, in the vendor's words
    (row,) = json.loads(connmgr("list", "--json").out)
    assert row["status"] == "connected" and row["account"] == GENERIC_SERVICE.client_id
    token = connmgr("token", "Machine")
    assert token.code == 0 and token.out.strip()
    assert token.out.strip() not in connected.out + connected.err


def test_password_flow_refresh_rotation_and_a_restart(connmgr, ioffice_sim):
    assert connect_ioffice(connmgr, ioffice_sim.sim).code == 0
    listed = json.loads(connmgr("list", "--json").out)[0]
    assert listed["has_refresh_token"] is True
    assert listed["account"] == "alice@example.com"
    issued = ioffice_sim.sim.issued_secrets()
    assert connmgr("refresh", "--all").code == 0
    # Every process is a restart: the rotated refresh token was saved and works again.
    assert connmgr("refresh", "Acme workplace").code == 0
    checked = connmgr("check", "Acme workplace")
    assert checked.out.strip() == "alice@example.com"  # alone on stdout, for a script; the rest for the person
    assert re.fullmatch(r"HTTP 200 in \d+ ms\n", checked.err)
    as_json = json.loads(connmgr("check", "Acme workplace", "--json").out)
    assert as_json["name"] == "Acme workplace" and as_json["identity"] == "alice@example.com"
    assert as_json["http_status"] == 200 and as_json["refused"] is None and as_json["elapsed_ms"] >= 0
    assert as_json["checked_at"].endswith("+00:00")
    assert PASSWORD.encode() not in (connmgr.home / "connections.db").read_bytes()
    database = sqlite3.connect(connmgr.home / "connections.db")
    dumped = "\n".join(database.iterdump())
    assert leaked(ioffice_sim.sim.issued_secrets(), dumped) == []
    assert len(ioffice_sim.sim.issued_secrets()) > len(issued)


def test_vaultre_revoke_says_where_to_revoke(connmgr, vaultre_sim):
    # VaultRE has only the browser flow; a saved connection is made here through the service layer's store.
    from tests.cli.seeding import seed_vaultre_connection

    seed_vaultre_connection(connmgr.home, vaultre_sim)
    revoked = connmgr("revoke", "Harbourside")
    assert revoked.code == 0
    assert "VaultRE has no revoke endpoint" in revoked.out
    assert json.loads(connmgr("list", "--json").out)[0]["status"] == "revoked"
    assert connmgr("token", "Harbourside").code == 1


def test_a_revocation_at_the_vendor_shows_everywhere_and_its_token_is_not_handed_out(connmgr, vcita_sim):
    from tests.cli.seeding import seed_connection

    seed_connection(connmgr.home, "vcita", vcita_sim, "Front desk")
    dead = connmgr("token", "Front desk").out.strip()
    assert vcita_sim.sim.revoke_token(dead)  # the business disconnected the app in vcita

    checked = connmgr("check", "Front desk")
    assert checked.code == 1
    assert "The access token is invalid, expired or revoked." in checked.err  # vcita's words
    assert "revoked" in checked.err.split("”", 1)[1] and checked.err.count("\n") == 1
    assert re.match(r"HTTP 401 in \d+ ms\. vcita\b", checked.err) and checked.out == ""  # its time, then why
    as_json = connmgr("check", "Front desk", "--json")
    assert as_json.code == 1
    assert json.loads(as_json.out)["refused"] == "The access token is invalid, expired or revoked."
    (row,) = json.loads(connmgr("list", "--json").out)
    assert row["status"] == "needs_sign_in"
    assert "Needs sign-in" in connmgr("list").out

    token = connmgr("token", "Front desk")
    assert token.code == 1 and token.out == ""
    assert "needs signing in again" in token.err and token.err.count("\n") == 1
    exported = connmgr("export", "Front desk", "--env", str(connmgr.home.parent / "front.env"))
    assert exported.code == 1 and not (connmgr.home.parent / "front.env").exists()
    assert leaked(vcita_sim.sim.issued_secrets(), "".join(r.out + r.err for r in connmgr.log[1:])) == []


def test_two_homes_side_by_side(connmgr, oidc_server, tmp_path):
    other_home = tmp_path / "second"
    assert connect_docbyte(connmgr, oidc_server, "same").code == 0
    assert connect_docbyte(connmgr, oidc_server, "same").code == 1  # the name is taken in this home
    other = {"CONNMGR_HOME": str(other_home)}
    assert connect_docbyte(connmgr, oidc_server, "same", env=other).code == 0
    assert connmgr("token", "same").out != connmgr("token", "same", env=other).out
    assert connmgr("remove", "same").code == 0
    assert connmgr("token", "same", env=other).code == 0  # the other home is untouched


def test_exit_codes_and_one_sentence_errors(connmgr):
    missing = connmgr("token", "nobody")
    assert missing.code == 1
    assert missing.err.count("\n") == 1 and "nobody" in missing.err
    assert connmgr("frobnicate").code == 2
    assert connmgr("refresh").code == 2
    secret_in_argv = connmgr("connect", "vcita", "--name", "x", "--set", "client_secret=hunter22")
    assert secret_in_argv.code == 2
    assert "CONNMGR_CLIENT_SECRET" in secret_in_argv.err
    no_terminal = connmgr("connect", "vcita", "--name", "x", "--set", "client_id=c")
    assert no_terminal.code == 1
    assert "set CONNMGR_CLIENT_SECRET" in no_terminal.err
    assert connmgr("templates").code == 0
    assert os.path.isdir(connmgr.home)


def test_a_prefix_that_is_not_a_variable_name_is_a_usage_error(connmgr, tmp_path):
    for prefix in ("ACME-PROD", "2ND", "A B", "A\x1b[31m", ""):
        result = connmgr("export", "Acme", "--env", str(tmp_path / ".env"), "--prefix", prefix)
        assert result.code == 2 and result.err.startswith("connmgr: argument --prefix: must be a variable name")
        assert "\x1b" not in result.err and result.err.count("\n") == 1
    assert not (tmp_path / ".env").exists()
