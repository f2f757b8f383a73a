"""Which form field a vendor's words most likely concern, so a form can show the sentence beside it.

Two sources: an OAuth error code (RFC 6749 §4.1.2.1, §5.2) with its description, and the free text of a
vendor's error page, which names a field as the vendor calls it (`client_id`, "Redirect URI", "API key").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from connmgr.domain.template import FieldSpec

# The codes that point at one field; `invalid_request`, `server_error` and the like do not.
_OAUTH_CODES = {"invalid_client": "client_id", "unauthorized_client": "client_id", "invalid_scope": "scope"}
# How vendors say the client is unknown without the code (RFC 6749's own words, Keycloak, Spring).
_CLIENT_PHRASES = re.compile(r"\b(?:unknown client|invalid client|client authentication failed)\b", re.IGNORECASE)
_REDIRECT_URI = re.compile(r"(?<![a-z])redirect[ _-]?ur[il]s?(?![a-z])", re.IGNORECASE)  # redirect_uri_mismatch too


def field_of_oauth_error(error: str, description: str = "", *, secret_sent: bool = False) -> str | None:
    """The field an OAuth error answer points at (`invalid_client`: Client ID; `invalid_scope`: Scopes; a
    description naming the redirect_uri: Redirect URI).

    `secret_sent`: the request authenticated the client with its secret. A token endpoint's `invalid_client`
    then most likely means the secret: the client ID had already been accepted at the sign-in page.
    """
    if error == "invalid_client" and secret_sent:
        return "client_secret"
    return field_named_in(f"{error} {description}")


def field_named_in(text: str, fields: Iterable[FieldSpec] = ()) -> str | None:
    """The field a vendor's page names first: by an OAuth error code or phrase, or the field's identifier
    (`client_id`, "client id"); failing those, by its label ("Site address").

    Single words ("site", "account", "password") are too common in prose to count.
    """
    # Codes, the protocol's phrases and identifiers are what vendors write on purpose; a label may be chance.
    exact: list[tuple[int, str]] = [(at, name) for code, name in _OAUTH_CODES.items() if (at := text.find(code)) >= 0]
    for pattern, name in ((_REDIRECT_URI, "redirect_uri"), (_CLIENT_PHRASES, "client_id")):
        if found := pattern.search(text):
            exact.append((found.start(), name))
    labelled: list[tuple[int, str]] = []
    for spec in fields:
        for words, found_in in ((spec.name, exact), (spec.label, labelled)):
            parts = re.split(r"[ _]", words)
            if len(parts) < 2:
                continue
            if found := re.search(rf"\b{'[ _]'.join(map(re.escape, parts))}\b", text, re.IGNORECASE):
                found_in.append((found.start(), spec.name))
    return min(exact or labelled)[1] if exact or labelled else None
