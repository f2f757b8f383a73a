"""The words of a vendor's OAuth dialect, typed: what a template may say, parsed once when it loads.

Each word is a `StrEnum` whose values are the template's own spelling, so a
member is stored, printed and compared as that string; a person reads its
label. The engine (`oauth/wire.py`) looks each word up in a table of named
functions.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from enum import StrEnum
from typing import NamedTuple


class Protocol(StrEnum):
    OAUTH2 = "oauth2"
    OIDC = "oidc"  # OpenID Connect: an id token to validate, offline_access to ask consent for


class Flow(StrEnum):
    """How a connection obtains its tokens."""

    AUTHORIZATION_CODE = "authorization_code"  # a person signs in in a browser
    CLIENT_CREDENTIALS = "client_credentials"  # the client as itself, no one signs in
    PASSWORD = "password"  # the vendor's direct code request with a username and password, no browser
    DEVICE_CODE = "device_code"  # RFC 8628: a person enters a code at the vendor's page, in any browser

    @property
    def label(self) -> str:
        """Its name where a connection is described: "Sign-in (authorization code)"."""
        return _FLOW_WORDS[self].label

    @property
    def phrase(self) -> str:
        """Its name inside a sentence: "the client credentials flow"."""
        return self.value.replace("_", " ")

    @property
    def summary(self) -> str:
        """What it asks of a person, for the command line's help: "sign in as the client, in a browser"."""
        return _FLOW_WORDS[self].summary

    def offer(self, offered: Collection[Flow]) -> str:
        """How the Connect form offers it among `offered` (the template's flows)."""
        if self is Flow.AUTHORIZATION_CODE and Flow.PASSWORD in offered:
            # Beside a username-and-password flow, which signs a user in too, the browser is what sets it apart.
            return "Sign in in the browser"
        return _FLOW_WORDS[self].offer

    def hint(self, vendor: str) -> str:
        """Beneath the offer: what happens when it is chosen."""
        return _FLOW_WORDS[self].hint.format(vendor=vendor)


class _FlowWords(NamedTuple):
    label: str
    offer: str
    hint: str  # may name {vendor}
    summary: str


_FLOW_WORDS = {
    Flow.AUTHORIZATION_CODE: _FlowWords(
        "Sign-in (authorization code)",
        "Sign in as a user",
        "{vendor}'s sign-in page opens; the connection acts as the person who signs in.",
        "sign in as the client, in a browser",
    ),
    Flow.CLIENT_CREDENTIALS: _FlowWords(
        "Client credentials",
        "Client credentials",
        "The app connects as itself with its client ID and secret; no one signs in.",
        "the integration's own credentials",
    ),
    Flow.PASSWORD: _FlowWords(
        "Username and password",
        "Username and password (no browser)",
        "No browser: connmgr asks {vendor} for a code with a username and password.",
        "a username and password, used once",
    ),
    Flow.DEVICE_CODE: _FlowWords(
        "Device sign-in (device code)",
        "Sign in with a code, in any browser",
        "connmgr shows a code to enter at {vendor}'s page, in any browser; the connection acts as that person.",
        "a code to enter at the vendor's page, in any browser",
    ),
}


class Browser(StrEnum):
    """Where the authorization-code sign-in runs."""

    EMBEDDED = "embedded"  # connmgr's own sign-in window
    SYSTEM = "system"  # the person's browser, back through a loopback listener (RFC 8252)


class Operation(StrEnum):
    """A request to the vendor's token (or code, or revocation) endpoint; each has its own `RequestSpec`."""

    EXCHANGE = "exchange"
    REFRESH = "refresh"
    REVOKE = "revoke"
    CLIENT_CREDENTIALS = "client_credentials"
    DIRECT_CODE = "direct_code"
    DEVICE_AUTHORIZATION = "device_authorization"  # RFC 8628 §3.1: a device code and a user code
    DEVICE_CODE = "device_code"  # RFC 8628 §3.4: the token request, polled until the person has signed in


class RequestStyle(StrEnum):
    """How a request's parameters travel."""

    FORM = "form"  # an application/x-www-form-urlencoded body (RFC 6749)
    JSON = "json"  # a JSON body (vcita)
    HEADERS = "headers"  # each parameter an x-* header (iOFFICE)


class ClientAuth(StrEnum):
    """How a request presents the client (RFC 7591's token_endpoint_auth_method names, and `omit`)."""

    NONE = "none"  # a public client: its id as a parameter
    CLIENT_SECRET_POST = "client_secret_post"  # id and secret as parameters
    CLIENT_SECRET_BASIC = "client_secret_basic"  # id and secret by HTTP Basic
    OMIT = "omit"  # nothing at all (iOFFICE's revocation)


class TokenIn(StrEnum):
    """The part of an API request that carries the access token."""

    BEARER = "bearer"  # Authorization: Bearer
    HEADER = "header"  # a header of the vendor's naming
    QUERY = "query"  # a query parameter of the vendor's naming


TOKEN_PLACEMENT_SPELLINGS = "bearer, header:NAME, query:NAME"
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")  # RFC 9110 §5.6.2: a token


class TokenPlacement(NamedTuple):  # not a dataclass: making one class of those costs half a millisecond of start-up
    """Where an API call carries the access token; a template writes it `bearer`, `header:NAME` or `query:NAME`."""

    kind: TokenIn
    name: str = ""  # the header or query parameter; empty for bearer

    @classmethod
    def parse(cls, text: str) -> TokenPlacement:
        """The placement a template spells as `text`; ValueError when it is not one of `TOKEN_PLACEMENT_SPELLINGS`."""
        kind, colon, name = text.partition(":")
        if kind == TokenIn.BEARER and not colon:
            return cls(TokenIn.BEARER)
        if kind == TokenIn.HEADER and _HEADER_NAME.fullmatch(name):
            return cls(TokenIn.HEADER, name)
        if kind == TokenIn.QUERY and name:
            return cls(TokenIn.QUERY, name)
        raise ValueError(f"{text!r} is not one of {TOKEN_PLACEMENT_SPELLINGS}")
