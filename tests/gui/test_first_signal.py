"""A Qt signal awaited from a coroutine: the first one to arrive is the answer, later ones change nothing."""

from __future__ import annotations

import asyncio

import pytest
from PySide6.QtCore import QObject, Signal

from connmgr.gui.first_signal import FirstSignal


class Page(QObject):
    loaded = Signal(str)
    failed = Signal(str)


def test_the_first_signal_is_the_answer(qapp):
    async def first_of_two() -> str:
        page = Page()
        answer = FirstSignal[str]()
        page.loaded.connect(answer.set)
        page.failed.connect(lambda sentence: answer.fail(RuntimeError(sentence)))
        page.loaded.emit("first")
        page.loaded.emit("second")
        page.failed.emit("too late")
        return await answer

    assert asyncio.run(first_of_two()) == "first"


def test_a_failure_that_comes_first_is_raised(qapp):
    async def failed_then_loaded() -> str:
        page = Page()
        answer = FirstSignal[str]()
        page.loaded.connect(answer.set)
        page.failed.connect(lambda sentence: answer.fail(RuntimeError(sentence)))
        page.failed.emit("the page did not load")
        page.loaded.emit("late")
        return await answer

    with pytest.raises(RuntimeError, match="the page did not load"):
        asyncio.run(failed_then_loaded())
