"""Every flow the command line offers, run with -v against the simulators and the OpenID provider: no token, code,
client secret, API key, password or cookie that was issued or given appears in anything connmgr printed or logged.

Each vendor and flow connects the way a person would (the system browser signing in through connmgr's loopback
listener, or the password and client-credentials flows), then goes through list, token, check, refresh, export,
revoke and remove. The secrets looked for are collected as connmgr met them: from the simulators' records, from
the sealed store between commands, from the browser that carried the code. Where a simulator gives its secrets a
prefix, and for any JWT ("eyJ"), the prefix alone is looked for too.
"""

from __future__ import annotations

import asyncio
import base64
import json
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from connmgr.storage import KeyringDataKey
from connmgr.storage.store import ConnectionDatabase
from tests.cli.command import ConnmgrCommand, Result
from tests.simulators.fixtures import CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME
from tests.simulators.vcita import USERINFO_PATH
from tests.support.oidc_fixtures import ACME, ALICE, GENERIC_APP, LOOPBACK_REDIRECT_URI, VAULT_DESKTOP, VAULT_SERVICE
from tests.support.secrets import leaked
from tests.support.system_browser import browser_command

JWT = "eyJ"  # how every JWT begins: '{"' in Base64


def free_loopback_uri() -> str:
    """A loopback redirect URI on a port nobody listens on, for a vendor that compares redirect URIs exactly."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/callback"


@dataclass
class Walk:
    """One connection through every command, and every secret met on the way."""

    connmgr: ConnmgrCommand
    request: pytest.FixtureRequest
    tmp_path: Path
    name: str = "Leak check"
    secrets: list[str] = field(default_factory=list)
    prefixes: list[str] = field(default_factory=lambda: [JWT])
    simulators: list = field(default_factory=list)
    before_check: Callable[[], None] = lambda: None
    browser_report: Path | None = None

    def fixture(self, name: str):
        return self.request.getfixturevalue(name)

    def simulator(self, fixture: str):
        seeded = self.fixture(fixture)
        self.simulators.append(seeded.sim)
        self.prefixes += seeded.sim.secret_prefixes
        self.secrets += [PASSWORD, *filter(None, [seeded.client.client_secret])]
        return seeded

    def connect(self, template: str, *flags: str, values: dict[str, str], env: dict[str, str], person=None) -> Result:
        self.secrets += env.values()
        if person is not None:  # the system browser signs in as this person
            self.browser_report = self.tmp_path / "browser.json"
            env = env | browser_command(self.browser_report, *person)
            self.secrets.append(person[1])
        assignments = [arg for key, value in values.items() for arg in ("--set", f"{key}={value}")]
        return self.connmgr("connect", template, "--name", self.name, *flags, *assignments, env=env)

    def everything_met(self) -> list[str]:
        """The secrets collected, those the simulators issued, and the code the system browser carried."""
        issued = [secret for sim in self.simulators for secret in sim.issued_secrets()]
        return self.secrets + issued + self._code_the_browser_carried()

    def _code_the_browser_carried(self) -> list[str]:
        if self.browser_report is None or not self.browser_report.exists():
            return []  # no browser was started: the connect's own output says why
        reached = json.loads(self.browser_report.read_text().splitlines()[-1])["reached"]
        return parse_qs(urlsplit(reached).query).get("code", [])

    def stored(self) -> list[str]:
        """Every secret the store holds now: tokens, id tokens and secret fields."""

        async def read() -> list[str]:
            store = ConnectionDatabase(self.connmgr.home, KeyringDataKey(self.connmgr.home))
            try:
                await store.unlock()
                held = [store.secrets(c.name) for c in store.list_connections()]
            finally:
                store.close()
            return [v for s in held for v in (s.access_token, s.refresh_token, s.id_token, *s.fields.values()) if v]

        return asyncio.run(read())


# -- how each vendor and flow connects


def vaultre(walk: Walk, api_host: str | None = None) -> Result:
    sim = walk.simulator("vaultre_sim").sim
    redirect = free_loopback_uri()
    sim.register_client(CLIENT_ID, [REDIRECT_URI, redirect])
    values = {"client_id": CLIENT_ID, "redirect_uri": redirect, "login_host": sim.base_url,
              "api_host": api_host or sim.base_url}  # fmt: skip
    env = {"CONNMGR_API_KEY": sim.api_key}
    return walk.connect("vaultre", "--system-browser", values=values, env=env, person=(USERNAME, PASSWORD, "Confirm"))


def vcita(walk: Walk) -> Result:
    seeded = walk.simulator("vcita_sim")
    sim, redirect = seeded.sim, free_loopback_uri()
    sim.register_client(CLIENT_ID, [REDIRECT_URI, redirect], client_secret=seeded.client.client_secret)
    cookie, echoed = secrets.token_urlsafe(18), f"vctoken-{secrets.token_urlsafe(18)}"
    walk.secrets += [cookie, echoed]

    def a_load_balancer_and_an_echo() -> None:
        # The who-am-I answer of `check` comes with a load balancer's cookie, and the token echoed in a header.
        answer = {"status": "OK", "data": {"email": "alice@example.com"}}
        headers = {"Set-Cookie": f"AWSALB={cookie}; Path=/; HttpOnly", "x-access-token": echoed}
        sim.inject(USERINFO_PATH, status=200, body=json.dumps(answer).encode(), content_type="application/json",
                   headers=headers)  # fmt: skip

    walk.before_check = a_load_balancer_and_an_echo
    values = {"client_id": CLIENT_ID, "redirect_uri": redirect, "brand_host": sim.base_url, "api_host": sim.base_url}
    env = {"CONNMGR_CLIENT_SECRET": seeded.client.client_secret}
    return walk.connect("vcita", "--system-browser", values=values, env=env, person=(USERNAME, PASSWORD, "Allow"))


def password_flow(template: str, fixture: str) -> Callable[[Walk], Result]:
    def connect(walk: Walk) -> Result:
        sim = walk.simulator(fixture).sim
        values = {"client_id": CLIENT_ID, "site": sim.base_url, "redirect_uri": REDIRECT_URI, "username": USERNAME}
        return walk.connect(template, "--flow", "password", values=values, env={"CONNMGR_PASSWORD": PASSWORD})

    return connect


def _oidc(walk: Walk):
    server = walk.fixture("oidc_server")
    walk.secrets += [VAULT_SERVICE.client_secret, GENERIC_APP.client_secret, ALICE.password]
    return server


def docbyte(flow: str) -> Callable[[Walk], Result]:
    def connect(walk: Walk) -> Result:
        server = _oidc(walk)
        values = {"account": "acme", "environment": "test", "tenant": ACME, "issuer": server.docbyte_issuer(ACME)}
        if flow == "client_credentials":
            values["client_id"] = VAULT_SERVICE.client_id
            env = {"CONNMGR_CLIENT_SECRET": VAULT_SERVICE.client_secret}
            return walk.connect("docbyte", "--flow", flow, values=values, env=env)
        values |= {"client_id": VAULT_DESKTOP.client_id, "redirect_uri": LOOPBACK_REDIRECT_URI}
        return walk.connect("docbyte", "--flow", flow, "--system-browser", values=values, env={}, person=_alice())

    return connect


def _alice() -> tuple[str, str, str]:
    return ALICE.username, ALICE.password, "Allow"


def oidc(flow: str) -> Callable[[Walk], Result]:
    def connect(walk: Walk) -> Result:
        server = _oidc(walk)
        if flow == "client_credentials":
            values = {"issuer": server.docbyte_issuer(ACME), "client_id": VAULT_SERVICE.client_id,
                      "client_auth": "client_secret_post"}  # fmt: skip
            env = {"CONNMGR_CLIENT_SECRET": VAULT_SERVICE.client_secret}
            return walk.connect("oidc", "--flow", flow, values=values, env=env)
        values = {"issuer": server.generic_issuer, "client_id": GENERIC_APP.client_id,
                  "redirect_uri": LOOPBACK_REDIRECT_URI}  # fmt: skip
        env = {"CONNMGR_CLIENT_SECRET": GENERIC_APP.client_secret}
        return walk.connect("oidc", "--system-browser", values=values, env=env, person=_alice())

    return connect


def oauth2(flow: str) -> Callable[[Walk], Result]:
    def connect(walk: Walk) -> Result:
        server = _oidc(walk)
        if flow == "client_credentials":
            issuer = server.docbyte_issuer(ACME)
            values = {"client_id": VAULT_SERVICE.client_id, "token_url": f"{issuer}/protocol/openid-connect/token",
                      "userinfo_url": f"{issuer}/protocol/openid-connect/userinfo",
                      "client_auth": "client_secret_post", "scope": "openid"}  # fmt: skip
            env = {"CONNMGR_CLIENT_SECRET": VAULT_SERVICE.client_secret}
            return walk.connect("oauth2", "--flow", flow, values=values, env=env)
        discovered = httpx.get(f"{server.generic_issuer}/.well-known/openid-configuration", timeout=10).json()
        endpoints = {"authorize_url": "authorization_endpoint", "token_url": "token_endpoint",
                     "revoke_url": "revocation_endpoint", "userinfo_url": "userinfo_endpoint"}  # fmt: skip
        values = {"client_id": GENERIC_APP.client_id, "redirect_uri": LOOPBACK_REDIRECT_URI, "scope": "openid email"}
        values |= {name: discovered[key] for name, key in endpoints.items()}
        env = {"CONNMGR_CLIENT_SECRET": GENERIC_APP.client_secret}
        return walk.connect("oauth2", "--system-browser", values=values, env=env, person=_alice())

    return connect


FLOWS = {
    "vaultre": vaultre,
    "vcita": vcita,
    "ioffice-password": password_flow("ioffice", "ioffice_sim"),
    "eptura-password": password_flow("eptura", "eptura_sim"),
    "docbyte-client-credentials": docbyte("client_credentials"),
    "docbyte-authorization-code": docbyte("authorization_code"),
    "oidc-authorization-code": oidc("authorization_code"),
    "oidc-client-credentials": oidc("client_credentials"),
    "oauth2-authorization-code": oauth2("authorization_code"),
    "oauth2-client-credentials": oauth2("client_credentials"),
}


@pytest.mark.parametrize("flow", FLOWS)
def test_every_command_with_debug_logging_shows_no_secret(flow, verbose_connmgr, request, tmp_path):
    walk = Walk(verbose_connmgr, request, tmp_path)
    run = verbose_connmgr
    connected = FLOWS[flow](walk)
    walk.secrets += walk.stored()
    listed, listed_json = run("list"), run("list", "--json")
    printed = run("token", walk.name)
    walk.before_check()
    checked = run("check", walk.name)
    refreshed = run("refresh", walk.name)
    walk.secrets += walk.stored()
    exported = run("export", walk.name, "--env", str(tmp_path / "project.env"))
    revoked, removed = run("revoke", walk.name), run("remove", walk.name)

    # The token command prints the access token and nothing else; everything else printed holds no secret.
    shown = "\n".join(r.out + r.err for r in run.log if r is not printed) + printed.err
    assert leaked(walk.everything_met(), shown, prefixes=walk.prefixes) == []
    assert printed.out.strip() in walk.secrets and printed.out.count("\n") == 1

    assert connected.code == 0, connected.err
    assert "DEBUG connmgr.oauth: POST" in connected.err and "receive_response_headers.complete" in connected.err
    assert [r.code for r in (listed, listed_json, printed, checked, exported, revoked, removed)] == [0] * 7, [
        r.err for r in run.log if r.code
    ]
    assert walk.name in listed.out
    # Refreshed, or one sentence why not (VaultRE's tokens never expire, vcita and these clients get no refresh token)
    why_not = refreshed.err.splitlines()[-1]
    assert refreshed.code == 0 or "no refresh token" in why_not or "cannot be refreshed" in why_not
    if flow == "vcita":
        assert "(b'Set-Cookie', b'[redacted]')" in checked.err and "(b'x-access-token', b'[redacted]')" in checked.err


# -- a vendor quoting back what it was sent


def test_a_token_endpoint_quoting_the_client_credentials_is_shown_scrubbed(verbose_connmgr, echo_server):
    secret = "cs-" + secrets.token_urlsafe(16)
    refused = verbose_connmgr(
        "connect", "oauth2", "--name", "Echo", "--flow", "client_credentials", "--set", "client_id=desk",
        "--set", f"token_url={echo_server}/token", env={"CONNMGR_CLIENT_SECRET": secret},
    )  # fmt: skip
    basic = base64.b64encode(f"desk:{secret}".encode()).decode()
    assert leaked([secret, basic], refused.out + refused.err) == []
    assert refused.code == 1
    sentence = refused.err.splitlines()[-1]
    assert sentence.startswith("OAuth 2.0 (generic): the token endpoint ") and "“unknown credentials " in sentence


def test_an_api_quoting_the_api_key_and_the_token_is_shown_scrubbed(verbose_connmgr, request, echo_server, tmp_path):
    walk = Walk(verbose_connmgr, request, tmp_path)
    refused = vaultre(walk, api_host=echo_server)  # signs in at VaultRE; the who-am-I call goes to the echo
    assert leaked(walk.everything_met(), refused.out + refused.err, prefixes=walk.prefixes) == []
    assert refused.code == 1
    sentence = refused.err.splitlines()[-1]
    assert sentence.startswith("VaultRE: the API refused the request (“unknown credentials ")
    assert sentence.count("[redacted]") == 2  # the API key and the token
