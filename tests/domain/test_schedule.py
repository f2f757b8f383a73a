"""The timing policy: margins that scale with the lifetime, jitter, what is never scheduled, "Needs sign-in soon"."""

from __future__ import annotations

from collections import Counter
from random import Random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connmgr.domain.connection import Connection, Status
from connmgr.domain.health import Health, health, next_change
from connmgr.domain.schedule import (
    LONG_LIVED_S,
    MIN_INTERVAL_S,
    OVERDUE_SPREAD_S,
    is_dead_on_arrival,
    refresh_due,
    retry_due,
)

T0 = 1_700_000_000.0
HOUR = 3600.0
DAY = 24 * HOUR


def connection(lifetime: float | None, *, issued_at: float = T0, **kw) -> Connection:
    values = {
        "id": "1",
        "name": "n",
        "template_id": "ioffice",
        "flow": "authorization_code",
        "values": {},
        "issued_at": issued_at,
        "expires_at": None if lifetime is None else issued_at + lifetime,
        "has_refresh_token": True,
    }
    return Connection(**(values | kw))


def dues(c: Connection, now: float = T0, draws: int = 200) -> list[float]:
    rng = Random(1)
    return [d for _ in range(draws) if (d := refresh_due(c, now, rng)) is not None]


@pytest.mark.parametrize(
    ("lifetime", "earliest", "latest"),
    [
        (60.0, 22.5, 25.5),  # under two minutes: 75-85 % of the first half
        (300.0, 180.0, 204.0),  # 75-85 % of the 240 s before the last minute
        (HOUR, 2655.0, 3009.0),
        (DAY, 64_755.0, 73_389.0),
    ],
)
def test_the_margin_scales_with_the_lifetime(lifetime, earliest, latest):
    found = [d - T0 for d in dues(connection(lifetime))]
    assert min(found) >= earliest and max(found) <= latest
    assert max(found) - min(found) > 0.8 * (latest - earliest)  # the whole range is used
    assert max(found) <= lifetime - min(60.0, lifetime / 2)


