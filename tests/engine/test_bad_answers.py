"""Every bad answer a vendor can give ends in a typed error with one actionable sentence, and no secret."""

import dataclasses
import json
import logging

import pytest

from connmgr.domain.errors import (
    CallbackError,
    ConnmgrError,
    GrantError,
    NetworkError,
    ProtocolError,
    ServiceUnavailable,
    TLSError,
)
from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import new_http_client
from connmgr.services.signin import connect_with_password, finish_sign_in, start_sign_in
from tests.engine.conftest import CATALOG, provider_for
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.support.flows import browse_to_callback, sign_in
from tests.support.secrets import leaked

TOKEN_PATH = "/external/api/oauth2/token"


async def _connect(client, seeded):
    provider = provider_for("ioffice", seeded, "password", username=USERNAME, password=PASSWORD)
    return await connect_with_password(client, provider, USERNAME, PASSWORD)


@pytest.mark.parametrize(
    ("status", "body", "content_type", "error", "words"),
    [
        (
            200,
            b"<html><body>Maintenance</body></html>",
            "text/html",
            ProtocolError,
            "web page instead of JSON (HTTP 200)",
        ),
        (200, b'{"message": "ok"}', "application/json", ProtocolError, "carries no access token"),
        (500, b"Internal Server Error", "text/plain", ServiceUnavailable, "unavailable (HTTP 500)"),
        (200, b"not json at all", "text/plain", ProtocolError, "not JSON (HTTP 200)"),
        (200, b'{"access_token": "A", "expires_in": "soon"}', "application/json", ProtocolError, "not a number"),
        (200, b'{"access_token": "A", "expires_in": -1}', "application/json", ProtocolError, "is negative"),
        (200, b'{"access_token": "A", "expires_in": 1e30}', "application/json", ProtocolError, "hundred years"),
        (200, b'{"access_token": "A"' + b" " * (1 << 20) + b"}", "application/json", ProtocolError, "over 1 MiB"),
        (429, b"", "text/plain", ServiceUnavailable, "unavailable (HTTP 429)"),
    ],
)
async def test_bad_token_answers(client, ioffice_sim, status, body, content_type, error, words):
    ioffice_sim.sim.inject(TOKEN_PATH, status=status, body=body, content_type=content_type)
    with pytest.raises(error) as caught:
        await _connect(client, ioffice_sim)
    sentence = caught.value.sentence
    assert sentence.startswith("iOFFICE: the token ") and words in sentence
    assert sentence.count(";") == 1 and sentence.endswith(".")


async def test_retry_after_is_read(client, ioffice_sim):
    ioffice_sim.sim.inject(TOKEN_PATH, status=503, headers={"Retry-After": "7"})
    with pytest.raises(ServiceUnavailable) as caught:
        await _connect(client, ioffice_sim)
    assert caught.value.retryable and caught.value.retry_after == 7


async def test_network_timeout(ioffice_sim):
    ioffice_sim.sim.inject(TOKEN_PATH, status=200, body=b"{}", delay=5)
    async with OAuthClient(new_http_client(timeout=0.3)) as client:
        with pytest.raises(NetworkError, match="did not answer in time") as caught:
            await _connect(client, ioffice_sim)
    assert caught.value.retryable


async def test_dropped_connection(client, ioffice_sim):
    ioffice_sim.sim.inject(TOKEN_PATH, status=None)
    with pytest.raises(NetworkError, match="could not be reached"):
        await _connect(client, ioffice_sim)


async def test_ioffice_code_used_after_five_minutes(client, ioffice_sim):
    provider = provider_for("ioffice", ioffice_sim)
    start = await start_sign_in(client, provider)
    callback = await browse_to_callback(start.request.url, start.request.redirect_uri, USERNAME, PASSWORD, None)
    ioffice_sim.sim.clock.advance(301)
    with pytest.raises(GrantError, match="sign in again"):
        await finish_sign_in(client, start, callback)


