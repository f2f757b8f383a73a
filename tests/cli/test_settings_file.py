"""A colleague reconnects the same client without retyping its settings: `describe` writes them without secrets,
`connect --from` connects with them, asking only for the secrets and the sign-in."""

import json

from tests.cli.test_commands import connect_docbyte
from tests.support.oidc_fixtures import ACME, VAULT_SERVICE


def test_describe_then_connect_from_the_file(connmgr, oidc_server, tmp_path):
    assert connect_docbyte(connmgr, oidc_server).code == 0
    described = connmgr("describe", "Acme vault")
    assert described.code == 0, described.err
    assert VAULT_SERVICE.client_secret not in described.out
    assert 'template = "docbyte"\nflow = "client_credentials"\n' in described.out
    settings = tmp_path / "acme.toml"
    settings.write_text(described.out)

    copied = connmgr("connect", "--from", str(settings), "--name", "Acme again", "--json",
                     env={"CONNMGR_CLIENT_SECRET": VAULT_SERVICE.client_secret})  # fmt: skip
    assert copied.code == 0, copied.err
    assert json.loads(copied.out)["account"] == ACME
    listed = {row["name"]: row for row in json.loads(connmgr("list", "--json").out)}
    assert listed["Acme again"]["template"] == listed["Acme vault"]["template"] == "docbyte"
    assert connmgr("describe", "Acme again").out == described.out  # the same settings, every endpoint included


def test_a_file_holding_a_secret_or_naming_an_unknown_template_is_refused(connmgr, tmp_path):
    secret = tmp_path / "secret.toml"
    secret.write_text('template = "docbyte"\n[values]\nclient_secret = "s3cret-value"\n')
    refused = connmgr("connect", "--from", str(secret), "--name", "X")
    assert refused.code == 1 and "values.client_secret is a secret" in refused.err
    assert "s3cret" not in refused.err + refused.out
    unknown = tmp_path / "unknown.toml"
    unknown.write_text('template = "salesforce"\n')
    said = connmgr("connect", "--from", str(unknown), "--name", "X").err.splitlines()[-1]
    assert said.startswith(f"Settings file {unknown}: its template 'salesforce' is not known here; use one of ")
    docbyte = tmp_path / "docbyte.toml"
    docbyte.write_text('template = "docbyte"\n')
    other = connmgr("connect", "vcita", "--from", str(docbyte), "--name", "X")
    assert other.code == 2  # the file names another template than the command
    assert connmgr("connect", "--name", "X").code == 2  # neither a template nor a file
