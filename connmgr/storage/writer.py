"""The store's writer thread: queued write transactions, committed in groups.

Why a thread: a commit waits for its fsync (synchronous=FULL), which now and then takes a hundred milliseconds or
more, and on the window's event loop that is a frozen window. Why groups: whatever queued while one commit was on
its way is committed with the next, so one fsync serves all of it. A job's future is done only once the commit
that holds its changes is on disk.

A job may also ask the writer to hold its group back for a moment, when the caller knows that more are on their
way (many refreshes at once): each time the writer wakes it takes the GIL from the event loop's thread, which
costs that thread more than the commit's own work, so waking once for a whole group is what keeps saving cheap.
(Each job's result still goes back to its caller on its own.)
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

if TYPE_CHECKING:
    from concurrent.futures import Future

T = TypeVar("T")


class _Job(NamedTuple):
    work: Callable[[], Any]
    future: Future[Any]
    gather_s: float


class GroupWriter:
    """Runs jobs in `transaction()` on a thread of its own, started with the first job."""

    def __init__(
        self,
        transaction: Callable[[], AbstractContextManager[None]],
        closed_error: Callable[[], Exception],
        *,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._transaction = transaction
        self._closed_error = closed_error
        self._sleep = sleep
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._closed = False

    def submit(self, work: Callable[[], T], gather_s: float = 0.0) -> Future[T]:
        """`work`'s outcome, once committed; the writer first waits `gather_s` for other jobs to join its group."""
        from concurrent.futures import Future  # not at the top: the window imports the store before it paints

        future: Future[T] = Future()
        future.set_running_or_notify_cancel()  # so it cannot be cancelled: what it saves must not be lost
        with self._lock:
            if self._closed:
                future.set_exception(self._closed_error())
                return future
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="connmgr-store-writer", daemon=True)
                self._thread.start()
            self._queue.put(_Job(work, future, gather_s))
        return future

    def close(self) -> None:
        """Commit what is queued, then end the thread."""
        with self._lock:
            self._closed = True
            thread = self._thread
        if thread is not None:
            self._queue.put(None)  # after every job: nothing is queued once closed
            thread.join()

    def _run(self) -> None:
        ending = False
        while not ending:
            first = self._queue.get()
            if first is not None and first.gather_s > 0:
                self._sleep(first.gather_s)  # not waiting on the queue: each arrival would wake this thread
            group = [first]
            while True:
                try:
                    group.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            ending = None in group
            self._commit([job for job in group if job is not None])

    def _commit(self, group: list[_Job]) -> None:
        """The group's jobs in one transaction. A job that raises gets its error, and the others, rolled back with
        it, run again without it; an error beginning or committing the transaction is every job's."""
        while group:
            results: list[Any] = []
            failing: _Job | None = None
            try:
                with self._transaction():
                    for job in group:
                        failing = job
                        results.append(job.work())
                    failing = None
            except BaseException as error:  # even a BaseException: a job left waiting would never end
                if failing is None:
                    for job in group:
                        job.future.set_exception(error)
                    return
                failing.future.set_exception(error)
                group = [job for job in group if job is not failing]
                continue
            for job, result in zip(group, results, strict=True):
                job.future.set_result(result)
            return
