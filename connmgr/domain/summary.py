"""One line about every connection at once: the tray's tooltip."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from connmgr.domain.connection import Connection
from connmgr.domain.health import Health, health

# What needs a person first, then what is fine; each named only when there is one.
_ORDER = (
    Health.NEEDS_SIGN_IN,
    Health.ERROR,
    Health.EXPIRED,
    Health.NEEDS_SIGN_IN_SOON,
    Health.EXPIRING_SOON,
    Health.CONNECTED,
    Health.REVOKED,
)


def summary(connections: Iterable[Connection], now: float) -> str:
    counts = Counter(health(c, now) for c in connections)
    if not counts:
        return "No connections yet"
    return ", ".join(f"{counts[h]} {h.label.lower()}" for h in _ORDER if counts[h])


def needs_a_person(connection: Connection, now: float) -> bool:
    return health(connection, now) in (Health.NEEDS_SIGN_IN, Health.ERROR)
