"""Connecting an account: from a provider to tokens and the identity they belong to.

The browser part (showing the authorize URL, catching the redirect) is a
browser that `Connections.connect` is handed (see `connecting`); this module
does the rest: prepare the request, judge the redirect, exchange the code at
once, and find out who signed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connmgr.domain.authorize import AuthorizeRequest, build_authorize_request
from connmgr.domain.callback import AuthorizationFailed, CodeReceived, Denied, parse_callback
from connmgr.domain.dialect import Flow, Protocol
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.identity import account_label, unverified_claims
from connmgr.domain.provider import Provider
from connmgr.domain.tokens import TokenSet
from connmgr.oauth.client import OAuthClient


@dataclass(frozen=True)
class SignIn:
    """A sign-in in progress: the prepared provider and the request the browser opens."""

    provider: Provider
    request: AuthorizeRequest


@dataclass(frozen=True)
class Connected:
    provider: Provider
    tokens: TokenSet
    account: str | None
    claims: Mapping[str, Any] = field(default_factory=dict)  # validated id-token claims, if any
    notice: str = ""  # what could not be verified (the who-am-I call refused the token), as one sentence


async def start_sign_in(client: OAuthClient, provider: Provider, *, redirect_uri: str | None = None) -> SignIn:
    provider = await client.prepare(provider)
    return SignIn(provider, build_authorize_request(provider, redirect_uri=redirect_uri))


async def finish_sign_in(
    client: OAuthClient, sign_in: SignIn, callback_url: str
) -> Connected | Denied | AuthorizationFailed:
    """Judge the intercepted redirect; on a code, exchange it straight away (vcita codes live 30 s)."""
    provider, request = sign_in.provider, sign_in.request
    result = parse_callback(
        callback_url,
        registered=request.redirect_uri,
        state=request.state,
        vendor=provider.vendor,
        spec=provider.template.callback,
        issuer=provider.endpoints.get("issuer"),
        issuer_required=provider.issuer_in_response,
    )
    if not isinstance(result, CodeReceived):
        return result
    tokens = await client.exchange_code(
        provider, result.code, code_verifier=request.code_verifier, redirect_uri=request.redirect_uri
    )
    return await identify(client, provider, tokens, nonce=request.nonce)


async def connect_client_credentials(client: OAuthClient, provider: Provider) -> Connected:
    provider = await client.prepare(provider)
    return await identify(client, provider, await client.client_credentials(provider), nonce=None)


async def connect_with_password(client: OAuthClient, provider: Provider, username: str, password: str) -> Connected:
    """The vendor's direct code request (no browser), then the usual exchange."""
    provider = await client.prepare(provider)
    code = await client.request_code(provider, username, password)
    return await identify(client, provider, await client.exchange_code(provider, code), nonce=None)


async def identify(client: OAuthClient, provider: Provider, tokens: TokenSet, *, nonce: str | None) -> Connected:
    """Who the tokens belong to: validated id-token claims first, then the vendor's who-am-I call.

    A JWT access token (Keycloak's carries the tenant) is read for the label only, never trusted. Where those
    name nobody, a person's opaque `sub` is the last resort (a person recognises an email or a tenant, not a
    UUID), and a machine's is the client ID: OpenID userinfo describes a person, and many providers refuse a
    client-credentials token there, so its answer never names a machine's account; it only checks the token.

    Asking who-am-I is optional where there is a last resort: its failure is then a notice, and the fresh tokens
    are kept. Where it is the only way to know whom the tokens are for (VaultRE), its failure is the sign-in's.
    """
    template = provider.template
    claims: dict[str, Any] = {}
    if tokens.id_token and template.protocol is Protocol.OIDC:
        claims = await client.id_token_claims(provider, tokens, nonce=nonce)
    shown = unverified_claims(tokens.access_token) or {}
    readable = [k for k in template.account_claims if k != "sub"]
    account = account_label(claims, readable) or account_label(shown, readable)
    machine = provider.flow == Flow.CLIENT_CREDENTIALS
    last_resort = (
        provider.value("client_id") if machine else account_label(claims, ["sub"]) or account_label(shown, ["sub"])
    )
    notice = ""
    if provider.has_endpoint("userinfo_url") and (machine or account is None):
        try:
            answer = await client.whoami(provider, tokens, fresh=True)
        except ConnmgrError as error:
            if not (account or last_resort):
                raise
            notice = error.sentence
        else:
            account = account or (None if machine else account_label(answer, template.api.account_keys))
    return Connected(provider, tokens, account or last_resort or None, claims, notice)
