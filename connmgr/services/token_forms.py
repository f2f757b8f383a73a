"""A token the way it is used: bare, as the headers the vendor's API wants, as a ready `curl` of the who-am-I
call, as the export block, or as JSON for a credential helper. All of it from the template's `[api]` data.
"""

from __future__ import annotations

import json
import shlex
from collections.abc import Mapping

from connmgr.domain.connection import Connection
from connmgr.domain.envfile import assignment
from connmgr.domain.errors import ConfigError
from connmgr.domain.health import iso_utc
from connmgr.domain.provider import Provider
from connmgr.domain.token_forms import TokenForm
from connmgr.oauth.wire import api_credentials, api_request


def token_in_form(
    form: TokenForm, provider: Provider, connection: Connection, access_token: str, variables: Mapping[str, str]
) -> str:
    """`variables`: what `export` writes for this connection (for `ENV`)."""
    if form is TokenForm.TOKEN:
        return access_token
    if form is TokenForm.ENV:
        return "\n".join(assignment(key, value) for key, value in variables.items())
    if form is TokenForm.CURL:
        return _curl(provider, access_token)
    headers, query = api_credentials(provider, access_token)
    if form is TokenForm.JSON:
        shape: dict[str, object] = {
            "access_token": access_token,
            "expires_at": iso_utc(connection.expires_at),
            "token_type": connection.token_type,
            "headers": headers,
        }
        return json.dumps(shape | ({"query": query} if query else {}), indent=2)
    if query:
        raise ConfigError(
            provider.vendor,
            f"its API takes the token in the address ({', '.join(query)}), not in a header",
            "use --as curl or --as json",
        )
    return "\n".join(f"{name}: {value}" for name, value in headers.items())


def _curl(provider: Provider, access_token: str) -> str:
    if not provider.has_endpoint("userinfo_url"):
        raise ConfigError(provider.vendor, "its template names no who-am-I address to call", "use --as header")
    request = api_request(provider, provider.endpoint("userinfo_url"), access_token)
    words = ["curl", "--silent", "--show-error", "--fail-with-body"]
    for name, value in request.headers.raw:  # as the vendor spells them (`headers.items()` lower-cases)
        if name.lower() != b"host":
            words += ["--header", f"{name.decode()}: {value.decode()}"]
    return shlex.join([*words, str(request.url)])
