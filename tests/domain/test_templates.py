import pytest

from connmgr.domain.errors import TemplateError
from connmgr.domain.template import build_catalog
from connmgr.templates import load_catalog

CATALOG = load_catalog().catalog


def test_every_shipped_template_loads_with_its_flows():
    assert {t.id for t in CATALOG} == {"oauth2", "oidc", "vaultre", "vcita", "ioffice", "eptura", "docbyte"}
    assert CATALOG.get("docbyte").flows == ("client_credentials", "authorization_code")
    assert CATALOG.get("ioffice").flows == ("authorization_code", "password")


def test_extends_inherits_and_overrides():
    ioffice, eptura = CATALOG.get("ioffice"), CATALOG.get("eptura")
    assert eptura.requests["exchange"] == ioffice.requests["exchange"]
    assert eptura.requests["direct_code"].params == ("username", "password", "client_id", "redirect_uri", "scope")
    assert ioffice.requests["direct_code"].params == ("username", "password", "client_id")
    assert (ioffice.api.token_in, eptura.api.token_in) == ("header:x-access-token", "bearer")


def test_header_style_wire_names_follow_the_vendor_document():
    spec = CATALOG.get("ioffice").requests["exchange"]
    wire = [spec.wire_name(p) for p in spec.params]
    assert wire == ["x-grant-type", "x-redirect-uri", "x-client-id", "x-scope", "x-auth-code"]
    assert CATALOG.get("ioffice").requests["revoke"].wire_name("token") == "x-token"


def test_choice_overlay_switches_vaultre_authorize_script():
    vaultre = CATALOG.get("vaultre")
    assert (
        "oauth-authorize.cgi"
        in vaultre.with_choices({"token_kind": "account"}, "authorization_code").endpoints["authorize_url"]
    )
    assert (
        "oauth-authorize-user.cgi"
        in vaultre.with_choices({"token_kind": "user"}, "authorization_code").endpoints["authorize_url"]
    )


def test_user_templates_extend_shipped_ones_and_broken_ones_are_reported(tmp_path):
    (tmp_path / "acme.toml").write_text(
        'extends = "oidc"\nname = "Acme SSO"\n[fields.issuer]\ndefault = "https://sso.acme.test"\n'
    )
    (tmp_path / "broken.toml").write_text("name = [unclosed")
    (tmp_path / "typo.toml").write_text('extends = "oauth2"\n[requests]\nstyel = "json"\n')
    loaded = load_catalog(tmp_path)
    acme = loaded.catalog.get("acme")
    assert acme.protocol == "oidc" and acme.field("issuer").default == "https://sso.acme.test"
    assert "broken" not in loaded.catalog and "typo" not in loaded.catalog
    messages = sorted(p.sentence for p in loaded.problems)
    assert any("not valid TOML" in m for m in messages)
    assert any("unknown key 'styel'" in m for m in messages)


@pytest.mark.parametrize(
    ("sources", "message"),
    [
        ({"a": ({"extends": "b"}, "a"), "b": ({"extends": "a"}, "b")}, "extends itself"),
        ({"a": ({"extends": "nope"}, "a")}, "extends unknown template"),
        ({"a": ({"endpoints": {"tokn_url": "x"}}, "a")}, "unknown endpoint"),
        ({"a": ({"flows": ["implicit"]}, "a")}, "unknown flow"),
        ({"a": ({"fields": {"k": {"kind": "choice"}}}, "a")}, "choice without choices"),
        ({"a": ({"requests": {"style": "xml"}}, "a")}, "must be one of"),
    ],
)
def test_malformed_templates_are_typed_errors(sources, message):
    with pytest.raises(TemplateError, match=message):
        build_catalog(sources)


def test_unknown_template_lists_the_known_ones():
    with pytest.raises(TemplateError, match="choose one of docbyte, eptura"):
        CATALOG.get("salesforce")
