"""What a connection's tokens say of themselves, for display: decoded, never trusted, deciding nothing.

An id token was validated when it arrived; an access token that is a JWT never is (it is the API's to judge),
so its claims only answer a support person's questions: until when, for what, for which client and tenant.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from connmgr.domain.durations import countdown
from connmgr.domain.identity import unverified_claims

# Asked of every token, in this order; then each vendor's own tenant and role claims, named as it likes
# (Keycloak's realm_access and tenant, Azure's tid and roles, Auth0's org_id and permissions).
_FIRST = ("exp", "iat", "nbf", "scope", "scp", "aud", "azp", "client_id", "iss", "sub")
_TENANT_OR_ROLE_WORDS = ("tenant", "org", "realm", "role", "group", "permission", "resource_access")
_AGREE_WITHIN_S = 60  # clocks and rounding: a smaller difference is no news to anyone


@dataclass(frozen=True)
class TokenClaims:
    id_token: Mapping[str, Any] = field(default_factory=dict)  # all of them
    access_token: Mapping[str, Any] = field(default_factory=dict)  # the notable ones, when it is a JWT
    expiry_note: str = ""  # where the vendor's `expires_in` and the access token's own `exp` disagree


def token_claims(id_token: str | None, access_token: str | None, expires_at: float | None) -> TokenClaims:
    """`expires_at`: when connmgr takes the access token to expire (from the vendor's `expires_in`)."""
    access = (unverified_claims(access_token) or {}) if access_token else {}
    return TokenClaims(
        (unverified_claims(id_token) or {}) if id_token else {},
        notable(access),
        expiry_note(expires_at, access.get("exp")),
    )


def notable(claims: Mapping[str, Any]) -> dict[str, Any]:
    """The claims a person asks about, in `_FIRST`'s order, then tenant and role claims by name."""
    first = {key: claims[key] for key in _FIRST if key in claims}
    rest = sorted(key for key in claims if key not in first and _is_tenant_or_role(key))
    return first | {key: claims[key] for key in rest}


def _is_tenant_or_role(key: str) -> bool:
    lowered = key.lower()
    return lowered == "tid" or any(word in lowered for word in _TENANT_OR_ROLE_WORDS)


def expiry_note(expires_at: float | None, exp: object) -> str:
    """One sentence when the token's `exp` and the expiry connmgr goes by disagree; empty when they agree."""
    if not isinstance(exp, int | float) or isinstance(exp, bool):
        return ""
    try:
        exp = float(exp)  # a JSON integer may have hundreds of digits
    except OverflowError:
        return ""
    if not math.isfinite(exp):
        return ""
    if expires_at is None:
        return (
            "The vendor gave no lifetime (expires_in), so connmgr takes the token to last until revoked, "
            "but the token itself says it expires (exp)."
        )
    gap = exp - expires_at
    if abs(gap) <= _AGREE_WITHIN_S:
        return ""
    which = "later" if gap > 0 else "earlier"
    return (
        f"The token itself says it expires {countdown(abs(gap))} {which} than the vendor's expires_in said "
        "(exp); connmgr goes by expires_in."
    )
