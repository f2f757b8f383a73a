"""Telling listeners what changed among the stored connections, for any store.

A store says what it now holds, not why: after its own commit, the state it wrote (`committed`); after noticing
that someone else committed, the whole listing (`resync`). The watch compares that with what it last knew of
each connection and tells each listener, on the event loop's thread, of every connection that differs, as before
and after. So a change is told once however many ways it is noticed, and changes that came close together may
be told as one. A store reports in the order of its commits (both calls may come from any thread, and are told
in the order they were made), so that no listener is told of a state older than one it was told before.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Iterable, Sequence

from connmgr.domain.connection import Connection
from connmgr.storage.interface import Change

log = logging.getLogger("connmgr.storage")

# A connection's id and what is stored for it now (None: nothing, it was removed).
Stored = tuple[str, Connection | None]


class Watch:
    """The listeners of one store object, and what they were last told of each connection."""

    def __init__(self, loop: asyncio.AbstractEventLoop, listing: Iterable[Connection]) -> None:
        self.loop = loop
        self._known = {connection.id: connection for connection in listing}
        self._listeners: list[Callable[[Change], None]] = []

    def __bool__(self) -> bool:
        return bool(self._listeners)

    def add(self, listener: Callable[[Change], None]) -> _Subscription:
        self._listeners.append(listener)
        return _Subscription(self, listener)

    def discard(self, listener: Callable[[Change], None]) -> None:
        if listener in self._listeners:
            self._listeners.remove(listener)

    def committed(self, stored: Sequence[Stored]) -> None:
        """What a commit of this store object left stored."""
        if stored:
            with contextlib.suppress(RuntimeError):  # the loop has closed: nobody is listening any more
                self.loop.call_soon_threadsafe(self._tell, stored)

    def resync(self, listing: Sequence[Connection]) -> None:
        """Everything stored now (someone else committed)."""
        with contextlib.suppress(RuntimeError):
            self.loop.call_soon_threadsafe(self._resynced, listing)

    def _resynced(self, listing: Sequence[Connection]) -> None:
        now = {connection.id: connection for connection in listing}
        gone = [(connection_id, None) for connection_id in self._known if connection_id not in now]
        self._tell([*gone, *now.items()])

    def _tell(self, stored: Iterable[Stored]) -> None:
        for connection_id, after in stored:
            before = self._known.get(connection_id)
            if before == after:
                continue
            if after is None:
                del self._known[connection_id]
            else:
                self._known[connection_id] = after
            change = Change(before, after)
            for listener in list(self._listeners):
                try:
                    listener(change)
                except Exception:  # one listener's bug must not keep the others uninformed
                    log.exception("a listener failed on a change to %s", connection_id)


class _Subscription:
    def __init__(self, watch: Watch, listener: Callable[[Change], None]) -> None:
        self._watch = watch
        self._listener = listener

    def close(self) -> None:
        self._watch.discard(self._listener)
