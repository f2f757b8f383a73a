"""How a connection looks right now: the stored status read against the clock."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from connmgr.domain.connection import Connection, Status
from connmgr.domain.durations import countdown

# "Expiring soon": the last fifth of a token's life, but never more than the last five minutes.
SOON_FRACTION = 0.2
SOON_MAX_S = 300.0
# "Needs sign-in soon": the last tenth of the refresh token's life, and at least its last five minutes. At least,
# unlike "expiring soon": a refresh token's end needs a person to act, so earlier notice is the useful kind.
SIGN_IN_SOON_FRACTION = 0.1
SIGN_IN_SOON_MIN_S = 300.0
_NEVER = float("inf")


class Health(StrEnum):
    CONNECTED = "connected"
    EXPIRING_SOON = "expiring_soon"
    NEEDS_SIGN_IN_SOON = "needs_sign_in_soon"
    EXPIRED = "expired"
    NEEDS_SIGN_IN = "needs_sign_in"
    REVOKED = "revoked"
    ERROR = "error"

    @property
    def label(self) -> str:
        return self.value.replace("sign_in", "sign-in").replace("_", " ").capitalize()


def _soon_window(connection: Connection, expires_at: float) -> float:
    window = SOON_FRACTION * (expires_at - (connection.issued_at or expires_at))
    return window if window < SOON_MAX_S else SOON_MAX_S  # not min(): each listed row asks, twice


def sign_in_soon_at(connection: Connection) -> float | None:
    """When the refresh token gets close enough to its end that the person should sign in again (None: never)."""
    ends_at = connection.refresh_expires_at
    if ends_at is None:
        return None
    lifetime = ends_at - (connection.issued_at or ends_at)  # as the vendor last stated it, at the last issue
    return ends_at - max(SIGN_IN_SOON_MIN_S, SIGN_IN_SOON_FRACTION * lifetime)


def health(connection: Connection, now: float) -> Health:
    if connection.status is Status.REVOKED:
        return Health.REVOKED
    if connection.status is Status.NEEDS_SIGN_IN:
        return Health.NEEDS_SIGN_IN
    if connection.status is Status.ERROR:
        return Health.ERROR
    if connection.refresh_expires_at is not None and now >= connection.refresh_expires_at:
        return Health.NEEDS_SIGN_IN  # nothing left to refresh with
    expires_at = connection.expires_at
    if expires_at is not None and now >= expires_at:
        return Health.EXPIRED
    soon_at = sign_in_soon_at(connection)
    if soon_at is not None and now >= soon_at:
        return Health.NEEDS_SIGN_IN_SOON  # before "expiring soon": that one the scheduler fixes, this one it cannot
    if expires_at is None:
        return Health.CONNECTED
    if expires_at - now <= _soon_window(connection, expires_at):
        return Health.EXPIRING_SOON
    return Health.CONNECTED


def next_change(connection: Connection, now: float) -> float:
    """The next moment `health` may answer differently for this connection (inf: never, on the clock alone)."""
    expires_at, soon_at = connection.expires_at, sign_in_soon_at(connection)
    moments = [connection.refresh_expires_at]
    if soon_at is not None and (expires_at is None or soon_at < expires_at):  # once expired, "Expired" shows instead
        moments.append(soon_at)
    if expires_at is not None:
        moments += [expires_at - _soon_window(connection, expires_at), expires_at]
    # A list, not a generator, for min(): a third of the time it takes to judge each of 10,000 listed rows.
    return min([m for m in moments if m is not None and m > now], default=_NEVER)


def iso_utc(epoch: float | None) -> str | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds")


def expiry_text(connection: Connection, now: float) -> str:
    """When the access token ends, and the sign-in behind it, for a person; the window's Expires column and
    `connmgr list` both say this. A revoked connection has nothing left to expire: "—"."""
    if connection.status is Status.REVOKED:
        return "—"
    text = countdown(connection.remaining(now))
    if connection.refresh_expires_at is not None:
        text += f" (sign-in {countdown(connection.refresh_expires_at - now)})"
    return text
