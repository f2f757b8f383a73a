"""Providers pointed at the running simulators and oidc-provider, through each template's own fields."""

from connmgr.domain.provider import resolve_provider
from connmgr.templates import load_catalog
from tests.simulators.fixtures import CLIENT_ID, REDIRECT_URI
from tests.support.oidc_fixtures import ACME, APP_REDIRECT_URI, GENERIC_SERVICE

CATALOG = load_catalog().catalog


def provider_for(template_id, seeded, flow=None, **values):
    """A provider pointed at a running simulator through the template's own host fields."""
    base = seeded.sim.base_url
    if template_id == "vaultre":
        hosts = {"login_host": base, "api_host": base, "api_key": seeded.sim.api_key}
    elif template_id == "vcita":
        hosts = {"brand_host": base, "api_host": base, "client_secret": seeded.client.client_secret or ""}
    else:
        hosts = {"site": base}
    return resolve_provider(
        CATALOG.get(template_id), {"client_id": CLIENT_ID, "redirect_uri": REDIRECT_URI, **hosts, **values}, flow
    )


def docbyte(oidc_server, client, flow="authorization_code", **values):
    base = {"account": "acme", "environment": "test", "tenant": ACME, "client_id": client.client_id}
    if client.client_secret:
        base["client_secret"] = client.client_secret
    if flow == "authorization_code":
        base["redirect_uri"] = APP_REDIRECT_URI
    base["issuer"] = oidc_server.docbyte_issuer(ACME)
    return resolve_provider(CATALOG.get("docbyte"), base | values, flow)


def generic_machine(oidc_server):
    """The generic OpenID template, client credentials at the standards-only issuer (its userinfo refuses those)."""
    values = {
        "issuer": oidc_server.generic_issuer,
        "client_id": GENERIC_SERVICE.client_id,
        "client_secret": GENERIC_SERVICE.client_secret,
        "scope": "openid",
    }
    return resolve_provider(CATALOG.get("oidc"), values, "client_credentials")
