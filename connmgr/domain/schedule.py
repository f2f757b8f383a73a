"""When to refresh a connection: pure timing policy, with the randomness passed in.

A token is refreshed at 75 to 85 % of the part of its life that ends a minute before expiry (half its life, for
tokens under two minutes), so a 300 s token goes at 180 to 204 s and an hour's at 44 to 50 min. The fraction is drawn
per token, so a hundred connections signed in together do not all refresh together. Tokens that live a year or
more (vcita's twenty years) and tokens that never expire (VaultRE) are never scheduled: there is nothing to gain,
and a timer of years is one no process lives to see.

Whatever a vendor says, one connection is refreshed at most every 30 s: a vendor answering `expires_in: 0` would
otherwise be asked again at once, forever. One that keeps issuing tokens that die before that floor (dead or nearly
dead on arrival) is asked less and less often, up to every half hour: refreshing sooner gains nothing.
"""

from __future__ import annotations

from random import Random

from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.health import Health, health

REFRESH_FRACTION = (0.75, 0.85)
LAST_MOMENT_S = 60.0  # never refresh later than this before expiry (tokens under two minutes: half their life)
LONG_LIVED_S = 365 * 24 * 3600.0
OVERDUE_SPREAD_S = 30.0  # overdue refreshes still valid for a while are spread over up to this many seconds
FAILURE_BACKOFF_S = (30.0, 15 * 60.0)  # after a failed refresh: first wait, longest wait (doubling between)
MIN_INTERVAL_S = 30.0  # the least time between two refreshes of one connection
DEAD_ON_ARRIVAL_BACKOFF_S = (60.0, 30 * 60.0)  # after tokens that die within MIN_INTERVAL_S, as FAILURE_BACKOFF_S


def _refreshable(connection: Connection, now: float) -> bool:
    """Whether the scheduler should keep this connection's token fresh at all."""
    if connection.expires_at is None or health(connection, now) in (Health.NEEDS_SIGN_IN, Health.REVOKED):
        return False  # nothing to refresh, nothing left to refresh with, or a person must act first
    lifetime = connection.expires_at - (connection.issued_at if connection.issued_at is not None else now)
    if lifetime >= LONG_LIVED_S:
        return False
    return connection.flow == Flow.CLIENT_CREDENTIALS or connection.has_refresh_token


def refresh_due(
    connection: Connection, now: float, rng: Random, *, refreshed_at: float | None = None, dead_on_arrival: int = 0
) -> float | None:
    """The moment (epoch seconds, never before `now`) to refresh this connection's token; None: never.

    A moment already past, as after a sleep or on start-up, becomes `now` when the token has (nearly) run out, or
    a random moment in the next few seconds while it still has time, so that a wake-up does not fire them all.
    `refreshed_at`: when this connection was last refreshed; `dead_on_arrival`: how many refreshes in a row
    brought a token that `is_dead_on_arrival` (the last one included).
    """
    expires_at = connection.expires_at
    if expires_at is None or not _refreshable(connection, now):
        return None
    issued_at = connection.issued_at if connection.issued_at is not None else now
    lifetime = max(0.0, expires_at - issued_at)
    last_moment = min(LAST_MOMENT_S, lifetime / 2)
    due = issued_at + (lifetime - last_moment) * rng.uniform(*REFRESH_FRACTION)
    if due < now:
        slack = max(0.0, expires_at - last_moment - now)
        due = now + rng.uniform(0.0, min(OVERDUE_SPREAD_S, slack))
    if refreshed_at is None:
        return due
    since = min(refreshed_at, now)  # a clock set back must not put the floor far ahead
    if dead_on_arrival:
        due = max(due, _backoff(dead_on_arrival, since, rng, DEAD_ON_ARRIVAL_BACKOFF_S))
    return max(due, since + MIN_INTERVAL_S)


def is_dead_on_arrival(connection: Connection, now: float) -> bool:
    """Whether a token just issued runs out before the connection may be refreshed again."""
    return connection.expires_at is not None and connection.expires_at - now <= MIN_INTERVAL_S


def retry_due(failures: int, now: float, rng: Random) -> float:
    """When to try again after `failures` refreshes in a row failed (each already retried in place)."""
    return _backoff(failures, now, rng, FAILURE_BACKOFF_S)


def _backoff(times: int, since: float, rng: Random, bounds: tuple[float, float]) -> float:
    """`since` plus a wait that doubles with each of `times` from the first bound up to the second."""
    first, longest = bounds
    ceiling = min(longest, first * 2 ** max(0, times - 1))
    return since + rng.uniform(ceiling / 2, ceiling)  # half jitter: never hammer, never wait past the ceiling
