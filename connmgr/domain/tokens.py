"""Token responses from every vendor normalised into one `TokenSet`.

Vendors disagree on the key (`access_token` or VaultRE's `token`), the unit of
`expires_in` (iOFFICE counts milliseconds), whether it is there at all (VaultRE
tokens never expire), and whether a refresh returns a new refresh token.

Token strings are held to RFC 6749's character set (visible ASCII, Appendix A)
without its space: a token goes into HTTP headers, terminals and `.env`
files, and one holding a space, a control character or an escape sequence is
a malformed answer, refused before it is stored anywhere.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connmgr.domain.errors import ProtocolError
from connmgr.domain.template import TokenResponseSpec

# Longer than any real lifetime (vcita's "about 20 years" is 631,152,000 s), short enough to catch nonsense.
MAX_LIFETIME_S = 100 * 365 * 24 * 3600
_TOKEN_TEXT = re.compile(r"[\x21-\x7e]+")  # RFC 6749 VSCHAR without the space


@dataclass(frozen=True)
class TokenSet:
    access_token: str = field(repr=False)
    token_type: str = "Bearer"
    refresh_token: str | None = field(default=None, repr=False)
    id_token: str | None = field(default=None, repr=False)
    scope: str | None = None
    issued_at: float = 0.0
    expires_at: float | None = None  # None: the vendor gives no expiry
    refresh_expires_at: float | None = None


def _lifetime(body: Mapping[str, Any], key: str, vendor: str, unit: str = "s") -> float | None:
    value = body.get(key)
    if value is None:
        return None

    def bad(what: str) -> ProtocolError:
        return ProtocolError(vendor, f"the token response's {key} {what}", "report this to the vendor")

    if isinstance(value, bool):
        raise bad("is not a number")
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            raise bad("is not a number") from None
    if not isinstance(value, int | float) or not math.isfinite(value):
        raise bad("is not a number")
    seconds = value / 1000 if unit == "ms" else float(value)
    if seconds < 0:
        raise bad("is negative")
    if seconds > MAX_LIFETIME_S:
        raise bad("is longer than a hundred years")
    return seconds


def _text(body: Mapping[str, Any], key: str, vendor: str) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ProtocolError(vendor, f"the token response's {key} is not a string", "report this to the vendor")
    return value


def _token_text(body: Mapping[str, Any], key: str, vendor: str) -> str | None:
    """A token string (a token or its type): never quoted back, since it may be a live token."""
    value = _text(body, key, vendor)
    if value is not None and not _TOKEN_TEXT.fullmatch(value):
        raise ProtocolError(
            vendor,
            f"the token response's {key} holds spaces, control characters or other characters no token has",
            "report this to the vendor",
        )
    return value


def normalise_token_response(
    body: object,
    spec: TokenResponseSpec,
    *,
    vendor: str,
    now: float,
    previous: TokenSet | None = None,
) -> TokenSet:
    """Build a `TokenSet` from a successful token response; `previous` is the set a refresh replaces."""
    if not isinstance(body, Mapping):
        raise ProtocolError(vendor, "the token response is not a JSON object", "report this to the vendor")
    access = next((t for key in spec.access_token_keys if (t := _token_text(body, key, vendor))), None)
    if access is None:
        raise ProtocolError(
            vendor, "the token response carries no access token", "check the token endpoint and try again"
        )
    issued_at = now
    created_at = _lifetime(body, "created_at", vendor)
    # Trust the server's issue time only within a day of ours: a skewed server clock must not expire tokens early.
    if created_at is not None and abs(created_at - now) < 86400:
        issued_at = min(created_at, now)
    expires_in = _lifetime(body, "expires_in", vendor, spec.expires_in_unit)
    refresh_in = _lifetime(body, "refresh_expires_in", vendor)
    refresh = _token_text(body, "refresh_token", vendor)
    refresh_expires_at = issued_at + refresh_in if refresh_in else None  # Keycloak: 0 means no expiry
    if refresh is None and previous is not None:
        # A refresh that returns no new refresh token leaves the old one valid (RFC 6749 §6).
        refresh, refresh_expires_at = previous.refresh_token, previous.refresh_expires_at
    token_type = _token_text(body, "token_type", vendor) or "Bearer"
    return TokenSet(
        access_token=access,
        token_type="Bearer" if token_type.lower() == "bearer" else token_type,
        refresh_token=refresh,
        id_token=_token_text(body, "id_token", vendor) or (previous.id_token if previous else None),
        scope=_text(body, "scope", vendor) or (previous.scope if previous else None),
        issued_at=issued_at,
        expires_at=None if expires_in is None else issued_at + expires_in,
        refresh_expires_at=refresh_expires_at,
    )
