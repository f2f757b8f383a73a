import pytest

from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.errors import ConfigError
from connmgr.domain.provider import default_endpoints, resolve_provider, saved_provider
from connmgr.domain.template import build_catalog
from connmgr.templates import load_catalog

CATALOG = load_catalog().catalog


def test_docbyte_issuer_and_keycloak_endpoints_from_account_environment_tenant():
    p = resolve_provider(
        CATALOG.get("docbyte"), {"client_id": "c", "account": "acme", "environment": "prod", "tenant": "t1"}
    )
    assert p.flow == "client_credentials"
    assert p.endpoint("issuer") == "https://keycloak.acme.prod.docbyte.cloud/realms/t1"
    assert p.endpoint("token_url") == "https://keycloak.acme.prod.docbyte.cloud/realms/t1/protocol/openid-connect/token"
    assert p.value("scope") == "openid"  # the client-credentials default from the document
    code = resolve_provider(
        CATALOG.get("docbyte"),
        {"client_id": "c", "account": "a", "environment": "e", "tenant": "t", "redirect_uri": "https://x/cb"},
        "authorization_code",
    )
    assert code.value("scope") == "openid email profile"


def test_endpoint_overrides_by_name_win():
    p = resolve_provider(
        CATALOG.get("docbyte"),
        {"client_id": "c", "account": "a", "environment": "e", "tenant": "t", "issuer": "http://127.0.0.1:9/realms/t"},
    )
    assert p.endpoint("userinfo_url") == "http://127.0.0.1:9/realms/t/protocol/openid-connect/userinfo"
    p = resolve_provider(
        CATALOG.get("vcita"),
        {"client_id": "c", "client_secret": "s", "redirect_uri": "https://x/cb", "token_url": "https://staging/t"},
    )
    assert p.endpoint("token_url") == "https://staging/t"
    assert p.endpoint("authorize_url") == "https://app.vcita.com/app/oauth/authorize"


def test_site_is_normalised_to_an_origin():
    for typed in ("acme.iofficeconnect.com", "https://acme.iofficeconnect.com/", " acme.iofficeconnect.com "):
        p = resolve_provider(CATALOG.get("ioffice"), {"client_id": "c", "site": typed, "redirect_uri": "https://x/cb"})
        assert p.endpoint("authorize_url") == "https://acme.iofficeconnect.com/login.html"


@pytest.mark.parametrize(
    ("template", "values", "message"),
    [
        ("ioffice", {"client_id": "c", "redirect_uri": "https://x/cb"}, "Site address is required"),
        ("ioffice", {"client_id": "c", "site": "acme.com/evil?x", "redirect_uri": "https://x/cb"}, "host name"),
        ("docbyte", {"client_id": "c", "account": "a/b", "environment": "e", "tenant": "t"}, "may only hold"),
        ("docbyte", {"client_id": "c", "account": "a@evil", "environment": "e", "tenant": "t"}, "may only hold"),
        (
            "oauth2",
            {
                "client_id": "c",
                "token_url": "http://example.com/t",
                "authorize_url": "https://e/a",
                "redirect_uri": "https://x/cb",
            },
            "plain http on the open network",
        ),
        (
            "oauth2",
            {
                "client_id": "c",
                "token_url": "ftp://e/t",
                "authorize_url": "https://e/a",
                "redirect_uri": "https://x/cb",
            },
            "full http",
        ),
        (
            "vaultre",
            {"client_id": "c", "api_key": "k", "redirect_uri": "https://x/cb", "token_kind": "admin"},
            "must be one of account, user",
        ),
        ("vcita", {"client_id": "c", "client_secret": "s", "redirect_uri": "https://x", "colour": "x"}, "no field"),
    ],
)
def test_bad_values_are_config_errors_naming_the_field(template, values, message):
    with pytest.raises(ConfigError, match=message) as caught:
        resolve_provider(CATALOG.get(template), values)
    assert caught.value.sentence.startswith(CATALOG.get(template).name + ": ")


@pytest.mark.parametrize(
    ("template", "values"),
    [
        ("oauth2", {"client_id": "c", "token_url": "https://bob:hunter22@e/t", "authorize_url": "https://e/a"}),
        ("ioffice", {"client_id": "c", "site": "https://bob:hunter22@acme.example"}),
    ],
)
def test_an_endpoint_with_a_password_in_it_is_refused_without_showing_it(template, values):
    with pytest.raises(ConfigError, match="holds a user name or password") as caught:
        resolve_provider(CATALOG.get(template), values | {"redirect_uri": "https://x/cb"})
    assert "hunter22" not in caught.value.sentence and "bob" not in caught.value.sentence


