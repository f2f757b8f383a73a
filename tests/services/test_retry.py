"""Retry policy: what is retried, how long between tries, Retry-After, the bounds; and a revoke that meets a 503."""

from __future__ import annotations

from random import Random

import pytest

from connmgr.domain.errors import (
    ClientRejected,
    ConnmgrError,
    GrantError,
    NetworkError,
    ServiceUnavailable,
    TLSError,
    TokenRejected,
)
from connmgr.services.retry import RetryPolicy, ceiling, next_wait, with_retries
from connmgr.services.signin import connect_with_password
from tests.simulators.fixtures import PASSWORD, USERNAME
from tests.simulators.ioffice import REVOKE_PATH
from tests.support.providers import provider_for

POLICY = RetryPolicy(attempts=4, base_s=0.5, cap_s=30.0, budget_s=90.0)


def unavailable(retry_after: float | None = None) -> ServiceUnavailable:
    return ServiceUnavailable("Acme", "the token endpoint is unavailable (HTTP 503)", "wait", retry_after=retry_after)


def test_full_jitter_stays_under_a_doubling_ceiling_up_to_the_cap():
    assert [ceiling(POLICY, n) for n in range(8)] == [0.5, 1, 2, 4, 8, 16, 30, 30]
    rng = Random(9)
    many = RetryPolicy(attempts=100, budget_s=10_000)
    for retry in range(8):
        waits = [next_wait(many, unavailable(), retry, 0.0, rng) for _ in range(300)]
        assert all(w is not None and 0 <= w <= ceiling(many, retry) for w in waits)
        assert max(waits) > 0.8 * ceiling(many, retry) and min(waits) < 0.2 * ceiling(many, retry)  # full range


def test_retry_after_is_the_least_wait_and_one_too_long_ends_the_retries():
    rng = Random(1)
    assert all(next_wait(POLICY, unavailable(retry_after=7), 0, 0.0, rng) == 7 for _ in range(50))
    assert next_wait(POLICY, unavailable(retry_after=3600), 0, 0.0, rng) is None


@pytest.mark.parametrize(
    "error",
    [
        GrantError("Acme", "the token endpoint no longer accepts this grant", "sign in again"),
        TokenRejected("Acme", "the API refused the access token (HTTP 401)", "sign in again"),
        ClientRejected("Acme", "the token endpoint rejected the client credentials", "check them"),
        TLSError("Acme", "the certificate could not be verified", "check the address"),
    ],
)
def test_what_time_cannot_cure_is_not_retried(error):
    assert next_wait(POLICY, error, 0, 0.0, Random(1)) is None


def test_attempts_and_budget_bound_the_retries():
    rng = Random(1)
    network = NetworkError("Acme", "the token endpoint did not answer in time", "retry")
    assert next_wait(POLICY, network, 2, 0.0, rng) is not None  # before the fourth try
    assert next_wait(POLICY, network, 3, 0.0, rng) is None  # no fifth
    assert next_wait(POLICY, unavailable(retry_after=5), 0, 86.0, rng) is None  # would end past 90 s


class Script:
    """An operation that fails with the given errors in turn, then succeeds."""

    def __init__(self, *errors: ConnmgrError) -> None:
        self.errors = list(errors)
        self.calls = 0

    async def __call__(self) -> str:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return "ok"


async def test_with_retries_retries_through_injected_sleeps(sleep):
    retried: list[float] = []
    network = NetworkError("Acme", "the token endpoint could not be reached", "retry")
    operation = Script(unavailable(retry_after=2), network, network)

    result = await with_retries(
        operation, POLICY, rng=Random(1), sleep=sleep, on_retry=lambda _e, wait: retried.append(wait)
    )

    assert result == "ok" and operation.calls == 4
    assert sleep.waits == retried and len(retried) == 3
    assert retried[0] >= 2 and retried[1] <= 1.0 and retried[2] <= 2.0


async def test_with_retries_raises_the_last_error_when_attempts_run_out(sleep):
    operation = Script(*[unavailable()] * 5)
    with pytest.raises(ServiceUnavailable):
        await with_retries(operation, POLICY, rng=Random(1), sleep=sleep)
    assert operation.calls == 4 and len(sleep.waits) == 3


async def test_with_retries_never_retries_a_refused_grant(sleep):
    operation = Script(GrantError("Acme", "the token endpoint no longer accepts this grant", "sign in again"))
    with pytest.raises(GrantError):
        await with_retries(operation, POLICY, rng=Random(1), sleep=sleep)
    assert operation.calls == 1 and sleep.waits == []


async def test_with_retries_stops_at_the_budget_by_its_clock(sleep):
    moments = iter([0.0, 80.0])  # the first try begins at 0 s; it fails at 80 s, with only 10 s left
    operation = Script(unavailable(retry_after=20))
    with pytest.raises(ServiceUnavailable):
        await with_retries(operation, POLICY, rng=Random(1), sleep=sleep, clock=lambda: next(moments))
    assert operation.calls == 1


async def test_a_revoke_that_meets_a_503_keeps_the_token_and_is_retried_until_done(client, ioffice_sim, sleep):
    sim = ioffice_sim.sim
    provider = provider_for("ioffice", ioffice_sim, "password", username=USERNAME, password=PASSWORD)
    tokens = (await connect_with_password(client, provider, USERNAME, PASSWORD)).tokens
    sim.inject(REVOKE_PATH, status=503, headers={"Retry-After": "1"})

    await with_retries(lambda: client.revoke(provider, tokens), POLICY, rng=Random(1), sleep=sleep)

    assert sleep.waits == [1.0]
    assert [r.headers["x-token"] for r in sim.requests_to(REVOKE_PATH)] == [
        tokens.refresh_token,  # met the 503: nothing was revoked, so it is sent again
        tokens.refresh_token,
        tokens.access_token,
    ]
    assert sim.refresh_tokens.find(tokens.refresh_token) is None
    assert sim.access_tokens.find(tokens.access_token) is None
