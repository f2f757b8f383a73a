"""Wall and monotonic time for a scheduler under test, moved only when a test says so."""

from __future__ import annotations

import asyncio
import heapq
import itertools


class FakeClock:
    """Wall and monotonic time that move only when told; `sleep` waits for `advance`, never for real time."""

    def __init__(self, wall: float) -> None:
        self.wall_now = wall
        self.monotonic_now = 0.0
        self.naps = 0  # sleeps begun so far
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()
        self._napped = asyncio.Condition()

    def wall(self) -> float:
        return self.wall_now

    def monotonic(self) -> float:
        return self.monotonic_now

    async def sleep(self, seconds: float) -> None:
        woken = asyncio.get_running_loop().create_future()
        if seconds > 0:
            heapq.heappush(self._sleepers, (self.monotonic_now + seconds, next(self._order), woken))
        else:
            woken.set_result(None)
        async with self._napped:
            self.naps += 1
            self._napped.notify_all()
        await woken

    async def until(self, predicate) -> None:
        """Wait until `predicate()` holds, looking again each time the scheduler dozes off (its work done)."""
        async with self._napped:
            await self._napped.wait_for(predicate)

    async def nap_after(self, naps: int) -> None:
        """Wait until more than `naps` sleeps have begun: the scheduler has done its work and dozed off again."""
        await self.until(lambda: self.naps > naps)

    async def advance(self, seconds: float, *, suspended: bool = False) -> None:
        """Let `seconds` pass (`suspended`: with the machine asleep, so the monotonic clock stands still) and wait
        for the scheduler to doze off again."""
        naps = self.naps
        self.wall_now += seconds
        if not suspended:
            self.monotonic_now += seconds
        woke = False
        while self._sleepers and self._sleepers[0][0] <= self.monotonic_now:
            woken = heapq.heappop(self._sleepers)[2]
            if not woken.done():
                woken.set_result(None)
                woke = True
        if woke:
            await self.nap_after(naps)
