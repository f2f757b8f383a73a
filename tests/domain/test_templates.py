import pytest

from connmgr.domain.dialect import Browser, ClientAuth, Flow, Operation, Protocol, RequestStyle, TokenIn, TokenPlacement
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
    assert (ioffice.api.token_in, eptura.api.token_in) == (
        TokenPlacement(TokenIn.HEADER, "x-access-token"),
        TokenPlacement(TokenIn.BEARER),
    )


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


def test_the_dialect_is_read_once_into_its_words():
    ioffice, vcita, oidc = CATALOG.get("ioffice"), CATALOG.get("vcita"), CATALOG.get("oidc")
    assert ioffice.flows == (Flow.AUTHORIZATION_CODE, Flow.PASSWORD)
    assert all(type(flow) is Flow for flow in ioffice.flows)
    assert ioffice.field("username").flows == frozenset({Flow.PASSWORD})
    assert set(ioffice.requests) == set(Operation)
    exchange = ioffice.requests[Operation.EXCHANGE]
    assert (exchange.style, exchange.client_auth) == (RequestStyle.HEADERS, ClientAuth.NONE)
    assert ioffice.requests[Operation.REVOKE].client_auth is ClientAuth.OMIT
    assert vcita.requests[Operation.EXCHANGE].style is RequestStyle.JSON
    assert (oidc.protocol, oidc.browser) == (Protocol.OIDC, Browser.EMBEDDED)
    assert CATALOG.get("docbyte").field("scope").flow_defaults == {Flow.CLIENT_CREDENTIALS: "openid"}


@pytest.mark.parametrize(
    ("toml", "sentence"),
    [
        ('protocol = "saml"', "template.protocol must be one of oauth2, oidc"),
        ('browser = "chrome"', "template.browser must be one of embedded, system"),
        ('[requests]\nclient_auth = "private_key_jwt"',
         "template.requests.client_auth must be one of none, client_secret_post, client_secret_basic, omit"),
        ('[requests.refresh]\nstyle = "xml"', "template.requests.refresh.style must be one of form, json, headers"),
        ('[fields.site]\nflows = ["implicit"]', "fields.site.flows has unknown flow 'implicit'"),
        ('[fields.scope]\nflow_defaults = { ciba = "x" }',
         "fields.scope.flow_defaults has unknown flow 'ciba'"),
        ('flows = ["password", "implicit"]', "template.flows has unknown flow 'implicit'"),
    ],
)  # fmt: skip
def test_a_word_outside_the_dialect_is_reported_by_its_key(tmp_path, toml, sentence):
    (tmp_path / "bad.toml").write_text(f'extends = "ioffice"\n{toml}\n')
    (problem,) = load_catalog(tmp_path).problems
    assert problem.sentence == f"Template 'bad': {sentence}; fix the template file."


@pytest.mark.parametrize(
    "token_in",
    ["header:", "query:", "bearer:x", "Bearer", "header:x access", r"header:x\u000d\u000ay", "cookie:sid", ""],
)
def test_a_token_placement_outside_the_dialect_is_reported_by_its_key(tmp_path, token_in):
    (tmp_path / "bad.toml").write_text(f'extends = "ioffice"\n[api]\ntoken_in = "{token_in}"\n')
    (problem,) = load_catalog(tmp_path).problems
    assert problem.sentence == (
        "Template 'bad': template.api.token_in must be one of bearer, header:NAME, query:NAME; fix the template file."
    )


@pytest.mark.parametrize(
    ("token_in", "placement"),
    [
        ("bearer", TokenPlacement(TokenIn.BEARER)),
        ("header:X-Api-Token", TokenPlacement(TokenIn.HEADER, "X-Api-Token")),
        ("query:access_token", TokenPlacement(TokenIn.QUERY, "access_token")),
    ],
)
def test_a_token_placement_is_parsed_into_where_and_name(tmp_path, token_in, placement):
    (tmp_path / "ok.toml").write_text(f'extends = "ioffice"\n[api]\ntoken_in = "{token_in}"\n')
    assert load_catalog(tmp_path).catalog.get("ok").api.token_in == placement


def test_unknown_template_lists_the_known_ones():
    with pytest.raises(TemplateError, match="choose one of docbyte, eptura"):
        CATALOG.get("salesforce")


