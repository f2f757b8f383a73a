"""The per-connection lock: one holder at a time (each holder opens the file anew, as another process would), and
a waiter that gives up leaves nothing held."""

from __future__ import annotations

import asyncio

from connmgr.storage.locks import connection_lock

GUARD_S = 30.0  # a lock never released fails the test instead of hanging it


async def hold(home, connection_id: str, entered: asyncio.Event, leave: asyncio.Event) -> None:
    async with connection_lock(home, connection_id):
        entered.set()
        await leave.wait()


async def test_a_second_holder_waits_until_the_first_lets_go(home):
    first_in, first_out, second_in, second_out = (asyncio.Event() for _ in range(4))
    first = asyncio.ensure_future(hold(home, "c1", first_in, first_out))
    await first_in.wait()
    second = asyncio.ensure_future(hold(home, "c1", second_in, second_out))
    other_in = asyncio.Event()
    other = asyncio.ensure_future(hold(home, "c2", other_in, first_out))

    await other_in.wait()  # another connection's lock is its own
    assert not second_in.is_set()
    first_out.set()
    await asyncio.wait_for(second_in.wait(), GUARD_S)
    second_out.set()
    await asyncio.gather(first, second, other)


async def test_a_cancelled_waiter_leaves_the_lock_free(home):
    first_in, first_out = asyncio.Event(), asyncio.Event()
    first = asyncio.ensure_future(hold(home, "c1", first_in, first_out))
    await first_in.wait()
    waiter = asyncio.ensure_future(hold(home, "c1", asyncio.Event(), asyncio.Event()))
    await asyncio.sleep(0)
    waiter.cancel()
    first_out.set()
    await first

    third_in, third_out = asyncio.Event(), asyncio.Event()
    third_out.set()
    await asyncio.wait_for(hold(home, "c1", third_in, third_out), GUARD_S)
    assert waiter.cancelled() and third_in.is_set()
