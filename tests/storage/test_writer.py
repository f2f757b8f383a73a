"""The store's writer thread: jobs committed in groups, each future done only once its commit is.

A fake transaction records what the writer does; jobs that block on events hold the writer where a test needs it,
so no test depends on timing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager

import pytest

from connmgr.storage.writer import GroupWriter

WAIT_S = 30.0  # a bound on waits for the writer thread, which never comes near it unless something is broken


class Closed(Exception):
    pass


class Recorder:
    """A transaction that notes begin / commit / rollback beside what the jobs note."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.commit_fails: Exception | None = None
        self.committing = threading.Event()  # set: a commit has begun
        self.let_commit = threading.Event()
        self.let_commit.set()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        self.log.append("begin")
        try:
            yield
        except BaseException:
            self.log.append("rollback")
            raise
        self.committing.set()
        assert self.let_commit.wait(WAIT_S)
        if self.commit_fails is not None:
            self.log.append("commit failed")
            raise self.commit_fails
        self.log.append("commit")

    def job(self, name: str) -> Callable[[], object]:
        def work() -> object:
            self.log.append(name)
            return name

        return work


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def writer(recorder: Recorder) -> Iterator[GroupWriter]:
    opened = GroupWriter(recorder.transaction, Closed)
    yield opened
    opened.close()


def hold(writer: GroupWriter, recorder: Recorder) -> tuple[Future[object], threading.Event]:
    """A job that keeps the writer busy until the returned event is set."""
    running, release = threading.Event(), threading.Event()

    def blocking() -> str:
        recorder.log.append("held")
        running.set()
        assert release.wait(WAIT_S)
        return "held"

    future = writer.submit(blocking)
    assert running.wait(WAIT_S)
    return future, release


def test_jobs_queued_during_a_commit_share_the_next_one(writer: GroupWriter, recorder: Recorder) -> None:
    held, release = hold(writer, recorder)
    queued = [writer.submit(recorder.job(name)) for name in ("a", "b", "c")]
    release.set()

    assert [f.result(WAIT_S) for f in (held, *queued)] == ["held", "a", "b", "c"]
    assert recorder.log == ["begin", "held", "commit", "begin", "a", "b", "c", "commit"]


def test_a_future_is_done_only_once_its_commit_is(writer: GroupWriter, recorder: Recorder) -> None:
    recorder.let_commit.clear()
    future = writer.submit(recorder.job("a"))
    assert recorder.committing.wait(WAIT_S)  # the job ran; its commit is on its way

    assert not future.done()
    recorder.let_commit.set()
    assert future.result(WAIT_S) == "a"


def test_a_failing_job_gets_its_error_and_the_others_commit_without_it(writer: GroupWriter, recorder: Recorder) -> None:
    def failing() -> None:
        recorder.log.append("bad")
        raise ValueError("bad job")

    held, release = hold(writer, recorder)
    first, bad, last = writer.submit(recorder.job("a")), writer.submit(failing), writer.submit(recorder.job("b"))
    release.set()

    with pytest.raises(ValueError, match="bad job"):
        bad.result(WAIT_S)
    assert (first.result(WAIT_S), last.result(WAIT_S), held.result(WAIT_S)) == ("a", "b", "held")
    # Rolled back with the bad one, then run again without it: what commits is only what the good ones wrote.
    assert recorder.log[3:] == ["begin", "a", "bad", "rollback", "begin", "a", "b", "commit"]


def test_a_failed_commit_is_the_error_of_every_job_in_it(writer: GroupWriter, recorder: Recorder) -> None:
    held, release = hold(writer, recorder)
    queued = [writer.submit(recorder.job(name)) for name in ("a", "b")]
    recorder.commit_fails = OSError("disk full")
    release.set()

    for future in (held, *queued):
        with pytest.raises(OSError, match="disk full"):
            future.result(WAIT_S)


def test_a_queued_job_cannot_be_cancelled(writer: GroupWriter, recorder: Recorder) -> None:
    _, release = hold(writer, recorder)
    queued = writer.submit(recorder.job("a"))

    assert not queued.cancel()  # what it saves (a rotated token) exists nowhere else
    release.set()
    assert queued.result(WAIT_S) == "a"


def test_close_commits_what_is_queued_then_refuses_more(writer: GroupWriter, recorder: Recorder) -> None:
    _, release = hold(writer, recorder)
    queued = writer.submit(recorder.job("a"))
    closing = threading.Thread(target=writer.close)
    closing.start()
    release.set()
    closing.join(WAIT_S)

    assert not closing.is_alive()
    assert queued.done() and queued.result() == "a"
    with pytest.raises(Closed):
        writer.submit(recorder.job("late")).result(WAIT_S)
    assert "late" not in recorder.log


def test_a_job_may_hold_its_group_back_for_others_on_their_way(recorder: Recorder) -> None:
    asked: list[float] = []
    others_queued = threading.Event()

    def sleep(seconds: float) -> None:  # stands for the wait: it ends once the others are queued
        asked.append(seconds)
        assert others_queued.wait(WAIT_S)

    writer = GroupWriter(recorder.transaction, Closed, sleep=sleep)
    try:
        first = writer.submit(recorder.job("a"), gather_s=0.25)
        rest = [writer.submit(recorder.job(name)) for name in ("b", "c")]
        others_queued.set()
        assert [f.result(WAIT_S) for f in (first, *rest)] == ["a", "b", "c"]
        lone = writer.submit(recorder.job("d"))  # no gathering asked: committed at once
        assert lone.result(WAIT_S) == "d"
    finally:
        writer.close()

    assert asked == [0.25]
    assert recorder.log == ["begin", "a", "b", "c", "commit", "begin", "d", "commit"]