@pytest.mark.parametrize(
    ("where", "pattern", "placeholder"),
    [
        ("endpoints.token_url", "{site:>99999999}/token", "{site:>99999999}"),
        ("endpoints.token_url", "{0}/token", "{0}"),
        ("endpoints.token_url", "{}/token", "{}"),
        ("export.SITE", "{site!r}", "{site!r}"),
        ("export.SITE", "{site.__class__}", "{site.__class__}"),
        ("api.headers.X-Site", "{site[0]}", "{site[0]}"),
        ("authorize.extra.prompt", "{site:{site}}", "{site:{site}}"),
        ("export.SITE", "{nowhere}", "{nowhere}"),
    ],
)
def test_a_pattern_beyond_plain_names_leaves_the_template_out_with_its_name_and_key(
    tmp_path, where, pattern, placeholder
):
    *tables, key = where.split(".")
    (tmp_path / "bad.toml").write_text(f'extends = "ioffice"\n[{".".join(tables)}]\n"{key}" = "{pattern}"\n')
    (tmp_path / "good.toml").write_text('extends = "ioffice"\nname = "Good"\n')
    loaded = load_catalog(tmp_path)
    assert "bad" not in loaded.catalog and "good" in loaded.catalog
    (problem,) = loaded.problems
    assert problem.sentence == (
        f"Template 'bad': {where} uses {placeholder!r}, but a pattern may only name a field or an endpoint, as "
        "{site}; fix the template file."
    )


def test_a_bad_pattern_in_a_choice_overlay_is_reported_when_the_template_loads(tmp_path):
    (tmp_path / "bad.toml").write_text(
        'extends = "vaultre"\n[fields.token_kind.choices.user]\n'
        'overlay = { endpoints = { authorize_url = "{login_host:>99999999}" } }\n'
    )
    (problem,) = load_catalog(tmp_path).problems
    assert "fields.token_kind.choices.user.overlay.endpoints.authorize_url uses '{login_host:>99999999}'" in (
        problem.sentence
    )


def test_literal_braces_and_plain_names_are_fine(tmp_path):
    (tmp_path / "ok.toml").write_text(
        'extends = "ioffice"\n[authorize.extra]\nclaims = \'{{"id_token": {{"acr": null}}}}\'\n'
        '[export]\nSITE_AGAIN = "{site}/{token_url}"\n'
    )
    loaded = load_catalog(tmp_path)
    assert loaded.problems == ()
    assert loaded.catalog.get("ok").export["SITE_AGAIN"] == "{site}/{token_url}"


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("{0", "has an unmatched brace"),
        ("a}b", "has an unmatched brace"),
    ],
)
def test_an_unmatched_brace_is_reported(tmp_path, text, what):
    (tmp_path / "bad.toml").write_text(f'extends = "ioffice"\n[endpoints]\ntoken_url = "{text}"\n')
    (problem,) = load_catalog(tmp_path).problems
    assert f"Template 'bad': endpoints.token_url {what}" in problem.sentence


@pytest.mark.parametrize("key", ["API-KEY", "API KEY", "A\\u001b[31m", ""])
def test_an_export_key_that_cannot_be_part_of_a_variable_name_is_reported(tmp_path, key):
    (tmp_path / "bad.toml").write_text(f'extends = "vaultre"\n[export]\n"{key}" = "x"\n')
    (problem,) = load_catalog(tmp_path).problems
    assert "is not a variable name: use letters, digits and '_' only" in problem.sentence


@pytest.mark.parametrize(
    ("text", "what"),
    [
        ("a = " + "[" * 100_000 + "]" * 100_000, "nests tables or arrays deeper than 64 levels"),
        ("a = " + "{b = " * 10_000 + "1" + "}" * 10_000, "nests tables or arrays deeper than 64 levels"),
        (".".join(["a"] * 20_000) + " = 1", "nests tables or arrays deeper than 64 levels"),
        ("name = 'x'\n" + "# padding\n" * 30_000, "larger than 256 KiB"),
    ],
)
def test_a_template_file_nested_too_deeply_or_too_large_is_reported(tmp_path, text, what):
    (tmp_path / "bad.toml").write_text(text)
    (problem,) = load_catalog(tmp_path).problems
    assert problem.sentence.startswith("Template 'bad': the file ") and what in problem.sentence
