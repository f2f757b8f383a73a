import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.errors import ConnmgrError, ProtocolError
from connmgr.domain.template import TokenResponseSpec
from connmgr.domain.tokens import TokenSet, normalise_token_response

S = TokenResponseSpec(access_token_keys=("access_token",), expires_in_unit="s")
MS = TokenResponseSpec(access_token_keys=("access_token",), expires_in_unit="ms")
VAULTRE = TokenResponseSpec(access_token_keys=("token",), expires_in_unit="s")
NOW = 1_700_000_000.0


def norm(body, spec=S, **kw):
    return normalise_token_response(body, spec, vendor="Acme", now=NOW, **kw)


def test_vaultre_token_without_expiry_never_expires():
    t = norm({"token": "T", "message": "Token generated successfully"}, VAULTRE)
    assert (t.access_token, t.expires_at, t.refresh_token) == ("T", None, None)


def test_ioffice_milliseconds():
    t = norm({"access_token": "A", "expires_in": 3_600_000, "refresh_token": "R", "token_type": "bearer"}, MS)
    assert t.expires_at == NOW + 3600 and t.token_type == "Bearer"


def test_vcita_created_at_and_twenty_years():
    t = norm({"access_token": "A", "token_type": "bearer", "expires_in": 631152000, "created_at": NOW - 5})
    assert t.issued_at == NOW - 5 and t.expires_at == NOW - 5 + 631152000


def test_a_skewed_created_at_is_not_trusted():
    assert norm({"access_token": "A", "expires_in": 60, "created_at": NOW - 5 * 86400}).issued_at == NOW


def test_keycloak_refresh_expires_in():
    t = norm({"access_token": "A", "expires_in": 300, "refresh_expires_in": 1800, "refresh_token": "R"})
    assert (t.expires_at, t.refresh_expires_at) == (NOW + 300, NOW + 1800)
    assert norm({"access_token": "A", "refresh_expires_in": 0, "refresh_token": "R"}).refresh_expires_at is None


def test_refresh_without_a_new_refresh_token_keeps_the_old_one():
    old = TokenSet("A0", refresh_token="R0", id_token="I0", refresh_expires_at=NOW + 100, scope="openid")
    t = norm({"access_token": "A1", "expires_in": 300}, previous=old)
    assert (t.access_token, t.refresh_token, t.refresh_expires_at, t.id_token, t.scope) == (
        "A1",
        "R0",
        NOW + 100,
        "I0",
        "openid",
    )
    rotated = norm({"access_token": "A2", "refresh_token": "R1"}, previous=old)
    assert rotated.refresh_token == "R1"


def test_expires_in_as_a_numeric_string_is_accepted():
    assert norm({"access_token": "A", "expires_in": " 3600 "}).expires_at == NOW + 3600


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"access_token": "A", "expires_in": "soon"}, "expires_in is not a number"),
        ({"access_token": "A", "expires_in": -5}, "expires_in is negative"),
        ({"access_token": "A", "expires_in": 10**12}, "longer than a hundred years"),
        ({"access_token": "A", "expires_in": True}, "not a number"),
        ({"access_token": "A", "expires_in": math.inf}, "not a number"),
        ({"token_type": "bearer"}, "carries no access token"),
        ({"access_token": 12}, "access_token is not a string"),
        ([1, 2], "not a JSON object"),
        ("oops", "not a JSON object"),
    ],
)
def test_malformed_responses_are_protocol_errors(body, message):
    with pytest.raises(ProtocolError, match=message):
        norm(body)


@pytest.mark.parametrize("key", ["access_token", "refresh_token", "token_type", "id_token"])
@pytest.mark.parametrize(
    "value",
    ["two words", "tab\there", "line\nbreak", "esc\x1b[31m", "nul\x00", "bidi\u202eevil", "zw\u200bsp", "tökén"],
)
def test_a_token_string_with_whitespace_or_control_characters_is_malformed(key, value):
    body = {"access_token": "A", key: value}
    with pytest.raises(ProtocolError) as caught:
        norm(body)
    assert caught.value.sentence == (
        f"Acme: the token response's {key} holds spaces, control characters or other characters no token has; "
        "report this to the vendor."
    )


def test_real_token_strings_pass_the_check():
    jwt = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln-_x"
    t = norm({"access_token": jwt, "refresh_token": "a~b+c/d==", "token_type": "DPoP", "id_token": jwt})
    assert (t.access_token, t.refresh_token, t.token_type) == (jwt, "a~b+c/d==", "DPoP")


def test_secrets_stay_out_of_repr():
    t = TokenSet("access-secret", refresh_token="refresh-secret", id_token="id-secret")
    assert not any(s in repr(t) for s in ("access-secret", "refresh-secret", "id-secret"))


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=10,
)
token_keys = st.sampled_from(
    [
        "access_token",
        "token",
        "expires_in",
        "refresh_token",
        "refresh_expires_in",
        "created_at",
        "token_type",
        "id_token",
        "scope",
    ]
)


@given(st.dictionaries(token_keys, json_values, max_size=9) | json_values, st.sampled_from([S, MS, VAULTRE]))
def test_any_json_is_a_token_set_or_a_typed_error(body, spec):
    try:
        t = norm(body, spec)
    except ConnmgrError as exc:
        assert exc.sentence.startswith("Acme: ")
    else:
        assert t.access_token and (t.expires_at is None or t.expires_at >= NOW)
