"""One lock per connection that every process on the same home respects: an OS lock on a file in the home.

Why not the database's write lock: a refresh holds this across a network call that may take a minute with its
retries, and a SQLite write transaction held that long would stall every save of every process (and fail them
after the busy timeout). Why a file lock: the OS lets it go when its process dies, however it dies, so a killed
refresh never leaves its connection locked. Lock files are empty and stay, one per connection ever refreshed:
deleting one while another process waits on it would hand out the lock twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import os
import sys
from collections.abc import AsyncIterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path

from connmgr.storage.database import reported_as_storage_errors
from connmgr.storage.home import LOCKS_DIR

if sys.platform == "win32":
    import msvcrt
else:
    import fcntl

# Waits get threads of their own: a wait can last minutes, and must not hold up keyring calls on asyncio's executor.
_WAITERS = ThreadPoolExecutor(max_workers=32, thread_name_prefix="connmgr-lock-wait")


@asynccontextmanager
async def connection_lock(home: Path, connection_id: str, *, wait: bool = True) -> AsyncIterator[bool]:
    """Hold the connection's lock for the block, waiting (off the loop's thread) while another holder has it; the
    block gets True. Without `wait`, a lock held elsewhere is not waited for: the block gets False, holding
    nothing."""
    with reported_as_storage_errors(home):
        fd = _open(os.path.join(home, LOCKS_DIR), f"{connection_id}.lock")
        try:
            taken = _try_acquire(fd)
        except BaseException:
            _release(fd)
            raise
    if not taken and not wait:
        _release(fd)
        yield False
        return
    if not taken:
        waiting = asyncio.get_running_loop().run_in_executor(_WAITERS, _acquire, fd)
        try:
            with reported_as_storage_errors(home):
                await asyncio.shield(waiting)
        except BaseException:
            # A waiting thread cannot be stopped: once it is done, closing the descriptor lets go of what it took.
            waiting.add_done_callback(lambda _: _release(fd))
            raise
    try:
        yield True
    finally:
        _release(fd)


def _open(folder: str, name: str) -> int:
    """The lock file's descriptor; the folder is made only when missing (a mkdir per refresh costs the loop)."""
    path = os.path.join(folder, name)
    try:
        return os.open(path, os.O_RDWR)
    except FileNotFoundError:
        with contextlib.suppress(FileExistsError):  # another refresh made it meanwhile
            os.mkdir(folder, 0o700)
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def _try_acquire(fd: int) -> bool:
    """Take the lock if it is free; False if another holder has it."""
    try:
        if sys.platform == "win32":
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        else:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        if exc.errno in (errno.EAGAIN, errno.EACCES, errno.EDEADLOCK):
            return False
        raise
    return True


def _acquire(fd: int) -> None:
    if sys.platform == "win32":
        while True:
            try:
                msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # gives up after ten one-second tries: wait on, as flock does
                return
            except OSError as exc:
                if exc.errno != errno.EDEADLOCK:
                    raise
    else:
        fcntl.flock(fd, fcntl.LOCK_EX)


def _release(fd: int) -> None:
    if sys.platform == "win32":
        with contextlib.suppress(OSError):  # not held (the wait failed): closing is all there is to do
            os.lseek(fd, 0, os.SEEK_SET)
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
    os.close(fd)  # closing drops a flock