async def test_a_used_code_cannot_be_used_twice(client, vcita_sim):
    provider = provider_for("vcita", vcita_sim)
    start = await start_sign_in(client, provider)
    callback = await browse_to_callback(start.request.url, start.request.redirect_uri, USERNAME, PASSWORD, "Allow")
    await finish_sign_in(client, start, callback)
    with pytest.raises(GrantError):
        await finish_sign_in(client, start, callback)


async def test_a_callback_with_a_foreign_state_never_reaches_the_token_endpoint(client, vcita_sim):
    provider = provider_for("vcita", vcita_sim)
    start = await start_sign_in(client, provider)
    callback = await browse_to_callback(start.request.url, start.request.redirect_uri, USERNAME, PASSWORD, "Allow")
    with pytest.raises(CallbackError, match="state mismatch"):
        await finish_sign_in(client, start, callback.replace(start.request.state, "forged"))
    assert vcita_sim.sim.requests_to("/oauth/token") == []


async def test_tls_error_is_not_retried(client, untrusted_https):
    from connmgr.domain.provider import resolve_provider

    provider = resolve_provider(
        CATALOG.get("oauth2"),
        {"client_id": "c", "client_secret": "s", "token_url": f"{untrusted_https}/token"},
        "client_credentials",
    )
    with pytest.raises(TLSError, match="could not be verified") as caught:
        await client.client_credentials(provider)
    assert not caught.value.retryable


async def test_no_secret_reaches_a_message_or_a_debug_log(client, ioffice_sim, vcita_sim, debug_log):
    messages = []
    connected = await _connect(client, ioffice_sim)
    provider = provider_for("ioffice", ioffice_sim)
    refreshed = await client.refresh(provider, connected.tokens)
    logging.getLogger("connmgr.test").debug("tokens %s", json.dumps({"access_token": refreshed.access_token}))
    await client.revoke(provider, refreshed)
    for bad in (b"<html>oops</html>", b'{"error": "invalid_grant", "error_description": "bad x"}'):
        ioffice_sim.sim.inject(TOKEN_PATH, status=400, body=bad, content_type="application/json")
        with pytest.raises(ConnmgrError) as caught:
            await client.refresh(provider, refreshed)
        messages.append(caught.value.sentence)
    log = debug_log.getvalue()
    assert "HTTP Request" in log or "token endpoint" in log  # debug logging really ran
    secrets = ioffice_sim.sim.issued_secrets() + [PASSWORD]
    assert len(secrets) >= 4
    assert leaked(secrets, log) == []
    assert leaked(secrets, "\n".join(messages)) == []


@pytest.mark.parametrize(
    ("error", "description", "secret", "field"),
    [
        ("invalid_client", "Client authentication failed.", "wrong", "client_secret"),  # the id got this far
        ("invalid_client", "Unknown client.", "", "client_id"),  # a public client has only its id to blame
        ("invalid_grant", "x-redirect-uri does not match the one the code was issued for.", "", "redirect_uri"),
        ("invalid_scope", "No such scope.", "", "scope"),
        ("invalid_grant", "The code has expired.", "", None),
    ],
)
async def test_a_token_endpoint_refusal_names_the_field_it_concerns(
    client, ioffice_sim, error, description, secret, field
):
    body = json.dumps({"error": error, "error_description": description}).encode()
    ioffice_sim.sim.inject(TOKEN_PATH, status=401 if error == "invalid_client" else 400, body=body,
                           content_type="application/json")  # fmt: skip
    provider = provider_for("ioffice", ioffice_sim, "password", username=USERNAME, password=PASSWORD)
    if secret:  # iOFFICE itself takes no secret; a provider that has one shows how the blame moves to it
        provider = dataclasses.replace(provider, values={**provider.values, "client_secret": secret})
    with pytest.raises(ConnmgrError) as caught:
        await connect_with_password(client, provider, USERNAME, PASSWORD)
    assert caught.value.field == field
    assert description in caught.value.sentence


async def test_a_refused_api_call_names_the_field_sent_beside_the_token(client, vaultre_sim):
    provider = provider_for("vaultre", vaultre_sim, api_key="not-the-api-key")
    with pytest.raises(ConnmgrError) as caught:
        await sign_in(client, provider, USERNAME, PASSWORD, button="Confirm")
    assert caught.value.field == "api_key"
