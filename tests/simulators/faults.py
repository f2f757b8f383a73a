"""Canned failures queued per path, for retry and robustness tests."""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from tests.simulators.wire import Response


@dataclass(frozen=True)
class Fault:
    status: int | None  # None: drop the connection without answering
    body: bytes = b""
    content_type: str = "text/html"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def respond(self, stopping: threading.Event) -> Response | None:
        """The canned response, or None to drop the connection."""
        # Waiting on the stop event rather than sleeping lets stop() cut a long delay short.
        if self.delay and stopping.wait(self.delay):
            return None
        if self.status is None:
            return None
        return Response(self.status, self.body, self.content_type, dict(self.headers))


class FaultPlan:
    """Faults waiting for their path; each one answers exactly one request."""

    def __init__(self) -> None:
        self._queues: dict[str, deque[Fault]] = {}
        self._lock = threading.Lock()

    def add(self, path: str, fault: Fault, times: int) -> None:
        if times < 1:
            raise ValueError("times must be at least 1")
        with self._lock:
            self._queues.setdefault(path, deque()).extend([fault] * times)

    def take(self, path: str) -> Fault | None:
        with self._lock:
            queue = self._queues.get(path)
            return queue.popleft() if queue else None
