"""Every bad answer a vendor can give ends in a typed error with one actionable sentence, and no secret."""

import base64
import dataclasses
import gzip
import json
import logging
import tracemalloc
import zlib
from secrets import token_hex, token_urlsafe

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
from connmgr.domain.provider import resolve_provider
from connmgr.domain.tokens import TokenSet
from connmgr.logs import MASK, scrub
from connmgr.oauth.client import OAuthClient
from connmgr.oauth.transport import new_http_client
from connmgr.services.signin import connect_with_password, finish_sign_in, start_sign_in
from connmgr.templates import load_catalog
from tests.simulators.fixtures import CLIENT_ID, PASSWORD, REDIRECT_URI, USERNAME
from tests.support.flows import browse_to_callback, sign_in
from tests.support.providers import CATALOG, provider_for
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
        (200, b"[" * 100_000 + b"]" * 100_000, "application/json", ProtocolError, "nested deeper than 64 levels"),
        (200, b'{"access_token": "a b"}', "application/json", ProtocolError, "access_token holds spaces"),
    ],
)
async def test_bad_token_answers(client, ioffice_sim, status, body, content_type, error, words):
    ioffice_sim.sim.inject(TOKEN_PATH, status=status, body=body, content_type=content_type)
    with pytest.raises(error) as caught:
        await _connect(client, ioffice_sim)
    sentence = caught.value.sentence
    assert sentence.startswith("iOFFICE: the token ") and words in sentence
    assert sentence.count(";") == 1 and sentence.endswith(".")


@pytest.mark.parametrize(("encoding", "compress"), [("gzip", gzip.compress), ("deflate", zlib.compress)])
async def test_a_compressed_bomb_is_refused_without_inflating_it(client, ioffice_sim, encoding, compress):
    bomb = compress(b'{"access_token": "' + b"A" * (256 << 20) + b'"}')  # 256 MiB in a few hundred KiB
    ioffice_sim.sim.inject(
        TOKEN_PATH, status=200, body=bomb, content_type="application/json", headers={"Content-Encoding": encoding}
    )
    tracemalloc.start()
    try:
        with pytest.raises(ProtocolError, match="sent an answer over 1 MiB"):
            await _connect(client, ioffice_sim)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16 << 20  # what was inflated is bounded by the cap, not by a chunk of the bomb (64 MiB each)


async def test_a_compressed_answer_still_reads(client, ioffice_sim):
    ioffice_sim.sim.inject(
        TOKEN_PATH, status=200, body=gzip.compress(b'{"message": "ok"}'), content_type="application/json",
        headers={"Content-Encoding": "gzip"},
    )  # fmt: skip
    with pytest.raises(ProtocolError, match="carries no access token"):  # the JSON was read
        await _connect(client, ioffice_sim)


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


# -- a vendor quoting back what it was sent


async def test_a_refusal_quoting_the_client_credentials_is_shown_without_them(client, echo_server):
    secret = "cs-" + token_urlsafe(16)
    provider = resolve_provider(
        CATALOG.get("oauth2"),
        {"client_id": "desk", "client_secret": secret, "token_url": f"{echo_server}/token"},
        "client_credentials",
    )
    with pytest.raises(ConnmgrError) as caught:
        await client.client_credentials(provider)
    sentence = caught.value.sentence
    assert "“unknown credentials " in sentence  # the vendor's words are quoted, all but the secrets
    basic = base64.b64encode(f"desk:{secret}".encode()).decode()  # HTTP Basic, as client_secret_basic sends it
    assert leaked([secret, basic], sentence) == []


async def test_who_am_i_keeps_the_api_key_it_sends_out_of_the_sentence_and_the_log(client, echo_server):
    key, token = f"apikey-{token_hex(16)}", f"vrtoken-{token_urlsafe(24)}"  # never seen by this process before
    values = {"client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, "login_host": echo_server, "api_key": key}
    provider = resolve_provider(CATALOG.get("vaultre"), values | {"api_host": echo_server})
    with pytest.raises(ConnmgrError) as caught:
        await client.whoami(provider, TokenSet(token))
    assert "unknown credentials" in caught.value.sentence
    assert leaked([key, token], caught.value.sentence) == []
    assert scrub(f"{key} {token}") == f"{MASK} {MASK}"  # registered: no log line shows them from now on


async def test_who_am_i_treats_every_api_header_of_a_template_as_secret(client, echo_server, tmp_path):
    # A person's template may hold a partner key as it is, in no field at all.
    partner_key = f"pk-{token_hex(16)}"
    (tmp_path / "partner.toml").write_text(
        f'extends = "oauth2"\nname = "Partner"\n\n[api]\nheaders = {{ "X-Partner" = "{partner_key}" }}\n'
    )
    template = load_catalog(tmp_path).catalog.get("partner")
    values = {"client_id": "c", "token_url": f"{echo_server}/token", "userinfo_url": f"{echo_server}/me"}
    provider = resolve_provider(template, values, "client_credentials")
    with pytest.raises(ConnmgrError) as caught:
        await client.whoami(provider, TokenSet(f"tok-{token_urlsafe(24)}"))
    assert leaked([partner_key], caught.value.sentence) == []
    assert scrub(partner_key) == MASK


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
