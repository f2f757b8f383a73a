"""Building a token-endpoint request in the vendor's style.

Three styles (form body, JSON body, `x-*` headers) and four ways to present
the client (`none`: client_id as a parameter; `client_secret_post`: id and
secret as parameters; `client_secret_basic`: HTTP Basic; `omit`: nothing),
all from the template's `RequestSpec`.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from urllib.parse import quote, urlencode

import httpx

from connmgr.domain.errors import ConfigError
from connmgr.domain.provider import Provider

GRANT_TYPES = {
    "exchange": "authorization_code",
    "refresh": "refresh_token",
    "client_credentials": "client_credentials",
}


def _basic(client_id: str, secret: str) -> str:
    # RFC 6749 §2.3.1: both parts form-urlencoded before Base64.
    pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}"
    return "Basic " + base64.b64encode(pair.encode()).decode("ascii")


def build_request(provider: Provider, operation: str, url: str, values: Mapping[str, str]) -> httpx.Request:
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
    auth = spec.client_auth
    if auth in ("client_secret_post", "client_secret_basic") and not secret:
        auth = "none"  # a public client presents only its id
    if auth == "client_secret_basic":
        headers["Authorization"] = _basic(client_id, secret)
    elif auth == "client_secret_post":
        params |= {"client_id": client_id, "client_secret": secret}
    elif auth == "none" and client_id:
        params.setdefault("client_id", client_id)

    if spec.style == "headers":
        for name, value in params.items():
            if any(c in value for c in "\r\n\0"):
                raise ConfigError(provider.vendor, f"the {name} contains a line break", "remove it")
            headers[spec.wire_name(name)] = value.encode("utf-8")  # type: ignore[assignment]
        headers["Content-Type"] = "application/json"
        return httpx.Request("POST", url, headers=headers)
    if spec.style == "json":
        body = json.dumps({spec.wire_name(k): v for k, v in params.items()}).encode()
        headers["Content-Type"] = "application/json"
    else:
        body = urlencode({spec.wire_name(k): v for k, v in params.items()}).encode()
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return httpx.Request("POST", url, headers=headers, content=body)


def api_request(provider: Provider, url: str, access_token: str) -> httpx.Request:
    """A GET to the vendor's API with the token sent the vendor's way (and its extra headers)."""
    api = provider.template.api
    headers = {"Accept": "application/json"} | {k: provider.render(v) for k, v in api.headers.items()}
    params: dict[str, str] = {}
    if api.token_in == "bearer":
        headers["Authorization"] = f"Bearer {access_token}"
    elif api.token_in.startswith("header:"):
        headers[api.token_in.removeprefix("header:")] = access_token
    else:
        params[api.token_in.removeprefix("query:")] = access_token
    return httpx.Request("GET", url, headers=headers, params=params)
