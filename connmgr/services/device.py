"""A device sign-in (RFC 8628): show the person a code, then poll the vendor until they have entered it.

The poll honours the vendor's `interval` (5 s when it names none), grows it by
5 s at each `slow_down`, and gives up at `expires_in`, measured from when the
code was asked for. The wait and the clock are injectable, so that a test
never sleeps for real.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from connmgr.domain.device import SLOW_DOWN_S, DeviceAuthorization
from connmgr.domain.durations import in_words
from connmgr.domain.errors import GrantError
from connmgr.domain.provider import Provider
from connmgr.domain.tokens import TokenSet
from connmgr.oauth.client import DevicePending, OAuthClient
from connmgr.services.signin import Connected, identify

Sleep = Callable[[float], Awaitable[object]]


async def connect_with_device(
    client: OAuthClient,
    provider: Provider,
    show: Callable[[DeviceAuthorization], object],
    *,
    sleep: Sleep = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> Connected:
    """Ask for a code, `show` it to the person, and wait for their sign-in at the vendor's page."""
    provider = await client.prepare(provider)
    started = clock()
    grant = await client.device_authorization(provider)
    show(grant)
    deadline, interval = started + grant.expires_in, float(grant.interval)
    while (wait := min(interval, deadline - clock())) > 0:
        await sleep(wait)
        answer = await client.poll_device_code(provider, grant.device_code)
        if isinstance(answer, TokenSet):
            return await identify(client, provider, answer, nonce=None)
        if answer is DevicePending.SLOW_DOWN:
            interval += SLOW_DOWN_S
    raise GrantError(
        provider.vendor,
        f"nobody entered the code {grant.user_code} within {in_words(grant.expires_in)}",
        "connect again for a new code",
    )
