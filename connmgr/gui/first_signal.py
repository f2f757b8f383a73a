"""Awaiting a Qt signal from a coroutine: a future on the running loop that the first signal to arrive settles.

Later ones are ignored (a dialog that finishes after its answer came, a page that loads twice): a future settled
twice would raise inside Qt's signal delivery.
"""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class FirstSignal(Generic[T]):
    def __init__(self) -> None:
        self.future: asyncio.Future[T] = asyncio.get_running_loop().create_future()

    def set(self, value: T) -> None:
        if not self.future.done():
            self.future.set_result(value)

    def fail(self, error: BaseException) -> None:
        if not self.future.done():
            self.future.set_exception(error)

    def __await__(self) -> Generator[Any, None, T]:
        return self.future.__await__()
