"""The OpenID Connect test server does what connmgr's tests rely on.

A Docbyte realm (`acme`, a Keycloak look-alike) and a generic provider, driven
with raw HTTP and the sign-in driver, as an app and a person would.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
from joserfc import jwt
from joserfc.jwk import KeySet

from tests.support.oidc_provider import OidcClient, OidcProviderServer, OidcUser
from tests.support.signin import Page, SignInDriver

APP_REDIRECT_URI = "https://app.connmgr.test/callback"  # registered for every default client

Metadata = dict[str, Any]  # a discovery document
Query = dict[str, str]  # the query of a callback URL


# -- what an app does --------------------------------------------------------


async def discover(http: httpx.AsyncClient, issuer: str) -> Metadata:
    response = await http.get(f"{issuer}/.well-known/openid-configuration")
    response.raise_for_status()
    metadata: Metadata = response.json()
    return metadata


async def verify(http: httpx.AsyncClient, metadata: Metadata, token: str) -> jwt.Token:
    """Check a JWT's signature against the issuer's published keys."""
    keys = KeySet.import_key_set((await http.get(metadata["jwks_uri"])).json())
    return jwt.decode(token, keys, algorithms=["RS256"])


async def userinfo(http: httpx.AsyncClient, metadata: Metadata, access_token: str) -> httpx.Response:
    return await http.get(metadata["userinfo_endpoint"], headers={"Authorization": f"Bearer {access_token}"})


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def client_auth(client: OidcClient) -> tuple[dict[str, str], httpx.Auth]:
    """Form fields and HTTP authentication that authenticate a client at the token endpoint."""
    if client.auth_method == "client_secret_basic":
        assert client.client_secret
        return {}, httpx.BasicAuth(client.client_id, client.client_secret)
    form = {"client_id": client.client_id}
    if client.auth_method == "client_secret_post":
        assert client.client_secret
        form["client_secret"] = client.client_secret
    return form, httpx.Auth()  # the base class adds nothing to the request


async def token_request(
    http: httpx.AsyncClient, metadata: Metadata, client: OidcClient, form: dict[str, str]
) -> httpx.Response:
    auth_form, basic = client_auth(client)
    return await http.post(metadata["token_endpoint"], data={**form, **auth_form}, auth=basic)


def refresh_grant(refresh_token: str) -> dict[str, str]:
    return {"grant_type": "refresh_token", "refresh_token": refresh_token}


class Authorization:
    """One authorization request with PKCE, state and nonce."""

    def __init__(self, meta: Metadata, client: OidcClient, redirect: str, scope: str, **params: str) -> None:
        self.verifier, challenge = pkce_pair()
        self.state = secrets.token_urlsafe(16)
        self.nonce = secrets.token_urlsafe(16)
        self.client = client
        self.redirect_uri = redirect
        query = {
            "response_type": "code",
            "client_id": client.client_id,
            "redirect_uri": redirect,
            "scope": scope,
            "state": self.state,
            "nonce": self.nonce,
            "code_challenge": challenge,
            "code_challenge_method": "S256",
            **params,
        }
        self.url = f"{meta['authorization_endpoint']}?{urlencode(query)}"

    async def redeem(self, http: httpx.AsyncClient, metadata: Metadata, callback: Query) -> httpx.Response:
        form = {
            "grant_type": "authorization_code",
            "code": callback["code"],
            "redirect_uri": self.redirect_uri,
            "code_verifier": self.verifier,
        }
        return await token_request(http, metadata, self.client, form)


def query(url: str) -> Query:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def sign_in(browser: SignInDriver, url: str, user: OidcUser, decision: str = "Allow") -> Query:
    """Log in on the login page, answer the consent page, return the callback's query."""
    login = await browser.open(url)
    assert isinstance(login, Page) and "Sign in" in login.form().buttons, login
    credentials = {"username": user.username, "password": user.password}
    consent = await browser.submit(login, credentials, button="Sign in")
    assert isinstance(consent, Page) and {"Allow", "Deny"} <= consent.form().buttons.keys(), consent
    callback = await browser.submit(consent, button=decision)
    assert isinstance(callback, str), callback
    return query(callback)


