"""What a person reads when the who-am-I call fails: the vendor's own words, and the likely cause.

Right after a sign-in the token is fresh, so a refusal points at what is sent beside it (an API key) or at what
the client may do; later, a refusal of a stored token means it was revoked or expired at the vendor.
"""

import pytest

from connmgr.domain.errors import TokenRejected, VendorError
from connmgr.services.signin import finish_sign_in, start_sign_in
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import browse_to_callback, sign_in
from tests.support.providers import provider_for
from tests.support.secrets import leaked

WRONG_KEY = "apikey-not-the-one-4711"


def no_secret_in(sentence: str, sim, *extra: str) -> bool:
    return leaked([*sim.issued_secrets(), *extra], sentence) == []


async def test_a_wrong_api_key_right_after_sign_in_is_named_beside_its_field(client, vaultre_sim):
    sim = vaultre_sim.sim
    provider = provider_for("vaultre", vaultre_sim, api_key=WRONG_KEY)
    with pytest.raises(TokenRejected) as refused:
        await sign_in(client, provider, USERNAME, PASSWORD, button="Confirm")

    sentence = refused.value.sentence
    assert "Invalid or missing API key" in sentence  # VaultRE's own words
    assert "API key" in sentence.split("”", 1)[1]  # and the cause, named after them
    assert "refresh the connection" not in sentence and "sign in again" not in sentence  # the token is fresh
    assert refused.value.field == "api_key"
    assert no_secret_in(sentence, sim, WRONG_KEY, sim.api_key)


async def test_a_fresh_token_refused_for_lack_of_access_names_the_permissions(client, vaultre_sim):
    # A user token sent to the office-level endpoint: VaultRE answers 403 and says why.
    base = vaultre_sim.sim.base_url
    provider = provider_for("vaultre", vaultre_sim, token_kind="user", userinfo_url=f"{base}/api/v1.3/account")
    with pytest.raises(TokenRejected) as refused:
        await sign_in(client, provider, USERNAME, PASSWORD, button="Confirm")

    sentence = refused.value.sentence
    assert "This token does not grant account-level access" in sentence
    assert "HTTP 403" in sentence and "permissions" in sentence
    assert "sign in again" not in sentence
    assert no_secret_in(sentence, vaultre_sim.sim)


async def test_a_stored_token_revoked_at_the_vendor_is_said_to_be_revoked(client, vcita_sim):
    sim = vcita_sim.sim
    provider = provider_for("vcita", vcita_sim)
    connected = await sign_in(client, provider, USERNAME, PASSWORD, button="Allow")
    sim.revoke_token(connected.tokens.access_token)  # the business disconnected the app

    with pytest.raises(TokenRejected) as refused:
        await client.whoami(connected.provider, connected.tokens)

    sentence = refused.value.sentence
    assert "The access token is invalid, expired or revoked." in sentence
    assert "revoked" in sentence.split("”", 1)[1] and sentence.endswith("sign in again.")
    assert no_secret_in(sentence, sim, sim.clients[provider.value("client_id")].client_secret or "")


async def test_a_who_am_i_address_that_is_not_there_names_the_host_field(client, vaultre_sim):
    sim = vaultre_sim.sim
    provider = provider_for("vaultre", vaultre_sim)
    start = await start_sign_in(client, provider)
    callback = await browse_to_callback(start.request.url, start.request.redirect_uri, USERNAME, PASSWORD, "Confirm")
    gone = b'{"message": "No such API version"}'
    sim.inject("/api/v1.3/account", status=404, body=gone, content_type="application/json")

    with pytest.raises(VendorError) as refused:
        await finish_sign_in(client, start, callback)

    assert "No such API version" in refused.value.sentence and "API host" in refused.value.sentence
    assert refused.value.field == "api_host"
