"""The id token's authorised party (`azp`): when present it must be this client, whatever the audience holds.

The tokens are signed here with a key of our own, published as a real JWKS over HTTP: no provider under test
will issue a token for another authorised party on request.
"""

from __future__ import annotations

import json
import time

import pytest
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from connmgr.domain.errors import IdTokenError
from connmgr.domain.provider import resolve_provider
from connmgr.domain.tokens import TokenSet
from tests.simulators.server import LocalServer
from tests.simulators.wire import Response
from tests.support.providers import CATALOG

CLIENT_ID = "desk-app"
KEY = RSAKey.generate_key(2048, parameters={"kid": "k1", "alg": "RS256", "use": "sig"}, private=True)


@pytest.fixture(scope="module")
def issuer():
    jwks = json.dumps(KeySet([KEY]).as_dict(private=False)).encode()
    server = LocalServer(lambda request: Response(200, jwks, "application/json"))
    server.start()
    yield server.base_url
    server.stop()


def signed(issuer: str, **claims: object) -> TokenSet:
    now = int(time.time())
    payload = {"iss": issuer, "sub": "alice", "aud": CLIENT_ID, "iat": now, "exp": now + 300} | claims
    return TokenSet("opaque-access-token", id_token=jwt.encode({"alg": "RS256", "kid": "k1"}, payload, KEY))


def provider(issuer: str):
    values = {
        "issuer": issuer,
        "jwks_url": f"{issuer}/jwks",
        "client_id": CLIENT_ID,
        "redirect_uri": "https://app.connmgr.test/callback",
    }
    return resolve_provider(CATALOG.get("oidc"), values, "authorization_code")


@pytest.mark.parametrize(
    "claims",
    [{}, {"azp": CLIENT_ID}, {"aud": [CLIENT_ID, "api"], "azp": CLIENT_ID}],
    ids=["no-azp", "azp-is-us", "two-audiences"],
)
async def test_an_id_token_for_this_client_is_accepted(client, issuer, claims):
    accepted = await client.id_token_claims(provider(issuer), signed(issuer, **claims), nonce=None)
    assert accepted["sub"] == "alice"


@pytest.mark.parametrize("audience", [CLIENT_ID, [CLIENT_ID], [CLIENT_ID, "api"]], ids=["one", "list-of-one", "two"])
async def test_another_authorised_party_is_refused_whatever_the_audience(client, issuer, audience):
    token = signed(issuer, aud=audience, azp="someone-else")
    with pytest.raises(IdTokenError, match=r"another authorised party \(azp\)"):
        await client.id_token_claims(provider(issuer), token, nonce=None)