# -- the tests ---------------------------------------------------------------


async def test_discovery_of_both_issuers(oidc_server: OidcProviderServer) -> None:
    realm = oidc_server.docbyte_issuer("acme")
    assert realm == f"{oidc_server.base_url}/realms/acme"
    async with httpx.AsyncClient() as http:
        keycloak = await discover(http, realm)
        generic = await discover(http, oidc_server.generic_issuer)

    endpoints = f"{realm}/protocol/openid-connect"
    assert keycloak["issuer"] == realm
    assert keycloak["authorization_endpoint"] == f"{endpoints}/auth"
    assert keycloak["token_endpoint"] == f"{endpoints}/token"
    assert keycloak["userinfo_endpoint"] == f"{endpoints}/userinfo"
    assert keycloak["jwks_uri"] == f"{endpoints}/certs"
    assert keycloak["revocation_endpoint"] == f"{endpoints}/revoke"
    assert keycloak["end_session_endpoint"] == f"{endpoints}/logout"
    assert "S256" in keycloak["code_challenge_methods_supported"]

    assert generic["issuer"] == oidc_server.generic_issuer
    assert generic["authorization_response_iss_parameter_supported"] is True
    assert "S256" in generic["code_challenge_methods_supported"]
    assert {"token_endpoint", "userinfo_endpoint", "revocation_endpoint", "jwks_uri"} <= generic.keys()


async def test_client_credentials_give_a_tenant_jwt_and_no_refresh(oidc_server: OidcProviderServer) -> None:
    service = oidc_server.client("vault-service")
    async with httpx.AsyncClient() as http:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        form = {"grant_type": "client_credentials", "scope": "openid"}
        response = await token_request(http, metadata, service, form)
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["expires_in"] == 300 and body["token_type"] == "Bearer"
        assert "refresh_token" not in body and "refresh_expires_in" not in body

        token = await verify(http, metadata, body["access_token"])
        assert token.header["typ"] == "at+jwt"
        assert token.claims["tenant"] == "acme"
        assert token.claims["iss"] == metadata["issuer"]
        assert token.claims["azp"] == "vault-service"
        assert token.claims["exp"] - token.claims["iat"] == 300

        # Who am I, for a service account, as Keycloak answers it.
        me = await userinfo(http, metadata, body["access_token"])
        assert me.status_code == 200, me.text
        assert me.json() == {
            "sub": token.claims["sub"],
            "email_verified": False,
            "preferred_username": "service-account-vault-service",
            "tenant": "acme",
        }

        wrong = await http.post(metadata["token_endpoint"], data={**form, "client_id": "vault-service"})
        assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"


async def test_code_flow_with_pkce_through_login_and_consent(oidc_server: OidcProviderServer) -> None:
    desktop = oidc_server.client("vault-desktop")
    async with httpx.AsyncClient() as http, SignInDriver(stop_at=APP_REDIRECT_URI) as browser:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        request = Authorization(metadata, desktop, APP_REDIRECT_URI, "openid email profile")
        callback = await sign_in(browser, request.url, oidc_server.user("alice"))
        assert callback["state"] == request.state
        assert callback["iss"] == metadata["issuer"]

        response = await request.redeem(http, metadata, callback)
        assert response.status_code == 200, response.text
        tokens = response.json()
        assert tokens["expires_in"] == 300
        assert tokens["refresh_expires_in"] == 1800
        assert tokens["refresh_token"] and tokens["token_type"] == "Bearer"

        alice = oidc_server.subject("alice", "acme")
        id_token = await verify(http, metadata, tokens["id_token"])
        assert id_token.claims["aud"] == "vault-desktop"
        assert id_token.claims["nonce"] == request.nonce
        assert (id_token.claims["sub"], id_token.claims["tenant"]) == (alice, "acme")
        assert id_token.claims["email"] == "alice@acme.test"
        access = await verify(http, metadata, tokens["access_token"])
        assert (access.claims["sub"], access.claims["tenant"]) == (alice, "acme")

        me = await userinfo(http, metadata, tokens["access_token"])
        assert me.status_code == 200, me.text
        assert me.json()["sub"] == alice
        assert me.json()["email"] == "alice@acme.test" and me.json()["tenant"] == "acme"

        # The code is single-use.
        again = await request.redeem(http, metadata, callback)
        assert again.status_code == 400 and again.json()["error"] == "invalid_grant"


