"""Writing to the store from the event loop, which must never wait for the disk: it is the window's loop."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TypeVar

from connmgr.storage.store import ConnectionStore

T = TypeVar("T")


async def committed(store: ConnectionStore, work: Callable[[], T], *, gather_s: float = 0.0) -> T:
    """What `work` (a transaction body) returned, once the store's writer thread has committed it to disk
    (`gather_s`: see `ConnectionStore.commit_soon`). Cancelling the caller neither stops nor undoes the commit."""
    return await asyncio.wrap_future(store.commit_soon(work, gather_s=gather_s))
