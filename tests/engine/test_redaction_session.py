"""A whole session of flows with debug logging on: no secret any server issued may appear in the log."""

import io
import logging

import pytest

from connmgr import logs
from connmgr.domain.provider import resolve_provider
from connmgr.services.signin import Connected, connect_client_credentials, connect_with_password
from tests.engine.conftest import CATALOG, provider_for
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import sign_in
from tests.support.oidc_fixtures import ACME, ALICE, APP_REDIRECT_URI, VAULT_DESKTOP, VAULT_SERVICE


@pytest.fixture
def debug_log():
    stream = io.StringIO()
    handler = logs.configure(logging.DEBUG, stream)
    yield stream
    logging.getLogger().removeHandler(handler)
    logging.getLogger().setLevel(logging.WARNING)


async def test_every_vendor_flow_with_debug_logging(
    client, debug_log, vaultre_sim, vcita_sim, ioffice_sim, eptura_sim, oidc_server
):
    issued: list[str] = [PASSWORD, ALICE.password, VAULT_SERVICE.client_secret, vaultre_sim.sim.api_key,
                         vcita_sim.client.client_secret]  # fmt: skip

    vaultre = provider_for("vaultre", vaultre_sim)
    await sign_in(client, vaultre, USERNAME, PASSWORD, button="Confirm")
    vcita = provider_for("vcita", vcita_sim)
    connected = await sign_in(client, vcita, USERNAME, PASSWORD, button="Allow")
    await client.whoami(vcita, connected.tokens)
    for seeded in (ioffice_sim, eptura_sim):
        provider = provider_for(
            seeded.sim.vendor.lower().split()[0], seeded, "password", username=USERNAME, password=PASSWORD
        )
        connected = await connect_with_password(client, provider, USERNAME, PASSWORD)
        refreshed = await client.refresh(provider, connected.tokens)
        await client.revoke(provider, refreshed)

    issuer = oidc_server.docbyte_issuer(ACME)
    base = {"account": "acme", "environment": "test", "tenant": ACME, "issuer": issuer}
    service = resolve_provider(
        CATALOG.get("docbyte"),
        base | {"client_id": VAULT_SERVICE.client_id, "client_secret": VAULT_SERVICE.client_secret},
        "client_credentials",
    )
    machine = await connect_client_credentials(client, service)
    user = resolve_provider(
        CATALOG.get("docbyte"), base | {"client_id": VAULT_DESKTOP.client_id, "redirect_uri": APP_REDIRECT_URI},
        "authorization_code",
    )  # fmt: skip
    person = await sign_in(client, user, ALICE.username, ALICE.password, button="Allow")
    assert isinstance(person, Connected)
    again = await client.refresh(user, person.tokens)
    await client.revoke(user, again)
    for tokens in (machine.tokens, person.tokens, again):
        issued += [t for t in (tokens.access_token, tokens.refresh_token, tokens.id_token) if t]
    for seeded in (vaultre_sim, vcita_sim, ioffice_sim, eptura_sim):
        issued += seeded.sim.issued_secrets()

    log = debug_log.getvalue()
    assert log.count("\n") > 40  # the session really was logged
    leaked = [secret[:6] + "…" for secret in issued if secret in log]
    assert leaked == []