@given(
    lifetime=st.floats(min_value=1.0, max_value=LONG_LIVED_S - 1),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_never_later_than_a_minute_before_expiry_nor_before_three_quarters(lifetime, seed):
    due = refresh_due(connection(lifetime), T0, Random(seed))
    assert due is not None
    last_moment = min(60.0, lifetime / 2)
    assert T0 + 0.75 * (lifetime - last_moment) - 1e-6 <= due <= T0 + lifetime - last_moment


@pytest.mark.parametrize(
    "c",
    [
        connection(20 * 365 * DAY),  # vcita: about twenty years
        connection(None),  # VaultRE: never expires
        connection(HOUR, has_refresh_token=False),  # nothing to refresh with
        connection(HOUR, status=Status.NEEDS_SIGN_IN),
        connection(HOUR, status=Status.REVOKED),
        connection(HOUR, refresh_expires_at=T0 - 1),  # the refresh token has run out
    ],
    ids=["twenty-years", "never-expires", "no-refresh-token", "needs-sign-in", "revoked", "refresh-expired"],
)
def test_never_scheduled(c):
    assert refresh_due(c, T0, Random(1)) is None


def test_client_credentials_are_scheduled_without_a_refresh_token():
    c = connection(300.0, flow="client_credentials", has_refresh_token=False)
    assert all(T0 + 180 <= d <= T0 + 204 for d in dues(c))


def test_connections_signed_in_together_do_not_refresh_together():
    rng = Random(5)
    due = [refresh_due(connection(HOUR), T0, rng) for _ in range(100)]
    per_ten_seconds = Counter(int(d) // 10 for d in due)
    assert max(per_ten_seconds.values()) <= 10  # without jitter: all hundred in the same second
    assert max(due) - min(due) > 300
    replay = Random(5)
    assert due == [refresh_due(connection(HOUR), T0, replay) for _ in range(100)]  # seeded: reproducible


def test_overdue_refreshes_are_spread_while_the_token_lasts_and_immediate_once_it_has_not():
    c = connection(HOUR)
    late = T0 + 3200  # past every due moment, 340 s before the last one
    spread = dues(c, late)
    assert all(late <= d <= late + OVERDUE_SPREAD_S for d in spread)
    assert max(spread) - min(spread) > OVERDUE_SPREAD_S / 2
    assert set(dues(c, T0 + HOUR - 30)) == {T0 + HOUR - 30}  # inside the last minute: at once
    assert set(dues(c, T0 + 2 * HOUR)) == {T0 + 2 * HOUR}  # expired: at once


def test_failed_refreshes_back_off_up_to_a_ceiling():
    rng = Random(3)
    waits = {n: [retry_due(n, T0, rng) - T0 for _ in range(100)] for n in (1, 2, 3, 10)}
    assert all(15 <= w <= 30 for w in waits[1])
    assert all(30 <= w <= 60 for w in waits[2])
    assert all(60 <= w <= 120 for w in waits[3])
    assert all(450 <= w <= 900 for w in waits[10])


@given(
    lifetime=st.sampled_from([0.0, 0.001, 1.0, 29.0, 45.0, 60.0]),
    since=st.floats(min_value=0.0, max_value=MIN_INTERVAL_S),
    seed=st.integers(min_value=0, max_value=2**32),
)
def test_one_connection_is_never_refreshed_twice_within_the_floor(lifetime, since, seed):
    refreshed_at = T0 - since
    c = connection(lifetime, issued_at=refreshed_at)
    due = refresh_due(c, T0, Random(seed), refreshed_at=refreshed_at)
    assert due is not None and due >= refreshed_at + MIN_INTERVAL_S


def test_the_floor_leaves_a_token_with_time_to_spare_alone_and_a_clock_set_back_cannot_push_it_away():
    c = connection(HOUR)
    assert refresh_due(c, T0, Random(1), refreshed_at=T0) == refresh_due(c, T0, Random(1))
    ahead = refresh_due(connection(0.0), T0, Random(1), refreshed_at=T0 + DAY)  # last refreshed "tomorrow"
    assert ahead == T0 + MIN_INTERVAL_S


def test_tokens_dead_on_arrival_back_off_doubling_up_to_half_an_hour():
    rng = Random(4)
    c = connection(0.0)  # expires_in: 0
    waits = {n: [refresh_due(c, T0, rng, refreshed_at=T0, dead_on_arrival=n) - T0 for _ in range(200)] for n in
             (1, 2, 3, 6, 50)}  # fmt: skip
    assert all(30 <= w <= 60 for w in waits[1])
    assert all(60 <= w <= 120 for w in waits[2])
    assert all(120 <= w <= 240 for w in waits[3])
    assert all(900 <= w <= 1800 for w in waits[6] + waits[50])
    assert len({round(w) for w in waits[6]}) > 100  # jittered: a hundred such connections do not fire together


@pytest.mark.parametrize(
    ("expires_in", "dead"), [(None, False), (0.0, True), (1.0, True), (MIN_INTERVAL_S, True), (45.0, False)]
)
def test_dead_on_arrival_means_it_runs_out_before_the_next_refresh_may_be_made(expires_in, dead):
    assert is_dead_on_arrival(connection(expires_in), T0) is dead


@pytest.mark.parametrize(
    ("refresh_life", "warned_before"),
    [(30 * DAY, 3 * DAY), (HOUR, 360.0), (1800.0, 300.0), (120.0, 300.0)],
)
def test_needs_sign_in_soon_when_the_refresh_token_nears_its_end(refresh_life, warned_before):
    c = connection(refresh_life, refresh_expires_at=T0 + refresh_life)  # the access token lasts as long
    soon = T0 + refresh_life - warned_before
    assert health(c, max(T0, soon)) is Health.NEEDS_SIGN_IN_SOON
    if soon > T0:
        assert health(c, soon - 1) is Health.CONNECTED
        assert next_change(c, soon - 1) == soon
    assert health(c, T0 + refresh_life) is Health.NEEDS_SIGN_IN
    assert refresh_due(c, max(T0, soon), Random(1)) is not None  # refreshed on meanwhile: the access token needs it


def test_needs_sign_in_soon_shows_before_expiring_soon_and_after_expired():
    c = connection(300.0, refresh_expires_at=T0 + 320)  # both "soon" windows open at once
    assert health(c, T0 + 290) is Health.NEEDS_SIGN_IN_SOON
    assert health(c, T0 + 300) is Health.EXPIRED
    assert Health.NEEDS_SIGN_IN_SOON.label == "Needs sign-in soon"
    assert Health.NEEDS_SIGN_IN.label == "Needs sign-in"
