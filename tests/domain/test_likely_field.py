"""Which field a vendor's words point at: OAuth error codes, and the names and labels vendors use on their pages."""

from __future__ import annotations

import pytest

from connmgr.domain.likely_field import field_named_in, field_of_oauth_error
from connmgr.templates import load_catalog

CATALOG = load_catalog().catalog


@pytest.mark.parametrize(
    ("error", "description", "field"),
    [
        ("invalid_client", "Client authentication failed.", "client_id"),
        ("unauthorized_client", "", "client_id"),
        ("invalid_scope", "The requested scope is invalid", "scope"),
        ("invalid_request", "Invalid redirect_uri", "redirect_uri"),
        ("invalid_request", "The redirect URI is not registered", "redirect_uri"),
        ("redirect_uri_mismatch", "", "redirect_uri"),  # Google's own code
        ("invalid_grant", "x-redirect-uri does not match the one the code was issued for.", "redirect_uri"),
        ("invalid_request", "Missing header(s): x-client-id.", None),
        ("invalid_grant", "The authorization code is invalid, expired or already used.", None),
        ("server_error", "", None),
        ("", "", None),
    ],
)
def test_oauth_error_codes_point_at_their_field(error, description, field):
    assert field_of_oauth_error(error, description) == field


def test_a_refused_client_that_sent_its_secret_points_at_the_secret():
    # The client ID was accepted at the sign-in page already; the secret is the likelier mistake.
    assert field_of_oauth_error("invalid_client", "Client authentication failed.", secret_sent=True) == "client_secret"
    assert field_of_oauth_error("unauthorized_client", "", secret_sent=True) == "client_id"


@pytest.mark.parametrize(
    ("template", "text", "field"),
    [
        ("vcita", "Error - vcita\nSomething went wrong\nUnknown client_id.", "client_id"),
        ("vcita", "The redirect_uri is not registered for this application.", "redirect_uri"),
        ("oidc", "Client authentication failed due to unknown client", "client_id"),
        ("oidc", "oops! something went wrong\nerror: invalid_scope", "scope"),
        ("vaultre", "Invalid or missing API key (X-Api-Key)", "api_key"),
        ("ioffice", "We could not find that Site address.", "site"),
        # Named by its identifier or its label; the first named wins.
        ("vcita", "Wrong Client secret for this client_id", "client_secret"),
        # Single words are everyday prose, not a field's name.
        ("ioffice", "Incorrect username or password.", None),
        ("docbyte", "Account is disabled. Contact your site administrator.", None),
        ("vaultre", "Only a system administrator can connect an office integration.", None),
    ],
)
def test_a_page_points_at_the_field_it_names(template, text, field):
    assert field_named_in(text, CATALOG.get(template).fields) == field
