"""Device sign-in (RFC 8628) against a real oidc-provider with its device flow on: a person enters the code at the
provider's pages while connmgr polls; the waits are injected and move a clock on, so nothing sleeps for real."""

from __future__ import annotations

import pytest

from connmgr.domain.device import DeviceAuthorization
from connmgr.domain.errors import ConfigError, GrantError, VendorError
from connmgr.domain.provider import resolve_provider
from connmgr.services.device import connect_with_device
from tests.support.flows import PassingTime, device_provider, enter_device_code
from tests.support.oidc_fixtures import ALICE, DEVICE_APP, DEVICE_CODE_TTL_S, DEVICE_INTERVAL_S, DEVICES, GENERIC_NATIVE
from tests.support.providers import CATALOG


async def sign_in_on_device(client, server, time: PassingTime, *, person=None, at_wait=2):
    """Start a device sign-in; the person (if any) acts at the code's page during wait `at_wait`."""
    shown: list[DeviceAuthorization] = []
    if person is not None:
        time.during[at_wait] = lambda: person(shown[0].verification_uri_complete)
    result = await connect_with_device(
        client, device_provider(server), shown.append, sleep=time.sleep, clock=time.clock
    )
    return result, shown[0]


async def test_a_person_who_enters_the_code_is_the_connection_s_account(client, device_server):
    time = PassingTime()

    async def alice(url):
        assert "Your device is signed in" in await enter_device_code(url, ALICE.username, ALICE.password)

    connected, shown = await sign_in_on_device(client, device_server, time, person=alice)

    assert connected.account == ALICE.email
    assert connected.claims["sub"] == device_server.subject(ALICE.username, DEVICES)
    assert (await client.whoami(connected.provider, connected.tokens))["email"] == ALICE.email
    assert time.waits == [DEVICE_INTERVAL_S, DEVICE_INTERVAL_S]  # the provider's interval: pending, then signed in
    assert shown.user_code in shown.verification_uri_complete
    assert shown.expires_in == DEVICE_CODE_TTL_S


async def test_a_person_who_aborts_at_the_page_ends_it_in_the_provider_s_words(client, device_server):
    async def aborts(url):
        await enter_device_code(url, ALICE.username, ALICE.password, button="Abort")

    with pytest.raises(GrantError) as refused:
        await sign_in_on_device(client, device_server, PassingTime(), person=aborts)

    assert refused.value.sentence.count(".") == 1
    assert "the sign-in was refused at the vendor (“End-User aborted interaction”)" in refused.value.sentence


async def test_a_code_nobody_enters_ends_at_expires_in(client, device_server):
    time = PassingTime()
    with pytest.raises(GrantError) as expired:
        await sign_in_on_device(client, device_server, time)

    assert sum(time.waits) == DEVICE_CODE_TTL_S  # polled every interval until the code's lifetime was over, no longer
    assert set(time.waits) == {DEVICE_INTERVAL_S}
    assert "nobody entered the code" in expired.value.sentence
    assert "within 1 minute" in expired.value.sentence
    assert "connect again for a new code" in expired.value.sentence


async def test_a_code_the_provider_calls_expired_ends_in_its_words(client, device_server):
    async def expire():
        assert device_server.expire_device_codes(DEVICES) >= 1

    time = PassingTime(during={2: expire})
    with pytest.raises(GrantError) as expired:
        await connect_with_device(
            client, device_provider(device_server), lambda _: None, sleep=time.sleep, clock=time.clock
        )

    assert "the code expired before the sign-in was finished (“device code is expired”)" in expired.value.sentence
    assert len(time.waits) == 2


async def test_slow_down_adds_five_seconds_to_the_interval_each_time(client, device_server):
    device_server.slow_down(DEVICES, 2)
    time = PassingTime()

    async def alice(url):
        await enter_device_code(url, ALICE.username, ALICE.password)

    connected, _ = await sign_in_on_device(client, device_server, time, person=alice, at_wait=3)

    assert connected.account == ALICE.email
    assert time.waits == [DEVICE_INTERVAL_S, DEVICE_INTERVAL_S + 5, DEVICE_INTERVAL_S + 10]


async def test_a_client_the_provider_has_not_allowed_the_device_grant_is_told_so_before_any_code(client, oidc_server):
    values = {"issuer": oidc_server.generic_issuer, "client_id": GENERIC_NATIVE.client_id, "scope": "openid"}
    provider = resolve_provider(CATALOG.get("oidc"), values, "device_code")
    with pytest.raises(VendorError) as refused:
        await connect_with_device(client, provider, lambda _: pytest.fail("no code to show"))
    assert refused.value.sentence == (
        "OpenID Connect (generic): the device authorization endpoint refused the request (“urn:ietf:params:oauth:"
        "grant-type:device_code is not allowed for this client”); check the client ID, secret and scopes."
    )


async def test_the_oauth2_template_signs_in_on_a_device_with_the_endpoints_typed_in(client, device_server):
    issuer = device_server.issuer(DEVICES).issuer
    values = {
        "client_id": DEVICE_APP.client_id,
        "scope": "openid email",
        "device_authorization_url": f"{issuer}/device/auth",
        "token_url": f"{issuer}/token",
        "userinfo_url": f"{issuer}/me",
    }
    provider = resolve_provider(CATALOG.get("oauth2"), values, "device_code")
    time = PassingTime()
    shown: list[DeviceAuthorization] = []
    time.during[1] = lambda: enter_device_code(shown[0].verification_uri_complete, ALICE.username, ALICE.password)

    connected = await connect_with_device(client, provider, shown.append, sleep=time.sleep, clock=time.clock)

    assert connected.account == ALICE.email  # from the who-am-I call: OAuth 2.0 validates no id token
    assert connected.claims == {}


def test_the_oauth2_template_asks_for_the_device_authorization_endpoint():
    with pytest.raises(ConfigError, match="Device authorization endpoint is required"):
        resolve_provider(
            CATALOG.get("oauth2"), {"client_id": "x", "token_url": "https://example.com/token"}, "device_code"
        )
