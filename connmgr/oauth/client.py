"""The OAuth engine: every operation a connection needs, in its vendor's dialect.

One generic client interprets the template: which endpoint, which parameters,
which request style, which client authentication, how the answer is shaped.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import httpx

from connmgr.domain.device import DeviceAuthorization, read_device_authorization
from connmgr.domain.dialect import Flow, Operation
from connmgr.domain.errors import ConfigError, GrantError, ProtocolError, TokenRejected, VendorError
from connmgr.domain.provider import Provider
from connmgr.domain.tokens import TokenSet, normalise_token_response
from connmgr.logs import redact
from connmgr.oauth.discovery import Discovery, discover
from connmgr.oauth.transport import Call, new_http_client, oauth_error_code, read_json, refusal_words, send
from connmgr.oauth.wire import api_request, build_request

if TYPE_CHECKING:
    from connmgr.oauth.idtoken import JwksCache

log = logging.getLogger("connmgr.oauth")


@dataclass(frozen=True)
class WhoAnswer:
    """A who-am-I call as a check shows it: the HTTP status, how long the vendor took, and what it said."""

    status: int
    elapsed_s: float
    data: dict[str, Any] = field(default_factory=dict)  # the answer, when the token was accepted
    words: str = ""  # the vendor's words (scrubbed), when it refused the token
    refusal: TokenRejected | None = None  # that refusal with its likely cause, to raise


class OAuthClient:
    def __init__(self, http: httpx.AsyncClient | None = None, *, now: Callable[[], float] = time.time) -> None:
        self._http = http or new_http_client()
        self._owns_http = http is None
        self._jwks: JwksCache | None = None  # made with the first id token to check
        self._discovered: dict[str, Discovery] = {}
        self.now = now

    async def aclose(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> OAuthClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def prepare(self, provider: Provider) -> Provider:
        """The provider with endpoints from discovery, for templates that discover them."""
        if not provider.template.discovery:
            return provider
        issuer = provider.endpoint("issuer")
        if issuer not in self._discovered:
            self._discovered[issuer] = await discover(self._http, provider)
        found = self._discovered[issuer]
        return provider.with_discovered(found.endpoints, issuer_in_response=found.issuer_in_response)

    async def _token_call(
        self,
        provider: Provider,
        operation: Operation,
        url: str,
        values: dict[str, str],
        *,
        todo: str,
        previous: TokenSet | None = None,
    ) -> TokenSet:
        response, body, call = await self._token_request(provider, operation, url, values, todo=todo)
        return self._tokens(provider, response, body, call, previous)

    async def _token_request(
        self, provider: Provider, operation: Operation, url: str, values: dict[str, str], *, todo: str
    ) -> tuple[httpx.Response, bytes, Call]:
        request = build_request(provider, operation, url, values)
        secret_sent = bool(provider.value("client_secret"))
        call = Call(
            provider.vendor, "the token endpoint", todo, _secrets(provider, request, values), secret_sent=secret_sent
        )
        response, body = await send(self._http, request, call)
        return response, body, call

    def _tokens(
        self, provider: Provider, response: httpx.Response, body: bytes, call: Call, previous: TokenSet | None
    ) -> TokenSet:
        data = read_json(response, body, call)
        tokens = normalise_token_response(
            data, provider.template.token_response, vendor=provider.vendor, now=self.now(), previous=previous
        )
        redact(tokens.access_token, tokens.refresh_token, tokens.id_token)
        return tokens

    async def exchange_code(
        self, provider: Provider, code: str, *, code_verifier: str | None = None, redirect_uri: str | None = None
    ) -> TokenSet:
        """`redirect_uri`: the one the authorize request used, when it was not the configured one (a loopback
        listener's); RFC 6749 §4.1.3 requires the exchange to repeat it exactly."""
        values = {"code": code} | ({"code_verifier": code_verifier} if code_verifier else {})
        values |= {"redirect_uri": redirect_uri} if redirect_uri else {}
        return await self._token_call(
            provider, Operation.EXCHANGE, provider.endpoint("token_url"), values, todo="sign in again"
        )

    async def refresh(self, provider: Provider, tokens: TokenSet) -> TokenSet:
        if not tokens.refresh_token:
            raise GrantError(provider.vendor, "this connection has no refresh token", "sign in again")
        return await self._token_call(
            provider,
            Operation.REFRESH,
            provider.endpoint("token_url"),
            {"refresh_token": tokens.refresh_token},
            todo="sign in again",
            previous=tokens,
        )

    async def client_credentials(self, provider: Provider) -> TokenSet:
        return await self._token_call(
            provider,
            Operation.CLIENT_CREDENTIALS,
            provider.endpoint("token_url"),
            {},
            todo="check the client ID, secret and scopes",
        )

    async def request_code(self, provider: Provider, username: str, password: str) -> str:
        """The direct code request (no browser): the password is sent once and kept nowhere."""
        values = {"username": username, "password": password}
        request = build_request(provider, Operation.DIRECT_CODE, provider.endpoint("code_url"), values)
        secrets = _secrets(provider, request, values)
        call = Call(provider.vendor, "the code endpoint", "check the username and password", secrets)
        response, body = await send(self._http, request, call)
        data = read_json(response, body, call)
        code = data.get("code") if isinstance(data, dict) else None
        if not isinstance(code, str) or not code:
            raise ProtocolError(provider.vendor, "the code endpoint answered without a code", "try again")
        redact(code)
        return code

    async def device_authorization(self, provider: Provider) -> DeviceAuthorization:
        """Start a device sign-in (RFC 8628 §3.1): a device code to poll with and a user code for the person."""
        if not provider.has_endpoint("device_authorization_url"):
            raise ConfigError(
                provider.vendor,
                "it offers no device sign-in (no device authorization endpoint is known)",
                "choose another flow, or set the device authorization endpoint in Advanced",
                field="device_authorization_url",
            )
        url = provider.endpoint("device_authorization_url")
        request = build_request(provider, Operation.DEVICE_AUTHORIZATION, url, {})
        secrets = _secrets(provider, request, {})
        call = Call(
            provider.vendor,
            "the device authorization endpoint",
            "check the client ID, secret and scopes",
            secrets,
            secret_sent=bool(provider.value("client_secret")),
        )
        response, body = await send(self._http, request, call)
        grant = read_device_authorization(read_json(response, body, call), provider.vendor)
        redact(grant.device_code)
        return grant

    async def poll_device_code(self, provider: Provider, device_code: str) -> TokenSet | DevicePending:
        """Ask once whether the person has signed in (RFC 8628 §3.4): the tokens, or that it is still pending (or
        that connmgr asks too often). A refusal or an expired code ends the sign-in in the vendor's words."""
        response, body, call = await self._token_request(
            provider,
            Operation.DEVICE_CODE,
            provider.endpoint("token_url"),
            {"device_code": device_code},
            todo="connect again",
        )
        if response.status_code in (400, 401):
            error = oauth_error_code(body)
            if error in _PENDING:
                return DevicePending(error)
            if error in _DEVICE_ENDED:
                what = _DEVICE_ENDED[error].format(words=refusal_words(response, body, call))
                raise GrantError(provider.vendor, what, "connect again for a new code")
        return self._tokens(provider, response, body, call, None)

    async def revoke(self, provider: Provider, tokens: TokenSet) -> None:
        """Revoke the refresh token, then the access token (RFC 7009). A 200 is done, even for a
        token the server no longer knew; a 5xx keeps the token so the caller can retry."""
        url = provider.endpoint("revoke_url")
        for kind, token in (("refresh_token", tokens.refresh_token), ("access_token", tokens.access_token)):
            if not token:
                continue
            values = {"token": token, "token_type_hint": kind}
            request = build_request(provider, Operation.REVOKE, url, values)
            secrets = _secrets(provider, request, values)
            call = Call(provider.vendor, "the revocation endpoint", "try again later", secrets)
            response, body = await send(self._http, request, call)
            if kind == "access_token" and oauth_error_code(body) == "unsupported_token_type":
                # RFC 7009 §2.2.1: this server cannot revoke access tokens; it expires on its own.
                log.info("%s cannot revoke access tokens; the last one expires on its own", provider.vendor)
                continue
            if response.status_code != 200:
                read_json(response, body, call)  # raises the typed error the answer means
                raise VendorError(
                    provider.vendor, f"the revocation endpoint answered HTTP {response.status_code}", "try again"
                )

    async def whoami(self, provider: Provider, tokens: TokenSet, *, fresh: bool = False) -> dict[str, Any]:
        """The vendor's who-am-I answer; `TokenRejected` when it refuses the token (see `ask_who`)."""
        answer = await self.ask_who(provider, tokens, fresh=fresh)
        if answer.refusal is not None:
            raise answer.refusal
        return answer.data

    async def ask_who(self, provider: Provider, tokens: TokenSet, *, fresh: bool = False) -> WhoAnswer:
        """Call the vendor's who-am-I endpoint with the token sent the vendor's way: a 401 or 403 is an answer
        too, with the vendor's words; anything else that is not a JSON object raises. `fresh`: the token was issued
        moments ago, so a refusal speaks of what is sent beside it or of what the client may do, not of the token."""
        address = provider.fields_behind("{userinfo_url}")
        todo = f"check the {_labels(provider, address)}" if address else "check the who-am-I endpoint"
        request = api_request(provider, provider.endpoint("userinfo_url"), tokens.access_token)
        # The template's API headers go with the token (VaultRE's X-Api-Key; a user's template may hold a key as
        # it is): each is as secret as the token, whatever the field it is rendered from.
        api_headers = [request.headers[name] for name in provider.template.api.headers]
        secrets = _secrets(provider, request, {"token": tokens.access_token}, *api_headers)
        call = Call(provider.vendor, "the API", todo, secrets, field_on_refusal=next(iter(address), None))
        started = time.perf_counter()
        response, body = await send(self._http, request, call)
        elapsed, status = time.perf_counter() - started, response.status_code
        if status in (401, 403):
            words = refusal_words(response, body, call)
            return WhoAnswer(status, elapsed, words=words, refusal=_refused(provider, status, words, fresh=fresh))
        data = read_json(response, body, call)
        if not isinstance(data, dict):
            raise ProtocolError(provider.vendor, "the who-am-I answer is not a JSON object", "check its URL")
        return WhoAnswer(status, elapsed, data)

    async def id_token_claims(self, provider: Provider, tokens: TokenSet, *, nonce: str | None) -> dict[str, Any]:
        if not tokens.id_token:
            raise ConfigError(provider.vendor, "the sign-in returned no id token", "add the openid scope")
        # joserfc is slow to import: loaded by the first OpenID sign-in, not by every command and start-up.
        from connmgr.oauth.idtoken import JwksCache, validate_id_token

        if self._jwks is None:
            self._jwks = JwksCache()
        return await validate_id_token(self._http, self._jwks, provider, tokens.id_token, nonce=nonce, now=self.now)


class DevicePending(StrEnum):
    """A device sign-in's answer while the person has not finished (RFC 8628 §3.5)."""

    AUTHORIZATION_PENDING = "authorization_pending"
    SLOW_DOWN = "slow_down"  # poll less often: the interval grows by 5 s


_PENDING = frozenset(DevicePending)
_DEVICE_ENDED = {  # RFC 8628 §3.5: the answers that end a device sign-in
    "access_denied": "the sign-in was refused at the vendor (“{words}”)",
    "expired_token": "the code expired before the sign-in was finished (“{words}”)",
}


def _refused(provider: Provider, status: int, words: str, *, fresh: bool) -> TokenRejected:
    """The API's 401 or 403, with its likely cause: what is sent beside a fresh token (a field the API's headers are
    filled from: an API key), what the client may do, or, for a stored token, that the vendor revoked it."""
    said = f"the API refused the {'new ' if fresh else ''}access token (HTTP {status}: “{words}”)"
    beside = next(
        (name for pattern in provider.template.api.headers.values() for name in provider.fields_behind(pattern)), None
    )
    scope_field = provider.template.field("scope")
    scope = "scope" if scope_field is not None and scope_field.applies_to(provider.flow) else None
    vendor = provider.vendor
    if beside and status == 401 and (fresh or provider.flow == Flow.CLIENT_CREDENTIALS):
        label = _labels(provider, [beside])
        return TokenRejected(
            vendor, f"{said}, so the {label} sent beside it is likely wrong", f"check the {label}", field=beside
        )
    if provider.flow == Flow.CLIENT_CREDENTIALS:  # a machine's token: who-am-I is often for people only
        return TokenRejected(
            vendor,
            f"{said}, so the account is not verified",
            "many providers refuse machine tokens there, so check the client's scopes only if API calls fail too",
            field=scope,
        )
    if fresh:
        return TokenRejected(
            vendor,
            f"{said}, so the client or the signed-in account is likely not allowed to call it",
            "check the client's scopes and the account's permissions at the vendor",
            field=scope,
        )
    cause = "it was likely revoked at the vendor" if status == 401 else "the account likely lost its access there"
    also = f", or check the {_labels(provider, [beside])}" if beside else ""
    return TokenRejected(vendor, f"{said}, so {cause}", f"sign in again{also}")


def _labels(provider: Provider, names: Sequence[str]) -> str:
    """Fields as the form labels them: "API host", or "Account, Environment and Tenant"."""
    labels = [spec.label if (spec := provider.template.field(name)) else name for name in names]
    return labels[0] if len(labels) == 1 else f"{', '.join(labels[:-1])} and {labels[-1]}"


_SECRET_PARAMETERS = ("code", "refresh_token", "token", "password", "code_verifier", "device_code")


def _secrets(provider: Provider, request: httpx.Request, values: dict[str, str], *sent: str) -> tuple[str, ...]:
    """Everything `request` carries that no answer may quote back and no log line may show, registered with the
    log: the secret `values` it was built from, the connection's secret fields (as its template marks them), the
    credentials of its Authorization header (HTTP Basic holds the client secret in Base64), and what else was `sent`."""
    authorization = request.headers.get("authorization", "").partition(" ")[2]
    found = (
        tuple(v for k, v in values.items() if k in _SECRET_PARAMETERS and v)
        + tuple(v for spec in provider.template.fields if spec.secret and (v := provider.value(spec.name)))
        + tuple(v for v in (authorization, *sent) if v)
    )
    redact(*found)
    return found
