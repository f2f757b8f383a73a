"""Quitting on SIGTERM and SIGINT (a session logging out, Ctrl+C in a terminal) the way Quit does: the refresh in
flight reaches its save and the clipboard is cleared, instead of the process dying wherever it stood.

Python runs a signal handler only when it next runs Python code, which under Qt's event loop may be a second
later; the wake-up file descriptor makes the signal an event the loop sees at once.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from collections.abc import Callable, Iterator
from contextlib import contextmanager

QUIT_SIGNALS = (signal.SIGTERM, signal.SIGINT)


@contextmanager
def quitting_on_signals(loop: asyncio.AbstractEventLoop, quit_: Callable[[], None]) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT call `quit_` on `loop` (POSIX; elsewhere this does nothing)."""
    if not hasattr(signal, "set_wakeup_fd") or not hasattr(socket, "socketpair"):
        yield
        return
    receiver, sender = socket.socketpair()
    for end in (receiver, sender):
        end.setblocking(False)

    def on_wake() -> None:
        received = receiver.recv(64)  # one byte per signal, each its number
        if any(number in QUIT_SIGNALS for number in received):
            quit_()

    previous_fd = signal.set_wakeup_fd(sender.fileno(), warn_on_full_buffer=False)
    previous = {number: signal.signal(number, lambda *_: None) for number in QUIT_SIGNALS}
    loop.add_reader(receiver.fileno(), on_wake)
    try:
        yield
    finally:
        loop.remove_reader(receiver.fileno())
        for number, handler in previous.items():
            signal.signal(number, handler)
        signal.set_wakeup_fd(previous_fd)
        receiver.close()
        sender.close()
