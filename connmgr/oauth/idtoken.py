"""OpenID Connect id-token validation (OIDC Core §3.1.3.7) with joserfc.

The signature is checked against the issuer's JWKS; a key id the cached set
does not know triggers one refetch, which is how key rotation is followed.
`alg: none` and symmetric algorithms without a client secret are refused.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import httpx
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet, OctKey
from joserfc.jws import extract_compact
from joserfc.jwt import ClaimsOption

from connmgr.domain.errors import IdTokenError, ProtocolError
from connmgr.domain.identity import jwt_part
from connmgr.domain.provider import Provider
from connmgr.oauth.transport import Call, read_json, send

ASYMMETRIC = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA")
SYMMETRIC = ("HS256", "HS384", "HS512")
LEEWAY_S = 120


class JwksCache:
    """Key sets by URL, fetched on first use and again when an unknown key id appears."""

    def __init__(self) -> None:
        self._sets: dict[str, KeySet] = {}

    async def get(self, client: httpx.AsyncClient, provider: Provider, *, refresh: bool = False) -> KeySet:
        url = provider.endpoint("jwks_url")
        if refresh or url not in self._sets:
            call = Call(provider.vendor, "the key set (JWKS) endpoint", "check the issuer")
            response, body = await send(client, httpx.Request("GET", url), call)
            data = read_json(response, body, call)
            try:
                self._sets[url] = KeySet.import_key_set(data)
            except (JoseError, ValueError, TypeError, KeyError):
                raise ProtocolError(provider.vendor, "the key set (JWKS) is malformed", "report this") from None
        return self._sets[url]


def _fail(provider: Provider, what: str) -> IdTokenError:
    return IdTokenError(provider.vendor, f"the id token {what}", "sign in again, or check the issuer and client ID")


async def validate_id_token(
    client: httpx.AsyncClient,
    cache: JwksCache,
    provider: Provider,
    id_token: str,
    *,
    nonce: str | None,
    now: Callable[[], float] = time.time,
) -> dict[str, Any]:
    """The id token's claims once signature, issuer, audience, times and nonce all check out."""
    parts = id_token.split(".")
    # joserfc parses header and payload with json.loads, which recurses: both are checked for depth first.
    if len(parts) != 3 or jwt_part(parts[0]) is None or jwt_part(parts[1]) is None:
        raise _fail(provider, "is not a well-formed JWT")
    try:
        header = extract_compact(id_token.encode()).protected
    except (JoseError, ValueError):
        raise _fail(provider, "is not a well-formed JWT") from None
    alg = header.get("alg")
    secret = provider.value("client_secret")
    key: KeySet | OctKey
    if alg in SYMMETRIC and secret:
        key = OctKey.import_key(secret)
    elif alg in ASYMMETRIC:
        key = await cache.get(client, provider)
        if header.get("kid") and not any(k.kid == header["kid"] for k in key.keys):
            key = await cache.get(client, provider, refresh=True)  # the issuer rotated its keys
    else:
        raise _fail(provider, f"uses the algorithm {str(alg)[:20]!r}, which is not accepted")
    try:
        token = jwt.decode(id_token, key, algorithms=[alg])
    except JoseError:
        raise _fail(provider, "signature does not verify") from None
    claims = token.claims
    client_id = provider.value("client_id")
    options: dict[str, ClaimsOption] = {
        "iss": {"essential": True, "value": provider.endpoint("issuer")},
        "sub": {"essential": True},
        "exp": {"essential": True},
        "iat": {"essential": True},
    }
    if nonce:
        options["nonce"] = {"essential": True, "value": nonce}
    registry = jwt.JWTClaimsRegistry(now=lambda: int(now()), leeway=LEEWAY_S, **options)
    try:
        registry.validate(claims)
    except JoseError as exc:
        claim = getattr(exc, "claim", "")
        raise _fail(provider, f"failed its {claim or 'claims'} check") from None
    audiences = claims.get("aud")
    audiences = [audiences] if isinstance(audiences, str) else audiences
    if not isinstance(audiences, list) or client_id not in audiences:
        raise _fail(provider, "was issued for another client (aud)")
    # OIDC Core §3.1.3.7 asks for `azp` only beside several audiences, but a token whose authorised party is
    # another client was issued to that client, whatever its audience says.
    if "azp" in claims and claims["azp"] != client_id:
        raise _fail(provider, "names another authorised party (azp)")
    return dict(claims)
