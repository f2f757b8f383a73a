"""OpenID Connect discovery: endpoints and capabilities from the issuer itself."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx

from connmgr.domain.errors import ProtocolError
from connmgr.domain.provider import Provider
from connmgr.oauth.transport import Call, read_json, send

# Discovery metadata name -> connmgr endpoint name.
_ENDPOINTS = {
    "authorization_endpoint": "authorize_url",
    "token_endpoint": "token_url",
    "revocation_endpoint": "revoke_url",
    "userinfo_endpoint": "userinfo_url",
    "jwks_uri": "jwks_url",
    "device_authorization_endpoint": "device_authorization_url",  # RFC 8628 §4
}


@dataclass(frozen=True)
class Discovery:
    issuer: str
    endpoints: dict[str, str] = field(default_factory=dict)
    issuer_in_response: bool = False  # RFC 9207: the authorization response must carry `iss`


def discovery_url(issuer: str) -> str:
    return issuer.rstrip("/") + "/.well-known/openid-configuration"


async def discover(client: httpx.AsyncClient, provider: Provider) -> Discovery:
    issuer = provider.endpoint("issuer")
    call = Call(provider.vendor, "the discovery document", "check the issuer URL")
    response, body = await send(client, httpx.Request("GET", discovery_url(issuer)), call)
    data = read_json(response, body, call)
    if not isinstance(data, dict):
        raise ProtocolError(provider.vendor, "the discovery document is not a JSON object", "check the issuer URL")
    if data.get("issuer") != issuer:
        # OIDC Discovery §4.3: a mismatch means the document speaks for someone else.
        raise ProtocolError(
            provider.vendor,
            f"the discovery document names the issuer {str(data.get('issuer'))[:80]!r}, not {issuer!r}",
            "type the issuer exactly as the provider publishes it",
        )
    endpoints = {ours: data[theirs] for theirs, ours in _ENDPOINTS.items() if isinstance(data.get(theirs), str)}
    return Discovery(
        issuer=issuer,
        endpoints=endpoints,
        issuer_in_response=data.get("authorization_response_iss_parameter_supported") is True,
    )
