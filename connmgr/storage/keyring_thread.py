"""The one thread that talks to the keyring, so that a hung keyring can hang neither its caller nor the exit."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import TypeVar

from connmgr.storage.errors import KeyringTimeout

T = TypeVar("T")


class KeyringThread:
    """Runs calls one at a time on a daemon thread; `call` waits at most `timeout` seconds for each.

    A locked Secret Service collection can block a call forever (its unlock prompt may never be answered). The
    thread is a daemon, so such a call does not keep the process alive at exit, and there is one thread rather
    than one per call, so retries queue behind the hung call instead of piling up threads.
    """

    def __init__(self, timeout: float) -> None:
        self.timeout = timeout
        self._jobs: queue.SimpleQueue[Callable[[], None]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def call(self, function: Callable[[], T]) -> T:
        future: Future[T] = Future()

        def job() -> None:
            if not future.set_running_or_notify_cancel():
                return  # its caller gave up while it waited in the queue
            try:
                result = function()
            except BaseException as exc:  # handed to the caller; the thread must live on
                future.set_exception(exc)
            else:
                future.set_result(result)

        self._jobs.put(job)
        self._ensure_started()
        try:
            return future.result(self.timeout)
        except TimeoutError:
            if future.done():
                raise  # the keyring call itself raised TimeoutError
            future.cancel()
            raise KeyringTimeout(self.timeout) from None

    def _ensure_started(self) -> None:
        with self._start_lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name="connmgr-keyring", daemon=True)
                self._thread.start()

    def _serve(self) -> None:
        while True:
            self._jobs.get()()
