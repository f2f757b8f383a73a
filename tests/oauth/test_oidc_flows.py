"""Docbyte (Keycloak-style) and the generic OIDC template against a real, independent OpenID provider."""

import base64
import json

import pytest

from connmgr.domain.callback import Denied
from connmgr.domain.errors import CallbackError, GrantError, IdTokenError, TokenRejected
from connmgr.domain.provider import resolve_provider
from connmgr.domain.tokens import TokenSet
from connmgr.services.signin import Connected, connect_client_credentials, finish_sign_in, start_sign_in
from tests.support.flows import browse_to_callback, sign_in
from tests.support.oidc_fixtures import (
    ACME,
    ALICE,
    APP_REDIRECT_URI,
    GENERIC_APP,
    GENERIC_NATIVE,
    GENERIC_SERVICE,
    VAULT_DESKTOP,
    VAULT_SERVICE,
    VAULT_WEB,
)
from tests.support.providers import CATALOG, docbyte, generic_machine
from tests.support.secrets import leaked


def generic(oidc_server, client, **values):
    base = {
        "issuer": oidc_server.generic_issuer,
        "client_id": client.client_id,
        "redirect_uri": APP_REDIRECT_URI,
        "scope": "openid email profile offline_access",
    }
    if client.client_secret:
        base["client_secret"] = client.client_secret
    return resolve_provider(CATALOG.get("oidc"), base | values, "authorization_code")


async def test_docbyte_client_credentials_shows_the_tenant_and_has_no_refresh_token(client, oidc_server):
    provider = docbyte(oidc_server, VAULT_SERVICE, "client_credentials")
    connected = await connect_client_credentials(client, provider)
    assert connected.account == ACME
    assert connected.notice == ""  # the realm's userinfo answers for its service accounts, as Keycloak's does
    tokens = connected.tokens
    assert tokens.refresh_token is None
    assert tokens.expires_at - tokens.issued_at == 300
    me = await client.whoami(provider, tokens)
    assert me["tenant"] == ACME


async def test_client_credentials_at_a_provider_whose_userinfo_refuses_machine_tokens(client, oidc_server):
    provider = generic_machine(oidc_server)
    connected = await connect_client_credentials(client, provider)

    assert connected.account == GENERIC_SERVICE.client_id  # an opaque token names nobody: the client it was issued to
    assert connected.tokens.access_token  # kept, although the who-am-I probe refused it
    assert "invalid token provided" in connected.notice  # the provider's own words
    assert "not verified" in connected.notice
    assert leaked([connected.tokens.access_token, GENERIC_SERVICE.client_secret], connected.notice) == []
    with pytest.raises(TokenRejected):
        await client.whoami(connected.provider, connected.tokens)  # the probe's refusal is the provider's, for real


@pytest.mark.parametrize("app", [VAULT_DESKTOP, VAULT_WEB], ids=["public-pkce", "confidential"])
async def test_docbyte_authorization_code(client, oidc_server, app):
    provider = docbyte(oidc_server, app)
    connected = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    assert isinstance(connected, Connected)
    tokens = connected.tokens
    assert connected.account == ACME
    assert connected.claims["email"] == ALICE.email
    assert tokens.refresh_expires_at - tokens.issued_at == 1800
    assert (await client.whoami(provider, tokens))["email"] == ALICE.email


async def test_docbyte_refresh_rotates_and_reuse_kills_the_grant(client, oidc_server):
    provider = docbyte(oidc_server, VAULT_DESKTOP)
    connected = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    refreshed = await client.refresh(provider, connected.tokens)
    assert refreshed.refresh_token != connected.tokens.refresh_token
    assert refreshed.id_token  # kept or renewed, never lost
    with pytest.raises(GrantError, match="sign in again"):
        await client.refresh(provider, connected.tokens)
    # oidc-provider revokes the whole grant on reuse: the rotated token is gone too.
    with pytest.raises(GrantError):
        await client.refresh(provider, refreshed)


async def test_docbyte_revoke(client, oidc_server):
    provider = docbyte(oidc_server, VAULT_WEB)
    connected = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    await client.revoke(provider, connected.tokens)
    with pytest.raises(TokenRejected):
        await client.whoami(provider, connected.tokens)
    with pytest.raises(GrantError):
        await client.refresh(provider, connected.tokens)


async def test_deny_at_the_consent_page(client, oidc_server):
    result = await sign_in(client, docbyte(oidc_server, VAULT_DESKTOP), ALICE.username, ALICE.password, button="Deny")
    assert isinstance(result, Denied)