async def test_deny_sends_access_denied_back(oidc_server: OidcProviderServer) -> None:
    async with httpx.AsyncClient() as http, SignInDriver(stop_at=APP_REDIRECT_URI) as browser:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        request = Authorization(metadata, oidc_server.client("vault-desktop"), APP_REDIRECT_URI, "openid")
        callback = await sign_in(browser, request.url, oidc_server.user("bob"), decision="Deny")
    assert callback["error"] == "access_denied"
    assert callback["state"] == request.state
    assert "code" not in callback


async def test_wrong_password_shows_the_login_page_again(oidc_server: OidcProviderServer) -> None:
    async with httpx.AsyncClient() as http, SignInDriver(stop_at=APP_REDIRECT_URI) as browser:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        request = Authorization(metadata, oidc_server.client("vault-desktop"), APP_REDIRECT_URI, "openid")
        login = await browser.open(request.url)
        again = await browser.submit(login, {"username": "alice", "password": "wrong"}, button="Sign in")
    assert isinstance(again, Page) and "Invalid username or password." in again.text
    assert again.form().fields["username"] == "alice"


async def test_session_and_consent_remembered_unless_prompt_login(oidc_server: OidcProviderServer) -> None:
    desktop, alice = oidc_server.client("vault-desktop"), oidc_server.user("alice")
    async with httpx.AsyncClient() as http, SignInDriver(stop_at=APP_REDIRECT_URI) as browser:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        await sign_in(browser, Authorization(metadata, desktop, APP_REDIRECT_URI, "openid").url, alice)

        silent = await browser.open(Authorization(metadata, desktop, APP_REDIRECT_URI, "openid").url)
        assert isinstance(silent, str) and "code" in query(silent)

        forced = Authorization(metadata, desktop, APP_REDIRECT_URI, "openid", prompt="login")
        login = await browser.open(forced.url)
        assert isinstance(login, Page) and "Sign in" in login.form().buttons
        credentials = {"username": "alice", "password": alice.password}
        callback = await browser.submit(login, credentials, button="Sign in")
        assert isinstance(callback, str) and query(callback)["state"] == forced.state


async def test_refresh_rotates_and_reuse_revokes_the_grant(oidc_server: OidcProviderServer) -> None:
    # A confidential client, and a loopback redirect URI on a port of the app's choosing.
    web, loopback = oidc_server.client("vault-web"), "http://127.0.0.1:53682/callback"
    async with httpx.AsyncClient() as http, SignInDriver(stop_at=loopback) as browser:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        request = Authorization(metadata, web, loopback, "openid email")
        callback = await sign_in(browser, request.url, oidc_server.user("alice"))
        first = (await request.redeem(http, metadata, callback)).json()

        response = await token_request(http, metadata, web, refresh_grant(first["refresh_token"]))
        assert response.status_code == 200, response.text
        second = response.json()
        assert second["refresh_token"] != first["refresh_token"]
        assert second["refresh_expires_in"] == 1800

        reused = await token_request(http, metadata, web, refresh_grant(first["refresh_token"]))
        assert reused.status_code == 400 and reused.json()["error"] == "invalid_grant"
        # oidc-provider treats reuse as theft: the whole grant goes, the new token too.
        after = await token_request(http, metadata, web, refresh_grant(second["refresh_token"]))
        assert after.status_code == 400 and after.json()["error"] == "invalid_grant"
        assert (await userinfo(http, metadata, second["access_token"])).status_code == 401


