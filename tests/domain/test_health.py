import pytest

from connmgr.domain.connection import Connection, Status
from connmgr.domain.durations import countdown
from connmgr.domain.health import Health, health

NOW = 1_000_000.0


def conn(**kw):
    return Connection(id="1", name="n", template_id="t", flow="authorization_code", values={}, **kw)


@pytest.mark.parametrize(
    ("kw", "expected"),
    [
        ({}, Health.CONNECTED),
        ({"issued_at": NOW - 10, "expires_at": None}, Health.CONNECTED),
        ({"issued_at": NOW - 100, "expires_at": NOW + 200}, Health.CONNECTED),
        ({"issued_at": NOW - 250, "expires_at": NOW + 50}, Health.EXPIRING_SOON),  # last fifth of 300 s
        ({"issued_at": NOW - 86400 * 30, "expires_at": NOW + 299}, Health.EXPIRING_SOON),  # capped at 5 min
        ({"issued_at": NOW - 86400 * 30, "expires_at": NOW + 301}, Health.CONNECTED),
        ({"issued_at": NOW - 300, "expires_at": NOW}, Health.EXPIRED),
        ({"expires_at": NOW + 100, "refresh_expires_at": NOW - 1}, Health.NEEDS_SIGN_IN),
        ({"status": Status.NEEDS_SIGN_IN}, Health.NEEDS_SIGN_IN),
        ({"status": Status.REVOKED, "expires_at": NOW + 100}, Health.REVOKED),
        ({"status": Status.ERROR}, Health.ERROR),
    ],
)
def test_health(kw, expected):
    assert health(conn(**kw), NOW) is expected


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (None, "never expires"),
        (0, "0s"),
        (59.9, "59s"),
        (250, "4m 10s"),
        (7322, "2h 2m"),
        (90000, "1d 1h"),
        (631152000, "20y 5d"),
        (-185, "expired 3m 5s ago"),
    ],
)
def test_countdown(seconds, text):
    assert countdown(seconds) == text
    assert Health.EXPIRING_SOON.label == "Expiring soon"


def test_next_change_is_the_next_moment_health_turns():
    from connmgr.domain.health import next_change

    c = conn(issued_at=NOW, expires_at=NOW + 300, refresh_expires_at=NOW + 1800)
    assert next_change(c, NOW) == NOW + 240  # expiring soon in the last fifth
    assert next_change(c, NOW + 240) == NOW + 300  # then expired
    assert next_change(c, NOW + 300) == NOW + 1800  # then needs sign-in
    assert next_change(c, NOW + 1800) == float("inf")
    for t in (NOW + 100, NOW + 250, NOW + 1000):
        assert health(c, t) is health(c, next_change(c, t) - 0.001)
    assert next_change(conn(), NOW) == float("inf")
