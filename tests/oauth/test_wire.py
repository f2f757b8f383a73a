"""Each word of the dialect names one function of the engine, and each function sends what its word says."""

import base64
import json
from urllib.parse import parse_qsl

import pytest

from connmgr.domain.dialect import ClientAuth, Flow, Operation, RequestStyle, TokenIn
from connmgr.domain.provider import resolve_provider
from connmgr.oauth.wire import CLIENT_AUTHENTICATION, REQUEST_STYLES, TOKEN_PLACEMENTS, api_request, build_request
from connmgr.templates import load_catalog

TOKEN_URL = "https://auth.acme.test/token"


def test_every_word_has_its_function():
    assert set(CLIENT_AUTHENTICATION) == set(ClientAuth)
    assert set(REQUEST_STYLES) == set(RequestStyle)
    assert set(TOKEN_PLACEMENTS) == set(TokenIn)


def _provider(tmp_path, toml, secret="s3cret"):
    (tmp_path / "acme.toml").write_text(f'extends = "oauth2"\n{toml}\n')
    template = load_catalog(tmp_path).catalog.get("acme")
    values = {"client_id": "desk app", "token_url": TOKEN_URL, "userinfo_url": "https://api.acme.test/me"}
    return resolve_provider(template, values | ({"client_secret": secret} if secret else {}), Flow.CLIENT_CREDENTIALS)


def _form(request):
    return dict(parse_qsl(request.content.decode()))


@pytest.mark.parametrize(
    ("client_auth", "secret", "authorization", "in_body"),
    [
        ("client_secret_basic", "s3cret", "Basic " + base64.b64encode(b"desk%20app:s3cret").decode(), {}),
        ("client_secret_post", "s3cret", None, {"client_id": "desk app", "client_secret": "s3cret"}),
        ("client_secret_basic", "", None, {"client_id": "desk app"}),  # a public client presents only its id
        ("client_secret_post", "", None, {"client_id": "desk app"}),
        ("none", "s3cret", None, {"client_id": "desk app"}),
        ("omit", "s3cret", None, {}),
    ],
)
def test_each_client_authentication_presents_the_client_its_way(tmp_path, client_auth, secret, authorization, in_body):
    # On the operation itself: the generic template's Client authentication field sets the one for all requests.
    provider = _provider(tmp_path, f'[requests.client_credentials]\nclient_auth = "{client_auth}"', secret)
    request = build_request(provider, Operation.CLIENT_CREDENTIALS, TOKEN_URL, {})
    assert request.headers.get("Authorization") == authorization
    assert _form(request) == {"grant_type": "client_credentials"} | in_body


def test_each_request_style_carries_the_parameters_its_way(tmp_path):
    values = {"refresh_token": "r1"}
    form = build_request(_provider(tmp_path, '[requests]\nstyle = "form"'), Operation.REFRESH, TOKEN_URL, values)
    assert form.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert _form(form) == {"grant_type": "refresh_token", "refresh_token": "r1"}
    as_json = build_request(_provider(tmp_path, '[requests]\nstyle = "json"'), Operation.REFRESH, TOKEN_URL, values)
    assert as_json.headers["Content-Type"] == "application/json"
    assert json.loads(as_json.content) == {"grant_type": "refresh_token", "refresh_token": "r1"}
    headers = build_request(_provider(tmp_path, '[requests]\nstyle = "headers"'), Operation.REFRESH, TOKEN_URL, values)
    assert (headers.headers["x-grant-type"], headers.headers["x-refresh-token"], headers.content) == (
        "refresh_token",
        "r1",
        b"",
    )


@pytest.mark.parametrize(
    ("token_in", "header", "query"),
    [
        ("bearer", ("authorization", "Bearer t0ken"), b""),
        ("header:x-access-token", ("x-access-token", "t0ken"), b""),
        ("query:access_token", None, b"access_token=t0ken"),
    ],
)
def test_each_token_placement_carries_the_token_where_it_says(tmp_path, token_in, header, query):
    provider = _provider(tmp_path, f'[api]\ntoken_in = "{token_in}"')
    request = api_request(provider, provider.endpoint("userinfo_url"), "t0ken")
    carried = [(name, value) for name, value in request.headers.items() if value.endswith("t0ken")]
    assert carried == ([header] if header else [])
    assert request.url.query == query
