"""Building a vendor's requests in its dialect, from the template's typed words.

Each word names a function in a table: how the client is presented (`none`:
client_id as a parameter; `client_secret_post`: id and secret as parameters;
`client_secret_basic`: HTTP Basic; `omit`: nothing), how the parameters travel
(form body, JSON body, `x-*` headers), and where an API call carries the token.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Mapping
from urllib.parse import quote, urlencode

import httpx

from connmgr.domain.dialect import ClientAuth, Operation, RequestStyle, TokenIn
from connmgr.domain.errors import ConfigError
from connmgr.domain.provider import Provider
from connmgr.domain.template import RequestSpec

GRANT_TYPES = {  # RFC 6749's grant_type of each token request
    Operation.EXCHANGE: "authorization_code",
    Operation.REFRESH: "refresh_token",
    Operation.CLIENT_CREDENTIALS: "client_credentials",
    Operation.DEVICE_CODE: "urn:ietf:params:oauth:grant-type:device_code",  # RFC 8628 §3.4
}

Params = dict[str, str]
Headers = dict[str, str]


# -- client authentication: (params, headers, client_id, secret), each changed in place


def _client_id_only(params: Params, headers: Headers, client_id: str, secret: str) -> None:
    if client_id:
        params.setdefault("client_id", client_id)


def _client_secret_post(params: Params, headers: Headers, client_id: str, secret: str) -> None:
    params |= {"client_id": client_id, "client_secret": secret}


def _client_secret_basic(params: Params, headers: Headers, client_id: str, secret: str) -> None:
    # RFC 6749 §2.3.1: both parts form-urlencoded before Base64.
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def _no_client(params: Params, headers: Headers, client_id: str, secret: str) -> None:
    pass


CLIENT_AUTHENTICATION: Mapping[ClientAuth, Callable[[Params, Headers, str, str], None]] = {
    ClientAuth.NONE: _client_id_only,
    ClientAuth.CLIENT_SECRET_POST: _client_secret_post,
    ClientAuth.CLIENT_SECRET_BASIC: _client_secret_basic,
    ClientAuth.OMIT: _no_client,
}
_WITH_SECRET = frozenset({ClientAuth.CLIENT_SECRET_POST, ClientAuth.CLIENT_SECRET_BASIC})


# -- request styles: the parameters (by their own names) into a request


def _form_body(provider: Provider, spec: RequestSpec, url: str, params: Params, headers: Headers) -> httpx.Request:
    body = urlencode({spec.wire_name(k): v for k, v in params.items()}).encode()
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    return httpx.Request("POST", url, headers=headers, content=body)


def _json_body(provider: Provider, spec: RequestSpec, url: str, params: Params, headers: Headers) -> httpx.Request:
    body = json.dumps({spec.wire_name(k): v for k, v in params.items()}).encode()
    headers["Content-Type"] = "application/json"
    return httpx.Request("POST", url, headers=headers, content=body)


def _in_headers(provider: Provider, spec: RequestSpec, url: str, params: Params, headers: Headers) -> httpx.Request:
    for name, value in params.items():
        if any(c in value for c in "\r\n\0"):
            raise ConfigError(provider.vendor, f"the {name} contains a line break", "remove it")
        headers[spec.wire_name(name)] = value.encode("utf-8")  # type: ignore[assignment]
    headers["Content-Type"] = "application/json"
    return httpx.Request("POST", url, headers=headers)


REQUEST_STYLES: Mapping[RequestStyle, Callable[[Provider, RequestSpec, str, Params, Headers], httpx.Request]] = {
    RequestStyle.FORM: _form_body,
    RequestStyle.JSON: _json_body,
    RequestStyle.HEADERS: _in_headers,
}


def build_request(provider: Provider, operation: Operation, url: str, values: Mapping[str, str]) -> httpx.Request:
    """The HTTP request for `operation` with the given parameter values (code, refresh_token, ...)."""
    spec = provider.template.requests[operation]
    available = {
        "grant_type": GRANT_TYPES.get(operation, ""),
        "client_id": provider.value("client_id"),
        "redirect_uri": provider.value("redirect_uri"),
        "scope": provider.value("scope"),
        **values,
    }
    params = {name: available[name] for name in spec.params if available.get(name)}
    headers = {"Accept": "application/json"}
    client_id, secret = provider.value("client_id"), provider.value("client_secret")
    # A public client (no secret) presents only its id, whatever the template's way with a secret.
    auth = ClientAuth.NONE if spec.client_auth in _WITH_SECRET and not secret else spec.client_auth
    CLIENT_AUTHENTICATION[auth](params, headers, client_id, secret)
    return REQUEST_STYLES[spec.style](provider, spec, url, params, headers)


# -- token placement: (headers, query, name, token), changed in place


def _bearer(headers: Headers, query: Params, name: str, token: str) -> None:
    headers["Authorization"] = f"Bearer {token}"


def _header(headers: Headers, query: Params, name: str, token: str) -> None:
    headers[name] = token


def _query(headers: Headers, query: Params, name: str, token: str) -> None:
    query[name] = token


TOKEN_PLACEMENTS: Mapping[TokenIn, Callable[[Headers, Params, str, str], None]] = {
    TokenIn.BEARER: _bearer,
    TokenIn.HEADER: _header,
    TokenIn.QUERY: _query,
}


def api_credentials(provider: Provider, access_token: str) -> tuple[Headers, Params]:
    """What every call to the vendor's API carries: the token the vendor's way, and its extra headers (VaultRE's
    API key); the headers, then the query parameters."""
    api = provider.template.api
    headers = {k: provider.render(v) for k, v in api.headers.items()}
    query: Params = {}
    TOKEN_PLACEMENTS[api.token_in.kind](headers, query, api.token_in.name, access_token)
    return headers, query


def api_request(provider: Provider, url: str, access_token: str) -> httpx.Request:
    """A GET to the vendor's API with the token sent the vendor's way (and its extra headers)."""
    headers, query = api_credentials(provider, access_token)
    return httpx.Request("GET", url, headers={"Accept": "application/json"} | headers, params=query)
