"""When to ask the vendor whether a long-lived token still works: pure timing policy, with the randomness passed in.

Tokens that never expire (VaultRE) or live a year or more (vcita's twenty years) are never refreshed (see
`schedule`), so a revocation at the vendor would show only when a client calls with one. While the window is open,
each is checked every `CHECK_INTERVAL_S`, give or take `CHECK_JITTER` of it, so that connections made together are
not asked together; the first checks after start-up are spread over `START_SPREAD_S`. A window focused again after
`IDLE_S` without focus has its person looking: each is checked within `FOCUS_SPREAD_S`, unless it was checked in
the last `RECENT_S`.
"""

from __future__ import annotations

from random import Random

from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.health import Health, health
from connmgr.domain.schedule import LONG_LIVED_S

CHECK_INTERVAL_S = 3 * 3600.0
CHECK_JITTER = 0.1  # each interval is drawn from 90 % to 110 % of `CHECK_INTERVAL_S`
START_SPREAD_S = 120.0
IDLE_S = 15 * 60.0
FOCUS_SPREAD_S = 20.0
RECENT_S = 5 * 60.0


def watched(connection: Connection, now: float) -> bool:
    """Whether this connection's token is worth checking in the background: one that lives for years and that a
    person still relies on. (A machine's token is not: many who-am-I endpoints refuse those whatever their state.)"""
    if connection.flow == Flow.CLIENT_CREDENTIALS or health(connection, now) in (Health.NEEDS_SIGN_IN, Health.REVOKED):
        return False
    if connection.expires_at is None:
        return True
    issued_at = connection.issued_at if connection.issued_at is not None else now
    return connection.expires_at - issued_at >= LONG_LIVED_S


def check_due(
    connection: Connection, now: float, rng: Random, *, checked_at: float | None, interval_s: float = CHECK_INTERVAL_S
) -> float | None:
    """The moment (epoch seconds, never before `now`) to check this connection next; None: never.
    `checked_at`: its last check in this process, if any. A moment already past (after a sleep) is spread over
    the next `START_SPREAD_S`, as the first checks are."""
    if not watched(connection, now):
        return None
    spread = min(START_SPREAD_S, interval_s)
    if checked_at is None:
        return now + rng.uniform(0.0, spread)
    due = checked_at + interval_s * rng.uniform(1 - CHECK_JITTER, 1 + CHECK_JITTER)
    return due if due >= now else now + rng.uniform(0.0, spread)


def due_on_focus(connection: Connection, now: float, rng: Random, *, checked_at: float | None) -> float | None:
    """When to check this connection now that the window is focused after idling; None: not now."""
    if not watched(connection, now) or (checked_at is not None and now - checked_at < RECENT_S):
        return None
    return now + rng.uniform(0.0, FOCUS_SPREAD_S)


def idle_long_enough(unfocused_since: float | None, now: float) -> bool:
    """Whether a window without focus since `unfocused_since` (None: it had focus) has idled."""
    return unfocused_since is not None and now - unfocused_since >= IDLE_S
