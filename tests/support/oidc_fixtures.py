"""pytest fixtures for the OpenID Connect test server.

Use with `pytest_plugins = ["tests.support.oidc_fixtures"]` (in the root
conftest.py, or in a test module).

The default world: a Docbyte tenant `acme` (a Keycloak realm) and a generic
OIDC provider `generic`, both served by one node process for the whole test
session (starting node takes about a second).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.oidc_provider import OidcClient, OidcConfig, OidcProviderServer, OidcUser

ACME = "acme"
GENERIC = "generic"

# Both kinds of redirect URI a desktop app uses. The app intercepts them, so
# nothing listens there. The loopback one is registered without a port: the
# clients are "native", so any port matches (RFC 8252, as Keycloak does too).
APP_REDIRECT_URI = "https://app.connmgr.test/callback"
LOOPBACK_REDIRECT_URI = "http://127.0.0.1/callback"
REDIRECT_URIS = (APP_REDIRECT_URI, LOOPBACK_REDIRECT_URI)

VAULT_SERVICE = OidcClient(  # client credentials, secret in the form body as Docbyte documents
    issuer=ACME,
    client_id="vault-service",
    client_secret="vault-service-secret",
    grant_types=("client_credentials",),
    token_endpoint_auth_method="client_secret_post",
)
VAULT_DESKTOP = OidcClient(  # public: client_id only, PKCE S256
    issuer=ACME, client_id="vault-desktop", redirect_uris=REDIRECT_URIS
)
VAULT_WEB = OidcClient(  # confidential authorization-code client
    issuer=ACME,
    client_id="vault-web",
    client_secret="vault-web-secret",
    redirect_uris=REDIRECT_URIS,
    token_endpoint_auth_method="client_secret_post",
)
GENERIC_APP = OidcClient(
    issuer=GENERIC,
    client_id="generic-app",
    client_secret="generic-app-secret",
    redirect_uris=REDIRECT_URIS,
    token_endpoint_auth_method="client_secret_basic",
)
GENERIC_NATIVE = OidcClient(issuer=GENERIC, client_id="generic-native", redirect_uris=REDIRECT_URIS)
GENERIC_SERVICE = OidcClient(  # client credentials at a standards-only provider: opaque tokens, userinfo refuses them
    issuer=GENERIC,
    client_id="generic-service",
    client_secret="generic-service-secret",
    grant_types=("client_credentials",),
)

ALICE = OidcUser("alice", password="alice-password", email="alice@acme.test", name="Alice Adams", tenant=ACME)
BOB = OidcUser("bob", password="bob-password", email="bob@acme.test", name="Bob Berg", tenant=ACME)


def default_oidc_config() -> OidcConfig:
    return OidcConfig(
        realms=(ACME,),
        generic_issuers=(GENERIC,),
        clients=(VAULT_SERVICE, VAULT_DESKTOP, VAULT_WEB, GENERIC_APP, GENERIC_NATIVE, GENERIC_SERVICE),
        users=(ALICE, BOB),
    )


@pytest.fixture(scope="session")
def oidc_server() -> Iterator[OidcProviderServer]:
    """The shared server with the default config. Tests share it: each sign-in
    should use its own SignInDriver (a fresh browser), and a test that rotates
    keys or revokes grants must not assume it is alone."""
    with OidcProviderServer(default_oidc_config()) as server:
        yield server


DEVICES = "devices"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEVICE_APP = OidcClient(  # a public client with no redirect URI at all: the device flow is its only way in
    issuer=DEVICES, client_id="device-app", grant_types=(DEVICE_GRANT, "refresh_token")
)
DEVICE_INTERVAL_S = 2  # what the issuer names as its polling interval; a command waits it for real
DEVICE_CODE_TTL_S = 60


@pytest.fixture(scope="session")
def device_server() -> Iterator[OidcProviderServer]:
    """An issuer of its own for device sign-ins: tests there make it answer `slow_down` and expire its codes."""
    config = OidcConfig(
        generic_issuers=(DEVICES,),
        clients=(DEVICE_APP,),
        users=(ALICE, BOB),
        device_interval=DEVICE_INTERVAL_S,
        device_code_ttl=DEVICE_CODE_TTL_S,
    )
    with OidcProviderServer(config) as server:
        yield server
