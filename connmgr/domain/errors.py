"""Typed failures, each carrying one sentence a support person can act on.

The sentence names the vendor, what failed and what to do. It never contains
a secret: callers pass only non-secret facts, vendor-supplied text is passed
through `clip` so a hostile or verbose server cannot flood the message, and the
whole sentence is scrubbed as a log line is (a vendor may echo the API key or
the token it was sent; a typed-in URL may hold a password).
"""

from __future__ import annotations

from connmgr.logs import scrub


def clip(text: str, limit: int = 200) -> str:
    """Vendor text made safe to show: no known secret or credential, one line, printable, bounded.

    Scrubbed before it is cut: a secret cut in two would no longer be recognised, and its first half shown."""
    flat = " ".join("".join(ch if ch.isprintable() else " " for ch in scrub(text)).split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class ConnmgrError(Exception):
    """Base of every failure connmgr reports to a person."""

    retryable = False

    def __init__(self, vendor: str, what: str, todo: str, *, field: str | None = None) -> None:
        self.vendor = vendor
        self.what = what
        self.todo = todo
        # The template field the failure most likely concerns ("client_id", "api_key", "redirect_uri", ...), so a
        # form can show the sentence beside it; None when no one field is to blame.
        self.field = field
        super().__init__(self.sentence)

    @property
    def sentence(self) -> str:
        return scrub(f"{self.vendor}: {self.what}; {self.todo}.")


class ConfigError(ConnmgrError):
    """A template or the values a person typed cannot make a working request."""


class TemplateError(ConnmgrError):
    """A template file is malformed (shipped or user-provided)."""


class CallbackError(ConnmgrError):
    """The redirect back from the vendor is not one this sign-in can accept."""


class NetworkError(ConnmgrError):
    """The vendor could not be reached, or did not answer in time."""

    retryable = True


class TLSError(NetworkError):
    """The vendor's certificate could not be verified; retrying will not help."""

    retryable = False


class ServiceUnavailable(ConnmgrError):
    """The vendor answered 5xx or 429: try again later."""

    retryable = True

    def __init__(
        self, vendor: str, what: str, todo: str, *, retry_after: float | None = None, field: str | None = None
    ) -> None:
        super().__init__(vendor, what, todo, field=field)
        self.retry_after = retry_after


class ProtocolError(ConnmgrError):
    """The vendor answered with something that is not what its protocol promises."""


class GrantError(ConnmgrError):
    """The code or refresh token is no longer valid: the person must sign in again."""


class ClientRejected(ConnmgrError):
    """The vendor rejected the client id, secret or API key."""


class VendorError(ConnmgrError):
    """The vendor refused the request for a reason it explained."""


class TokenRejected(ConnmgrError):
    """An API call with the access token was refused (expired or revoked token)."""


class IdTokenError(ConnmgrError):
    """The OpenID Connect id token failed validation."""
