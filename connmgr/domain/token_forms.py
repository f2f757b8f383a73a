"""The forms a token is handed out in, and how soon before its expiry it is renewed first."""

from __future__ import annotations

from enum import StrEnum

HAND_OUT_MARGIN_S = 60  # a token handed out with less left than this is refreshed first
MAX_MARGIN_S = 86400  # a margin beyond a day would refresh most tokens at every use


class TokenForm(StrEnum):
    TOKEN = "token"  # the bare access token
    HEADER = "header"  # every header an API call needs, one per line
    CURL = "curl"  # the who-am-I call, ready to run
    ENV = "env"  # the lines `export` would write
    JSON = "json"  # access_token, expires_at, token_type, headers: what a credential helper reads

    @property
    def description(self) -> str:
        return _DESCRIPTIONS[self]

    @property
    def label(self) -> str:
        """Its name in a menu ("Copy as", then "curl command")."""
        return _LABELS[self]


_DESCRIPTIONS = {
    TokenForm.TOKEN: "the bare token",
    TokenForm.HEADER: "the headers an API call needs",
    TokenForm.CURL: "a curl command calling the vendor's who-am-I address",
    TokenForm.ENV: "the variables export would write",
    TokenForm.JSON: "JSON with the token, its expiry, its type and the headers",
}
_LABELS = {
    TokenForm.TOKEN: "Token",
    TokenForm.HEADER: "Headers",
    TokenForm.CURL: "curl command",
    TokenForm.ENV: ".env lines",
    TokenForm.JSON: "JSON",
}
