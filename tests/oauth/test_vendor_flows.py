"""Every flow of the four simulated vendors to a working token, then the who-am-I call the vendor's way."""

import pytest

from connmgr.domain.callback import Denied
from connmgr.domain.errors import GrantError, TokenRejected, VendorError
from connmgr.services.signin import Connected, connect_with_password, finish_sign_in, start_sign_in
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import browse_to_callback, sign_in
from tests.support.providers import provider_for


@pytest.mark.parametrize(
    ("kind", "path", "account"),
    [("account", "/api/v1.3/account", "Harbourside Realty"), ("user", "/api/v1.3/user", "alice@example.com")],
)
async def test_vaultre_account_and_user_tokens(client, vaultre_sim, kind, path, account):
    provider = provider_for("vaultre", vaultre_sim, token_kind=kind)
    connected = await sign_in(client, provider, USERNAME, PASSWORD, button="Confirm")
    assert isinstance(connected, Connected)
    assert connected.tokens.expires_at is None and connected.tokens.refresh_token is None
    assert connected.account == account
    exchange = vaultre_sim.sim.requests_to("/cgi-bin/clientvault/integrations/oauthexchange.cgi")[-1]
    assert exchange.headers["content-type"] == "application/x-www-form-urlencoded"
    me = vaultre_sim.sim.requests_to(path)[-1]
    assert me.headers["x-api-key"] == vaultre_sim.sim.api_key
    assert me.headers["authorization"] == f"Bearer {connected.tokens.access_token}"


async def test_vaultre_cancel_is_denied(client, vaultre_sim):
    result = await sign_in(client, provider_for("vaultre", vaultre_sim), USERNAME, PASSWORD, button="Cancel")
    assert isinstance(result, Denied) and "User denied request" in result.sentence


async def test_vaultre_registered_redirect_with_query(client, vaultre_sim):
    registered = "http://127.0.0.1:8765/callback?exampleparameter=value1"
    vaultre_sim.sim.register_client("query-client", [registered])
    provider = provider_for("vaultre", vaultre_sim, client_id="query-client", redirect_uri=registered)
    assert isinstance(await sign_in(client, provider, USERNAME, PASSWORD, button="Confirm"), Connected)


async def test_vaultre_code_used_after_60_seconds(client, vaultre_sim):
    provider = provider_for("vaultre", vaultre_sim)
    start = await start_sign_in(client, provider)
    callback = await browse_to_callback(start.request.url, start.request.redirect_uri, USERNAME, PASSWORD, "Confirm")
    vaultre_sim.sim.clock.advance(61)
    with pytest.raises(VendorError) as caught:
        await finish_sign_in(client, start, callback)
    assert caught.value.sentence.startswith("VaultRE: the token endpoint refused the request")
    assert caught.value.sentence.endswith("; sign in again.")


async def test_vcita_json_exchange_and_userinfo(client, vcita_sim):
    connected = await sign_in(client, provider_for("vcita", vcita_sim), USERNAME, PASSWORD, button="Allow")
    assert isinstance(connected, Connected)
    years = (connected.tokens.expires_at - connected.tokens.issued_at) / (365.25 * 86400)
    assert 19.9 < years < 20.1
    assert connected.account == "alice@example.com"
    token_request = vcita_sim.sim.requests_to("/oauth/token")[-1]
    assert token_request.headers["content-type"] == "application/json"


async def test_vcita_code_lives_30_seconds(client, vcita_sim):
    provider = provider_for("vcita", vcita_sim)
    start = await start_sign_in(client, provider)
    callback = await browse_to_callback(start.request.url, start.request.redirect_uri, USERNAME, PASSWORD, "Allow")
    vcita_sim.sim.clock.advance(31)
    with pytest.raises(GrantError, match="sign in again"):
        await finish_sign_in(client, start, callback)


async def test_vcita_deny(client, vcita_sim):
    result = await sign_in(client, provider_for("vcita", vcita_sim), USERNAME, PASSWORD, button="Deny")
    assert isinstance(result, Denied)


@pytest.mark.parametrize("vendor", ["ioffice", "eptura"])
async def test_ioffice_family_fragment_sign_in_refresh_rotation_and_revoke(client, request, vendor):
    seeded = request.getfixturevalue(f"{vendor}_sim")
    provider = provider_for(vendor, seeded)
    connected = await sign_in(client, provider, USERNAME, PASSWORD)
    assert isinstance(connected, Connected)
    tokens = connected.tokens
    assert tokens.expires_at - tokens.issued_at == pytest.approx(3600)  # 3,600,000 ms
    assert connected.account == "alice@example.com"
    me = seeded.sim.requests_to("/external/api/rest/v2/users/me")[-1]
    if vendor == "ioffice":
        assert me.headers["x-access-token"] == tokens.access_token and "authorization" not in me.headers
    else:
        assert me.headers["authorization"] == f"Bearer {tokens.access_token}"

    refreshed = await client.refresh(provider, tokens)
    assert refreshed.refresh_token not in (None, tokens.refresh_token)
    assert (await client.whoami(provider, refreshed))["email"] == "alice@example.com"
    with pytest.raises(GrantError):
        await client.refresh(provider, tokens)  # the rotated-out refresh token is dead

    await client.revoke(provider, refreshed)
    revoke = seeded.sim.requests_to("/external/api/oauth2/revoke")
    assert [r.headers["x-token"] for r in revoke] == [refreshed.refresh_token, refreshed.access_token]
    with pytest.raises(TokenRejected, match="refused the access token"):
        await client.whoami(provider, refreshed)


@pytest.mark.parametrize("vendor", ["ioffice", "eptura"])
async def test_direct_code_request_without_a_browser(client, request, vendor):
    seeded = request.getfixturevalue(f"{vendor}_sim")
    provider = provider_for(vendor, seeded, "password", username=USERNAME, password=PASSWORD)
    connected = await connect_with_password(client, provider, USERNAME, PASSWORD)
    assert connected.account == "alice@example.com"
    direct = seeded.sim.requests_to("/external/api/oauth2/auth")[-1]
    assert direct.headers["x-auth-username"] == USERNAME
    assert ("x-scope" in direct.headers) == (vendor == "eptura")


async def test_direct_code_with_a_wrong_password(client, ioffice_sim):
    provider = provider_for("ioffice", ioffice_sim, "password", username=USERNAME, password="wrong")
    with pytest.raises(Exception) as caught:
        await connect_with_password(client, provider, USERNAME, "wrong")
    assert caught.value.sentence.startswith("iOFFICE: the code endpoint")
    assert "wrong" not in caught.value.sentence.replace("wrong)", "")