def test_a_flow_the_vendor_does_not_offer_is_refused():
    with pytest.raises(ConfigError, match="client credentials flow is not offered"):
        resolve_provider(CATALOG.get("vcita"), {"client_id": "c"}, Flow.CLIENT_CREDENTIALS)


def test_secrets_stay_out_of_repr():
    p = resolve_provider(
        CATALOG.get("vcita"), {"client_id": "c", "client_secret": "s3cr3t-value", "redirect_uri": "https://x/cb"}
    )
    assert "s3cr3t-value" not in repr(p)


def _saved(client_id: str, **values: str) -> Connection:
    return Connection(
        id=f"id-{client_id}",
        name=client_id,
        template_id="oauth2",
        flow="authorization_code",
        values={
            "client_id": client_id,
            "authorize_url": "https://vendor.example/authorize",
            "token_url": "https://vendor.example/token",
            "redirect_uri": "https://app.example/cb",
            **values,
        },
    )


def test_a_stored_connection_is_resolved_once_for_all_its_refreshes():
    connection, fields = _saved("one"), {"client_secret": "s3cret-one"}
    first = saved_provider(CATALOG, connection, fields)

    assert first == resolve_provider(CATALOG.get("oauth2"), {**connection.values, **fields}, saved=True)
    assert saved_provider(CATALOG, connection, dict(fields)) is first  # equal values: the same provider
    assert saved_provider(CATALOG, connection, {"client_secret": "rotated"}).value("client_secret") == "rotated"
    again = load_catalog().catalog  # a reloaded catalog (edited templates): resolved from its own templates
    assert saved_provider(again, connection, fields).template is not first.template


def test_providers_making_the_same_choices_share_one_template():
    one = saved_provider(CATALOG, _saved("one"), {})
    two = saved_provider(CATALOG, _saved("two"), {})
    post = saved_provider(CATALOG, _saved("three", client_auth="client_secret_post"), {})

    assert one.value("client_id") != two.value("client_id")
    assert one.template is two.template
    assert post.template is not one.template
    assert post.template.requests["refresh"].client_auth == "client_secret_post"


def test_default_endpoints_are_built_from_what_is_typed_so_far():
    ioffice = CATALOG.get("ioffice")
    assert default_endpoints(ioffice, {"site": "northwind.iofficeconnect.com"}, "authorization_code") == {
        "authorize_url": "https://northwind.iofficeconnect.com/login.html",
        "token_url": "https://northwind.iofficeconnect.com/external/api/oauth2/token",
        "revoke_url": "https://northwind.iofficeconnect.com/external/api/oauth2/revoke",
        "code_url": "https://northwind.iofficeconnect.com/external/api/oauth2/auth",
        "userinfo_url": "https://northwind.iofficeconnect.com/external/api/rest/v2/users/me",
    }
    # Missing or not valid: the value's label stands in, so the pattern still reads.
    for values in ({}, {"site": "/not a host"}):
        assert default_endpoints(ioffice, values, "authorization_code")["authorize_url"] == "‹Site address›/login.html"


def test_default_endpoints_follow_choices_and_the_issuer_typed_in():
    vaultre = CATALOG.get("vaultre")
    user = default_endpoints(vaultre, {"token_kind": "user"}, "authorization_code")
    assert user["authorize_url"] == "https://login.vaultre.com.au/cgi-bin/clientvault/oauth-authorize-user.cgi"
    assert user["userinfo_url"] == "https://ap-southeast-2.api.vaultre.com.au/api/v1.3/user"
    assert "revoke_url" not in user  # VaultRE has none
    docbyte = CATALOG.get("docbyte")
    partly = default_endpoints(docbyte, {"account": "acme", "tenant": "t1"}, "client_credentials")
    assert partly["issuer"] == "https://keycloak.acme.‹Environment›.docbyte.cloud/realms/t1"
    assert (
        partly["token_url"]
        == "https://keycloak.acme.‹Environment›.docbyte.cloud/realms/t1/protocol/openid-connect/token"
    )
    # The issuer's own default ignores its override; the endpoints built from it follow the override.
    overridden = default_endpoints(docbyte, {"issuer": "http://127.0.0.1:9/realms/t/"}, "client_credentials")
    assert overridden["issuer"].startswith("https://keycloak.‹Account›.")
    assert overridden["jwks_url"] == "http://127.0.0.1:9/realms/t/protocol/openid-connect/certs"


def test_a_default_endpoint_never_shows_a_secret():
    raw = {**CATALOG.get("oauth2").raw, "endpoints": {"userinfo_url": "https://api.example.com/me?key={client_secret}"}}
    hostile = build_catalog({"hostile": (raw, "a user's template")}).get("hostile")
    shown = default_endpoints(hostile, {"client_secret": "s3cret"}, "authorization_code")
    assert shown["userinfo_url"] == "https://api.example.com/me?key=‹Client secret›"
