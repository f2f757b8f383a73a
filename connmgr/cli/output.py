"""What more than one command prints: JSON, and a connection as JSON."""

from __future__ import annotations

import json

from connmgr.domain.connection import Connection
from connmgr.domain.health import health, iso_utc


def print_json(data: object) -> None:
    print(json.dumps(data, indent=2))


def connection_json(c: Connection, now: float) -> dict[str, object]:
    remaining = c.remaining(now)
    return {
        "name": c.name,
        "template": c.template_id,
        "flow": c.flow,
        "status": health(c, now).value,
        "account": c.account,
        "expires_at": iso_utc(c.expires_at),
        "expires_in_s": None if remaining is None else int(remaining),
        "refresh_expires_at": iso_utc(c.refresh_expires_at),
        "has_refresh_token": c.has_refresh_token,
    }