async def test_admin_revoke_ends_refresh_and_userinfo(oidc_server: OidcProviderServer) -> None:
    desktop = oidc_server.client("vault-desktop")
    async with httpx.AsyncClient() as http, SignInDriver(stop_at=APP_REDIRECT_URI) as browser:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        request = Authorization(metadata, desktop, APP_REDIRECT_URI, "openid")
        callback = await sign_in(browser, request.url, oidc_server.user("bob"))
        tokens = (await request.redeem(http, metadata, callback)).json()
        assert (await userinfo(http, metadata, tokens["access_token"])).status_code == 200

        revoked = oidc_server.revoke("acme", "vault-desktop", username="bob")
        assert revoked["revoked_grants"] >= 1

        me = await userinfo(http, metadata, tokens["access_token"])
        assert me.status_code == 401 and me.json()["error"] == "invalid_token"
        refresh = await token_request(http, metadata, desktop, refresh_grant(tokens["refresh_token"]))
        assert refresh.status_code == 400


async def test_key_rotation_keeps_the_old_key_published(oidc_server: OidcProviderServer) -> None:
    service, cc = oidc_server.client("vault-service"), {"grant_type": "client_credentials", "scope": "openid"}
    async with httpx.AsyncClient() as http:
        metadata = await discover(http, oidc_server.docbyte_issuer("acme"))
        old_token = (await token_request(http, metadata, service, cc)).json()["access_token"]
        before = {k["kid"] for k in (await http.get(metadata["jwks_uri"])).json()["keys"]}

        rotated = oidc_server.rotate_keys("acme")["acme"]

        after = {k["kid"] for k in (await http.get(metadata["jwks_uri"])).json()["keys"]}
        assert after == before | {rotated["signing_kid"]} and len(after) == len(before) + 1 >= 2
        new_token = (await token_request(http, metadata, service, cc)).json()["access_token"]
        assert (await verify(http, metadata, new_token)).header["kid"] == rotated["signing_kid"]
        assert (await verify(http, metadata, old_token)).header["kid"] in before


async def test_generic_issuer_sends_iss_and_serves_userinfo(oidc_server: OidcProviderServer) -> None:
    async with httpx.AsyncClient() as http:
        metadata = await discover(http, oidc_server.generic_issuer)
        for client in (oidc_server.client("generic-app"), oidc_server.client("generic-native")):
            # OIDC Core: offline_access (hence a refresh token) counts only with prompt=consent.
            scope = "openid email offline_access"
            request = Authorization(metadata, client, APP_REDIRECT_URI, scope, prompt="consent")
            async with SignInDriver(stop_at=APP_REDIRECT_URI) as browser:
                callback = await sign_in(browser, request.url, oidc_server.user("alice"))
            assert callback["iss"] == oidc_server.generic_issuer  # RFC 9207
            response = await request.redeem(http, metadata, callback)
            assert response.status_code == 200, response.text
            tokens = response.json()
            assert tokens["refresh_token"] and "refresh_expires_in" not in tokens

            me = await userinfo(http, metadata, tokens["access_token"])
            assert me.json() == {
                "sub": oidc_server.subject("alice", "generic"),
                "email": "alice@acme.test",
                "email_verified": True,
            }

            auth_form, basic = client_auth(client)
            revoke = {"token": tokens["refresh_token"], "token_type_hint": "refresh_token", **auth_form}
            revoked = await http.post(metadata["revocation_endpoint"], data=revoke, auth=basic)
            assert revoked.status_code == 200
            refresh = await token_request(http, metadata, client, refresh_grant(tokens["refresh_token"]))
            assert refresh.status_code == 400
