"""Random bytes and random JSON into every parser that reads what outsiders send: a typed error with a
sentence, never a crash."""

import asyncio
import base64
import json

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from connmgr.domain.connection import Secrets
from connmgr.domain.envfile import merge_env
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.identity import account_label, unverified_claims
from connmgr.domain.nesting import MAX_DEPTH
from connmgr.domain.provider import resolve_provider
from connmgr.domain.template import build_catalog
from connmgr.oauth.idtoken import JwksCache, validate_id_token
from connmgr.oauth.transport import Call, oauth_error_code, read_json
from connmgr.templates import load_catalog

CALL = Call("Acme", "the token endpoint")
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4),
    max_leaves=20,
)


@given(st.integers(100, 599), st.binary(max_size=2000), st.sampled_from(["application/json", "text/html", "", "x/y"]))
def test_any_answer_is_json_or_a_typed_error(status, body, content_type):
    response = httpx.Response(status, headers={"content-type": content_type} if content_type else {})
    try:
        read_json(response, body, CALL)
    except ConnmgrError as exc:
        assert exc.sentence.startswith("Acme: ")
    oauth_error_code(body)  # never raises


@given(json_values)
def test_any_json_error_answer_is_typed(data):
    body = json.dumps(data).encode()
    try:
        read_json(httpx.Response(400, headers={"content-type": "application/json"}), body, CALL)
    except ConnmgrError as exc:
        assert exc.sentence.startswith("Acme: ")
    else:
        raise AssertionError("a 400 must be an error")


@given(st.text(max_size=300))
def test_any_token_text_decodes_to_claims_or_nothing(text):
    claims = unverified_claims(text)
    assert claims is None or isinstance(claims, dict)


@given(st.dictionaries(st.text(max_size=8), json_values, max_size=5), st.lists(st.text(max_size=8), max_size=4))
def test_account_label_from_any_answer(data, keys):
    label = account_label(data, keys)
    assert label is None or (isinstance(label, str) and label)


DEEP = {
    "array": b"[" * 100_000 + b"]" * 100_000,
    "object": b'{"a":' * 100_000 + b"1" + b"}" * 100_000,
    "in an error": b'{"error": "invalid_grant", "error_description": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}


@pytest.mark.parametrize("status", [200, 400])
@pytest.mark.parametrize("body", DEEP.values(), ids=DEEP)
def test_deeply_nested_json_is_one_sentence(body, status):
    with pytest.raises(ConnmgrError) as caught:
        read_json(httpx.Response(status, headers={"content-type": "application/json"}), body, CALL)
    assert caught.value.sentence == (
        f"Acme: the token endpoint answered with JSON nested deeper than {MAX_DEPTH} levels (HTTP {status}); "
        "check its URL."
    )
    assert oauth_error_code(body) == ""


def _segment(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_a_deeply_nested_jwt_shows_no_claims():
    assert unverified_claims(f"{_segment(b'{}')}.{_segment(DEEP['object'])}.sig") is None


def _oidc_provider(**values):
    return resolve_provider(
        load_catalog().catalog.get("oidc"),
        {"client_id": "c", "issuer": "https://id.example", "redirect_uri": "https://x/cb",
         "jwks_url": "http://127.0.0.1:9/jwks", **values},
    )  # fmt: skip


def _validate(provider, text):
    async def validate():
        async with httpx.AsyncClient(timeout=0.5) as client:
            await validate_id_token(client, JwksCache(), provider, text, nonce=None)

    asyncio.run(validate())


@given(st.text(max_size=500))
@settings(max_examples=60, deadline=None)
def test_any_id_token_text_is_refused_with_a_sentence(text):
    try:
        _validate(_oidc_provider(), text)
    except ConnmgrError as exc:
        assert exc.sentence.startswith("OpenID Connect (generic): ")
    else:
        raise AssertionError("random text is never a valid id token")


def test_an_id_token_nested_too_deeply_is_refused_with_a_sentence():
    from joserfc import jws
    from joserfc.jwk import OctKey

    secret = "s" * 32
    deep = b'{"a":' * 8000 + b"1" + b"}" * 8000  # small enough for joserfc's size limit, too deep for json
    token = jws.serialize_compact({"alg": "HS256"}, deep, OctKey.import_key(secret))
    with pytest.raises(ConnmgrError) as caught:
        _validate(_oidc_provider(client_secret=secret), token)
    assert caught.value.sentence == (
        "OpenID Connect (generic): the id token is not a well-formed JWT; sign in again, or check the issuer and "
        "client ID."
    )


@given(
    st.text(max_size=400),
    st.dictionaries(st.from_regex(r"[A-Z_]{1,8}", fullmatch=True), st.text(max_size=10), max_size=3),
)
def test_merging_into_any_existing_file_keeps_its_other_lines(existing, values):
    try:
        merged = merge_env(existing, values, header="h")
    except ConnmgrError:
        return
    for line in existing.removesuffix("\n").split("\n"):
        if line and not any(line.lstrip().removeprefix("export ").lstrip().startswith(f"{k}") for k in values):
            assert line in merged


@given(
    st.dictionaries(
        st.sampled_from(
            [
                "name",
                "flows",
                "fields",
                "endpoints",
                "requests",
                "callback",
                "extends",
                "protocol",
                "api",
                "token_response",
                "authorize",
                "junk",
            ]
        ),
        json_values,
        max_size=6,
    )
)
def test_any_template_table_builds_or_is_reported(raw):
    try:
        build_catalog({"fuzzed": (raw, "fuzzed.toml")})
    except ConnmgrError as exc:
        assert "fuzzed" in exc.sentence or "Template" in exc.sentence


_SECRETS_KEYS = ("access_token", "refresh_token", "id_token", "fields")


@given(st.fixed_dictionaries({}, optional=dict.fromkeys(_SECRETS_KEYS, json_values)) | json_values)
def test_any_stored_secrets_json_reads_back_as_secrets(data):
    secrets = Secrets.from_json(data if isinstance(data, dict) else {})
    for token in (secrets.access_token, secrets.refresh_token, secrets.id_token):
        assert token is None or isinstance(token, str)
    assert all(isinstance(value, str) for value in secrets.fields.values())
    assert Secrets.from_json(secrets.to_json()) == secrets