@pytest.mark.parametrize("app", [GENERIC_APP, GENERIC_NATIVE], ids=["basic-auth", "public-pkce"])
async def test_generic_oidc_from_discovery(client, oidc_server, app):
    provider = generic(oidc_server, app)
    connected = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    assert isinstance(connected, Connected)
    assert connected.account == ALICE.email
    assert connected.provider.issuer_in_response  # discovery promised RFC 9207
    assert connected.tokens.refresh_token
    refreshed = await client.refresh(connected.provider, connected.tokens)
    assert (await client.whoami(connected.provider, refreshed))["email"] == ALICE.email


async def test_issuer_mismatch_in_the_redirect_is_refused(client, oidc_server):
    start = await start_sign_in(client, generic(oidc_server, GENERIC_APP))
    callback = await browse_to_callback(start.request.url, APP_REDIRECT_URI, ALICE.username, ALICE.password, "Allow")
    forged = callback.replace("iss=", "iss=https%3A%2F%2Fattacker.example%2F&x=")
    with pytest.raises(CallbackError, match="names another issuer"):
        await finish_sign_in(client, start, forged)


async def test_key_rotation_is_followed(client, oidc_server):
    provider = generic(oidc_server, GENERIC_APP)
    first = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    assert isinstance(first, Connected)
    oidc_server.rotate_keys()
    second = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    assert isinstance(second, Connected)
    kid = json.loads(base64.urlsafe_b64decode(second.tokens.id_token.split(".")[0] + "=="))["kid"]
    assert kid != json.loads(base64.urlsafe_b64decode(first.tokens.id_token.split(".")[0] + "=="))["kid"]


async def test_id_token_checks(client, oidc_server):
    provider = await client.prepare(generic(oidc_server, GENERIC_APP))
    connected = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    good = connected.tokens
    with pytest.raises(IdTokenError, match="nonce"):
        await client.id_token_claims(provider, good, nonce="another-nonce")
    other_client = await client.prepare(generic(oidc_server, GENERIC_NATIVE))
    with pytest.raises(IdTokenError, match="another client"):
        await client.id_token_claims(other_client, good, nonce=None)
    header, payload, _ = good.id_token.split(".")
    unsigned = base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode() + f".{payload}."
    with pytest.raises(IdTokenError, match="not accepted"):
        await client.id_token_claims(provider, TokenSet("a", id_token=unsigned), nonce=None)
    tampered = f"{header}.{payload[:-4]}AAAA.{good.id_token.split('.')[2]}"
    with pytest.raises(IdTokenError):
        await client.id_token_claims(provider, TokenSet("a", id_token=tampered), nonce=None)


async def test_generic_oauth2_with_typed_in_endpoints(client, oidc_server):
    discovered = (await client.prepare(generic(oidc_server, GENERIC_APP))).endpoints
    provider = resolve_provider(
        CATALOG.get("oauth2"),
        {
            "client_id": GENERIC_APP.client_id,
            "client_secret": GENERIC_APP.client_secret,
            "redirect_uri": APP_REDIRECT_URI,
            "scope": "openid email",
            **{name: discovered[name] for name in ("authorize_url", "token_url", "revoke_url", "userinfo_url")},
        },
        "authorization_code",
    )
    connected = await sign_in(client, provider, ALICE.username, ALICE.password, button="Allow")
    assert isinstance(connected, Connected)
    assert connected.claims == {}  # plain OAuth 2.0: the id token is not interpreted
    assert connected.account == ALICE.email  # from the who-am-I endpoint
    await client.revoke(provider, connected.tokens)


async def test_generic_oauth2_client_credentials_with_the_secret_in_the_body(client, oidc_server):
    issuer = oidc_server.docbyte_issuer(ACME)
    provider = resolve_provider(
        CATALOG.get("oauth2"),
        {
            "client_id": VAULT_SERVICE.client_id,
            "client_secret": VAULT_SERVICE.client_secret,
            "token_url": f"{issuer}/protocol/openid-connect/token",
            "userinfo_url": f"{issuer}/protocol/openid-connect/userinfo",
            "client_auth": "client_secret_post",
            "scope": "openid",
        },
        "client_credentials",
    )
    connected = await connect_client_credentials(client, provider)
    assert connected.tokens.refresh_token is None
    assert (await client.whoami(provider, connected.tokens))["tenant"] == ACME
