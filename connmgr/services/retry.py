"""Trying a vendor call again when the failure is one that time can cure.

Retried: the errors that say so (`ConnmgrError.retryable`: the network, timeouts, 5xx and 429). Never retried: a
rejected grant, client or request, which the same request would only meet again (and a rotated refresh token
sent twice can cost the whole grant). Waits use full jitter (a random wait up to an exponential ceiling), so the
clients of a vendor that just came back do not return in step; a `Retry-After` is a floor, and one longer than
we would wait in place ends the retries (the scheduler comes back later). Waiting goes through an injected
`sleep`, so tests never wait.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from random import Random
from typing import TypeVar

from connmgr.domain.errors import ConnmgrError, ServiceUnavailable

log = logging.getLogger("connmgr.services")

T = TypeVar("T")
Sleep = Callable[[float], Awaitable[None]]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # tries in all, the first included
    base_s: float = 0.5  # ceiling of the first wait; each later ceiling doubles
    cap_s: float = 30.0  # no wait longer, and no Retry-After longer is waited for in place
    budget_s: float = 90.0  # from the first try: no wait that would end later than this


def ceiling(policy: RetryPolicy, retry: int) -> float:
    """The longest wait before retry number `retry` (0: the first retry)."""
    return min(policy.cap_s, policy.base_s * 2.0**retry)


def next_wait(policy: RetryPolicy, error: ConnmgrError, retry: int, elapsed: float, rng: Random) -> float | None:
    """Seconds to wait before retry number `retry` after `error`, `elapsed` seconds after the first try began;
    None: give up and raise `error`."""
    if not error.retryable or retry + 1 >= policy.attempts:
        return None
    wait = rng.uniform(0.0, ceiling(policy, retry))
    if isinstance(error, ServiceUnavailable) and error.retry_after is not None:
        if error.retry_after > policy.cap_s:
            return None
        wait = max(wait, error.retry_after)
    return wait if elapsed + wait <= policy.budget_s else None


async def with_retries(
    operation: Callable[[], Awaitable[T]],
    policy: RetryPolicy,
    *,
    rng: Random,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
    on_retry: Callable[[ConnmgrError, float], None] | None = None,
) -> T:
    """`operation()`'s result, trying again after retryable failures as `policy` allows; else its last error."""
    started = clock()
    retry = 0
    while True:
        try:
            return await operation()
        except ConnmgrError as error:
            wait = next_wait(policy, error, retry, clock() - started, rng)
            if wait is None:
                raise
            log.info("%s; trying again in %.1f s", error.sentence, wait)
            if on_retry is not None:
                on_retry(error, wait)
            await sleep(wait)
            retry += 1
