"""Using a token rather than holding it: `token --as` in every form, each used as printed and answered 200 by the
vendor; `exec` running a command with the credentials in its environment only; `claims`."""

import json
import signal
import subprocess
import sys
import textwrap

import httpx
import pytest

from tests.cli.seeding import seed_vaultre_connection
from tests.cli.test_commands import connect_docbyte
from tests.support.oidc_fixtures import ACME, VAULT_SERVICE

# A child that calls VaultRE's API with what `exec` put in its environment, and tells what it saw.
CALLS_VAULTRE = textwrap.dedent("""
    import json, os, sys, urllib.request
    token, key = os.environ["HARBOURSIDE_ACCESS_TOKEN"], os.environ["HARBOURSIDE_API_KEY"]
    request = urllib.request.Request(os.environ["HARBOURSIDE_API_BASE_URL"] + "/account",
                                     headers={"Authorization": "Bearer " + token, "X-Api-Key": key})
    with urllib.request.urlopen(request) as answer:
        status = answer.status
    with open(f"/proc/{os.getppid()}/cmdline", "rb") as parent:
        parent_arguments = parent.read().decode()
    print(json.dumps({"status": status, "token": token, "arguments": sys.argv + [parent_arguments]}))
""")


@pytest.fixture
def harbourside(connmgr, vaultre_sim):
    seed_vaultre_connection(connmgr.home, vaultre_sim)
    return vaultre_sim.sim


def test_the_curl_line_printed_is_answered_200(connmgr, harbourside):
    printed = connmgr("token", "Harbourside", "--as", "curl")
    assert printed.code == 0, printed.err
    ran = subprocess.run(["bash", "-c", printed.out], capture_output=True, text=True, timeout=30)
    assert ran.returncode == 0, ran.stderr
    assert json.loads(ran.stdout)


def test_the_headers_printed_are_all_the_call_needs(connmgr, harbourside):
    printed = connmgr("token", "Harbourside", "--as", "header")
    headers = dict(line.split(": ", 1) for line in printed.out.splitlines())
    assert set(headers) == {"Authorization", "X-Api-Key"}  # VaultRE's API key beside the Bearer token
    answer = httpx.get(f"{harbourside.base_url}/api/v1.3/account", headers=headers)
    assert answer.status_code == 200
    shape = json.loads(connmgr("token", "Harbourside", "--as", "json").out)
    assert set(shape) == {"access_token", "expires_at", "token_type", "headers"}
    assert shape["headers"] == headers and shape["expires_at"] is None  # VaultRE's tokens never expire


def test_an_unknown_form_is_a_usage_error(connmgr, harbourside):
    wrong = connmgr("token", "Harbourside", "--as", "yaml")
    assert wrong.code == 2 and "invalid choice: 'yaml'" in wrong.err
    assert connmgr("token", "Harbourside", "--prefix", "X").code == 2  # a prefix names --as env's variables only


def test_exec_gives_the_command_the_credentials_in_its_environment_only(connmgr, harbourside):
    ran = connmgr("exec", "Harbourside", "--", sys.executable, "-c", CALLS_VAULTRE)
    assert ran.code == 0, ran.err
    seen = json.loads(ran.out)
    token = connmgr("token", "Harbourside").out.strip()
    assert seen["status"] == 200 and seen["token"] == token
    assert not [argument for argument in seen["arguments"] if token in argument]  # neither its nor connmgr's


def test_exec_returns_the_commands_status_and_refreshes_a_token_about_to_expire(connmgr, oidc_server):
    assert connect_docbyte(connmgr, oidc_server).code == 0
    before = connmgr("token", "Acme vault").out.strip()
    printed = 'printf %s "$ACME_VAULT_ACCESS_TOKEN"; exit 7'
    ran = connmgr("exec", "Acme vault", "--margin", "600", "--", "sh", "-c", printed)  # 300 s tokens: renewed
    assert ran.code == 7
    assert ran.out != before and ran.out == connmgr("token", "Acme vault").out.strip()
    kept = connmgr("exec", "Acme vault", "--", "sh", "-c", printed)
    assert kept.out == ran.out  # within the default margin of a minute, nothing to renew


def test_exec_passes_a_supervisors_signal_on_and_ends_as_the_command_does(connmgr, harbourside):
    waits = "; ".join((
        "import signal, sys, time",
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(42))",
        "print('ready', flush=True)",
        "time.sleep(60)",
    ))  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "connmgr", "exec", "Harbourside", "--", sys.executable, "-c", waits],
        env=connmgr.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, stdin=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        assert process.stdout.readline() == "ready\n"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 42
    finally:
        process.kill()


def test_exec_refuses_before_anything_runs(connmgr, harbourside, tmp_path):
    marker = tmp_path / "ran"
    touch = ["sh", "-c", f"touch {marker}"]
    unknown = connmgr("exec", "Harbourside", "Nobody", "--", *touch)
    assert unknown.code == 1 and not marker.exists()
    said = unknown.err.splitlines()[-1]  # after the seeded home's notice
    assert said == "Connection store: there is no connection named 'Nobody'; check the name in the list."
    for arguments in (("exec", "Harbourside"), ("exec", "Harbourside", "--"), ("exec", "--", "true")):
        refused = connmgr(*arguments)
        assert refused.code == 2, arguments
        assert refused.err.startswith("connmgr: ") and refused.err.count("\n") == 1
    missing = connmgr("exec", "Harbourside", "--", "no-such-program-anywhere")
    assert missing.code == 127
    assert missing.err == "connmgr: no-such-program-anywhere: command not found\n"


def test_claims_say_what_the_access_token_says_of_itself(connmgr, oidc_server):
    assert connect_docbyte(connmgr, oidc_server).code == 0
    shown = connmgr("claims", "Acme vault")
    assert shown.code == 0, shown.err
    assert shown.out.startswith("Access token (decoded for display, not trusted):\n")
    assert f"  tenant: {ACME}\n" in shown.out and f"  azp: {VAULT_SERVICE.client_id}\n" in shown.out
    as_json = json.loads(connmgr("claims", "Acme vault", "--json").out)
    assert as_json["access_token"]["tenant"] == ACME and as_json["id_token"] == {} and as_json["note"] == ""
