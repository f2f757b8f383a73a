"""Waiting for the next due time or for a reason to look again, whichever comes first: the loop of the refresh
scheduler and of the health checks."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable


async def nap(sleep: Callable[[float], Awaitable[None]], wake: asyncio.Event, seconds: float) -> None:
    """Sleep `seconds` with `sleep` (tests pass their own clock's), or less once `wake` is set; `wake` is clear
    again afterwards."""
    if not wake.is_set():
        sleeping = asyncio.ensure_future(sleep(seconds))
        waking = asyncio.ensure_future(wake.wait())
        try:
            await asyncio.wait((sleeping, waking), return_when=asyncio.FIRST_COMPLETED)
        finally:
            sleeping.cancel()
            waking.cancel()
    wake.clear()
