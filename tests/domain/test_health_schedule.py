"""The background checks' timing: which connections are watched, how their checks are spread, focus after idling."""

from __future__ import annotations

from random import Random

import pytest

from connmgr.domain.connection import Status
from connmgr.domain.health_schedule import (
    CHECK_INTERVAL_S,
    CHECK_JITTER,
    FOCUS_SPREAD_S,
    IDLE_S,
    RECENT_S,
    START_SPREAD_S,
    check_due,
    due_on_focus,
    idle_long_enough,
    watched,
)
from tests.domain.test_schedule import DAY, HOUR, T0, connection

TWENTY_YEARS = 20 * 365 * DAY


@pytest.mark.parametrize(
    ("lifetime", "kw", "expected"),
    [
        (TWENTY_YEARS, {"template_id": "vcita", "has_refresh_token": False}, True),
        (None, {"template_id": "vaultre", "has_refresh_token": False}, True),
        (HOUR, {}, False),  # refreshed on schedule: a revocation shows at its next refresh
        (None, {"flow": "client_credentials"}, False),  # who-am-I often refuses a machine's token, whatever its state
        (TWENTY_YEARS, {"status": Status.NEEDS_SIGN_IN}, False),  # the person knows already
        (None, {"status": Status.REVOKED}, False),
    ],
)
def test_only_long_lived_tokens_a_person_relies_on_are_watched(lifetime, kw, expected):
    assert watched(connection(lifetime, **kw), T0) is expected
    assert (check_due(connection(lifetime, **kw), T0, Random(1), checked_at=None) is not None) is expected


def test_the_first_checks_are_spread_over_the_first_minutes():
    rng = Random(3)
    dues = [check_due(connection(None), T0, rng, checked_at=None) for _ in range(500)]
    assert all(d is not None and T0 <= d <= T0 + START_SPREAD_S for d in dues)
    assert len(set(dues)) == 500 and max(dues) - min(dues) > 0.9 * START_SPREAD_S  # type: ignore[operator]


def test_the_interval_is_jittered_around_its_length():
    rng = Random(5)
    checked = T0 - 10
    dues = [check_due(connection(TWENTY_YEARS), T0, rng, checked_at=checked) for _ in range(1000)]
    offsets = [d - checked for d in dues if d is not None]
    low, high = (1 - CHECK_JITTER) * CHECK_INTERVAL_S, (1 + CHECK_JITTER) * CHECK_INTERVAL_S
    assert len(offsets) == 1000 and all(low <= o <= high for o in offsets)
    assert max(offsets) - min(offsets) > 0.9 * (high - low)  # spread over the whole band, not bunched
    assert sum(o < CHECK_INTERVAL_S for o in offsets) in range(400, 600)  # as often early as late


def test_a_check_overdue_after_a_sleep_is_spread_from_now():
    rng = Random(2)
    dues = [check_due(connection(None), T0, rng, checked_at=T0 - 2 * DAY) for _ in range(200)]
    assert all(d is not None and T0 <= d <= T0 + START_SPREAD_S for d in dues)


def test_focus_after_idling_checks_soon_unless_checked_lately():
    rng = Random(4)
    long_lived = connection(TWENTY_YEARS)
    soon = due_on_focus(long_lived, T0, rng, checked_at=T0 - RECENT_S - 1)
    assert soon is not None and T0 <= soon <= T0 + FOCUS_SPREAD_S
    assert due_on_focus(long_lived, T0, rng, checked_at=None) is not None
    assert due_on_focus(long_lived, T0, rng, checked_at=T0 - 60) is None
    assert due_on_focus(connection(HOUR), T0, rng, checked_at=None) is None


def test_idle_means_without_focus_for_a_while():
    assert not idle_long_enough(None, T0)
    assert not idle_long_enough(T0 - IDLE_S + 1, T0)
    assert idle_long_enough(T0 - IDLE_S, T0)
