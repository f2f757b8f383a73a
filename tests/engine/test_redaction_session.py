"""A whole session of flows with debug logging on: no secret any server issued may appear in the log."""

from connmgr.services.signin import Connected, connect_client_credentials, connect_with_password
from tests.engine.conftest import docbyte, provider_for
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import sign_in
from tests.support.oidc_fixtures import ALICE, VAULT_DESKTOP, VAULT_SERVICE
from tests.support.secrets import leaked


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
    for template_id, seeded in (("ioffice", ioffice_sim), ("eptura", eptura_sim)):
        provider = provider_for(template_id, seeded, "password", username=USERNAME, password=PASSWORD)
        connected = await connect_with_password(client, provider, USERNAME, PASSWORD)
        refreshed = await client.refresh(provider, connected.tokens)
        await client.revoke(provider, refreshed)

    service = docbyte(oidc_server, VAULT_SERVICE, "client_credentials")
    machine = await connect_client_credentials(client, service)
    user = docbyte(oidc_server, VAULT_DESKTOP)
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
    assert leaked(issued, log) == []
