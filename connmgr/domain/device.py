"""A device sign-in's authorization answer (RFC 8628 §3.2), checked: it comes from outside.

The person reads the user code off connmgr and types it at the vendor's page,
so both must be plain and short; the page's address is opened in the person's
browser, so it must be an http(s) URL; the times bound the wait.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from connmgr.domain.errors import ProtocolError

DEFAULT_INTERVAL_S = 5  # RFC 8628 §3.2: when the answer names none
SLOW_DOWN_S = 5  # §3.5: added to the interval each time the vendor says slow_down
_MIN_INTERVAL_S = 1  # a vendor's 0 would have connmgr poll in a tight loop
_MAX_WAIT_S = 3600  # a code that would wait longer is still given up after an hour
_MAX_USER_CODE = 64


@dataclass(frozen=True)
class DeviceAuthorization:
    device_code: str = field(repr=False)  # a secret: whoever holds it collects the tokens
    user_code: str  # shown to the person, who types it at the vendor's page
    verification_uri: str
    verification_uri_complete: str  # the page with the code filled in; the plain page when the vendor gives none
    expires_in: int  # seconds the vendor waits for the person
    interval: int  # seconds between polls


def read_device_authorization(data: Any, vendor: str) -> DeviceAuthorization:
    def bad(what: str) -> ProtocolError:
        return ProtocolError(
            vendor, f"the device authorization answer {what}", "check the device authorization endpoint"
        )

    if not isinstance(data, dict):
        raise bad("is not a JSON object")
    device_code, user_code = data.get("device_code"), data.get("user_code")
    if not isinstance(device_code, str) or not device_code:
        raise bad("holds no device code")
    if not isinstance(user_code, str) or not 0 < len(user_code) <= _MAX_USER_CODE or not user_code.isprintable():
        raise bad("holds no user code a person could type")
    uri = _page(data.get("verification_uri"))
    if uri is None:
        raise bad("names no http(s) page to enter the code at")
    complete = _page(data.get("verification_uri_complete")) or uri
    expires_in = _seconds(data.get("expires_in"))
    if expires_in is None or expires_in <= 0:
        raise bad("says no positive expires_in")
    interval = _seconds(data.get("interval", DEFAULT_INTERVAL_S))
    if interval is None:
        raise bad("says an interval that is not a number of seconds")
    return DeviceAuthorization(
        device_code, user_code, uri, complete, min(expires_in, _MAX_WAIT_S), max(interval, _MIN_INTERVAL_S)
    )


def _page(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 2048 or not value.isprintable():
        return None
    u = urlsplit(value)
    return value if u.scheme in ("http", "https") and u.hostname and "@" not in u.netloc else None


def _seconds(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None
