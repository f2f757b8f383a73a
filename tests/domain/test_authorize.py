from urllib.parse import parse_qsl, urlsplit

from connmgr.domain.authorize import build_authorize_request, pkce_challenge
from connmgr.domain.provider import resolve_provider
from connmgr.templates import load_catalog

CATALOG = load_catalog().catalog


def _query(url):
    return dict(parse_qsl(urlsplit(url).query))


def test_rfc7636_appendix_b_vector():
    assert (
        pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    )


def test_vaultre_sends_only_documented_parameters():
    p = resolve_provider(
        CATALOG.get("vaultre"), {"client_id": "cid", "api_key": "k", "redirect_uri": "https://demo.com/auth?e=1"}
    )
    req = build_authorize_request(p)
    assert urlsplit(req.url).path == "/cgi-bin/clientvault/oauth-authorize.cgi"
    assert _query(req.url) == {
        "client_id": "cid",
        "redirect_uri": "https://demo.com/auth?e=1",
        "response_type": "code",
        "state": req.state,
    }
    assert req.code_verifier is None and req.nonce is None


def test_ioffice_sends_all_five_parameters():
    p = resolve_provider(
        CATALOG.get("ioffice"), {"client_id": "cid", "site": "a.example", "redirect_uri": "https://x/cb"}
    )
    q = _query(build_authorize_request(p).url)
    assert set(q) == {"response_type", "client_id", "redirect_uri", "scope", "state"}
    assert q["scope"] == "email"


def test_oidc_sends_pkce_and_nonce_and_fresh_state_each_time():
    p = resolve_provider(
        CATALOG.get("docbyte"),
        {"client_id": "c", "account": "a", "environment": "e", "tenant": "t", "redirect_uri": "https://x/cb"},
        "authorization_code",
    )
    first, second = build_authorize_request(p), build_authorize_request(p)
    q = _query(first.url)
    assert q["code_challenge"] == pkce_challenge(first.code_verifier)
    assert q["code_challenge_method"] == "S256"
    assert q["nonce"] == first.nonce
    assert 43 <= len(first.code_verifier) <= 128
    assert first.state != second.state and first.code_verifier != second.code_verifier
    assert first.code_verifier not in repr(first)  # the one value the URL never shows


def test_loopback_redirect_replaces_the_configured_one():
    p = resolve_provider(
        CATALOG.get("oauth2"),
        {
            "client_id": "c",
            "authorize_url": "https://as.example/auth?tenant=x",
            "token_url": "https://as.example/t",
            "redirect_uri": "https://x/cb",
        },
    )
    req = build_authorize_request(p, redirect_uri="http://127.0.0.1:5000/cb")
    q = _query(req.url)
    assert q["redirect_uri"] == "http://127.0.0.1:5000/cb" and q["tenant"] == "x"
    assert req.redirect_uri == "http://127.0.0.1:5000/cb"


def test_offline_access_asks_for_consent_as_oidc_requires():
    values = {
        "client_id": "c",
        "issuer": "https://id.example",
        "redirect_uri": "https://x/cb",
        "authorize_url": "https://id.example/auth",
    }
    plain = build_authorize_request(resolve_provider(CATALOG.get("oidc"), values))
    offline = build_authorize_request(
        resolve_provider(CATALOG.get("oidc"), values | {"scope": "openid offline_access"})
    )
    assert "prompt" not in _query(plain.url)
    assert _query(offline.url)["prompt"] == "consent"
