"""Who a connection is connected as, read from claims or a who-am-I answer."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

from connmgr.domain.nesting import loads_json


def lookup(data: Mapping[str, Any], dotted: str) -> Any:
    """`data["a"]["b"]` for "a.b"; None where the path does not exist."""
    value: Any = data
    for part in dotted.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def account_label(data: Mapping[str, Any], keys: Sequence[str]) -> str | None:
    """The first of `keys` that holds a non-empty string or number."""
    for key in keys:
        value = lookup(data, key)
        if isinstance(value, str) and value.strip():
            return value.strip()
        if isinstance(value, int | float) and not isinstance(value, bool):
            return str(value)
    return None


def jwt_part(segment: str) -> dict[str, Any] | None:
    """One base64url segment of a compact JWT (header or payload) as its JSON object; None if it is not one,
    nested too deeply included."""
    try:
        part = loads_json(base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4)))
    except ValueError:  # bad base64, UTF-8 or JSON, or nested too deeply
        return None
    return part if isinstance(part, dict) else None


def unverified_claims(token: str) -> dict[str, Any] | None:
    """A JWT's payload for display only: nothing here is trusted for a decision."""
    parts = token.split(".")
    return jwt_part(parts[1]) if len(parts) == 3 else None
