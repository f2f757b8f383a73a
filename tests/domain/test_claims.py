import base64
import json

from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.claims import expiry_note, notable, token_claims

T0 = 1_800_000_000.0


def jwt(claims: dict[str, object]) -> str:
    def part(data: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()

    return f"{part({'alg': 'RS256'})}.{part(claims)}.c2lnbmF0dXJl"


KEYCLOAK = {
    "exp": T0 + 300,
    "iat": T0,
    "jti": "8c1e",
    "iss": "https://keycloak.acme.prod.docbyte.cloud/realms/acme",
    "aud": "account",
    "sub": "f3a9",
    "typ": "Bearer",
    "azp": "vault-app",
    "scope": "openid email profile",
    "tenant": "acme",
    "realm_access": {"roles": ["offline_access", "uma_authorization"]},
    "email": "alice@example.com",
    "session_state": "b41d",
}


def test_an_access_token_jwt_shows_what_a_person_asks_first_then_its_tenant_and_roles():
    shown = token_claims(None, jwt(KEYCLOAK), T0 + 300)
    assert list(shown.access_token) == ["exp", "iat", "scope", "aud", "azp", "iss", "sub", "realm_access", "tenant"]
    assert shown.access_token["realm_access"] == {"roles": ["offline_access", "uma_authorization"]}
    assert shown.expiry_note == ""  # the vendor's expires_in and the token's exp agree
    assert shown.id_token == {}


def test_azure_and_auth0_style_tenant_and_role_claims_are_notable():
    claims = {"tid": "72f9", "roles": ["Reader"], "org_id": "org_1", "permissions": ["read:files"], "name": "A"}
    assert set(notable(claims)) == {"tid", "roles", "org_id", "permissions"}


def test_an_opaque_access_token_shows_no_claims_but_the_id_tokens_are_all_shown():
    id_claims = {"sub": "alice", "email": "alice@example.com", "nonce": "n"}
    shown = token_claims(jwt(id_claims), "opaque-token-value", T0 + 3600)
    assert shown.access_token == {} and shown.expiry_note == ""
    assert shown.id_token == id_claims


def test_an_exp_that_disagrees_with_expires_in_is_pointed_out():
    shown = token_claims(None, jwt({"exp": T0 + 3600}), T0 + 300)
    assert shown.expiry_note.startswith("The token itself says it expires 55m 0s later than the vendor's")
    assert "earlier" in expiry_note(T0 + 3600, T0 + 300)
    assert expiry_note(T0 + 300, T0 + 330) == ""  # within a minute: clocks and rounding


def test_an_exp_on_a_token_the_vendor_gave_no_lifetime_is_pointed_out():
    assert "gave no lifetime" in expiry_note(None, T0)


def test_an_exp_no_clock_can_reach_is_no_news():
    assert expiry_note(T0, 10**400) == "" and expiry_note(T0, float("inf")) == ""
    assert token_claims(None, jwt({"exp": 10**400}), T0).expiry_note == ""


ANY_JSON_VALUE = st.one_of(st.none(), st.booleans(), st.text(), st.floats(), st.integers(), st.lists(st.integers()))


@given(ANY_JSON_VALUE)
def test_any_exp_a_token_holds_gives_a_sentence_or_nothing(exp):
    note = expiry_note(T0, exp)
    assert isinstance(note, str)
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        assert note == ""
