"""Another process using the same store: it does what its parent tells it, one line at a time, and says when done.

    python -m tests.storage.contract.child BACKEND LOCATION

Commands on stdin, answers on stdout:
    hold NAME        takes NAME's lock (waiting for it); answers "held", then holds it until the next line, and
                     answers "released" once it has let go
    try NAME         answers "held" or "busy" as `try_locked` found it; if held, as `hold`
    save NAME        saves the sample connection NAME (tests.storage.samples); answers "saved"
    rename OLD NEW   answers "renamed"
    remove NAME      answers "removed"
A failure is answered "failed " and the error's sentence. The child ends when stdin closes.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

from connmgr.domain.errors import ConnmgrError
from tests.storage.contract.backends import BACKENDS
from tests.storage.samples import connection, secrets

PROJECT_ROOT = Path(__file__).resolve().parents[3]
ANSWER_TIMEOUT_S = 60.0  # a child that never answers fails the test rather than hanging it


class StoreChild:
    """The parent's end: a child process over the same store."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process

    @classmethod
    async def start(cls, backend: str, location: str) -> StoreChild:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "tests.storage.contract.child", backend, location,
            cwd=PROJECT_ROOT, env=dict(os.environ), stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        )  # fmt: skip
        return cls(process)

    async def ask(self, line: str) -> str:
        """Send one command; the child's answer."""
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()
        answer = await asyncio.wait_for(self.process.stdout.readline(), ANSWER_TIMEOUT_S)
        assert answer, f"the child ended instead of answering {line!r}"
        return answer.decode().strip()

    async def go_on(self) -> None:
        """Let go of the lock it holds; returns once it has."""
        assert await self.ask("") == "released"

    async def finish(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.close()
        assert await asyncio.wait_for(self.process.wait(), ANSWER_TIMEOUT_S) == 0


async def _serve(backend: str, location: str) -> None:
    kind = BACKENDS[backend]
    store = kind.open_in_child(location)

    async def next_line() -> str:
        return await asyncio.to_thread(sys.stdin.readline)  # the loop runs on meanwhile; "" once stdin closes

    def say(text: str) -> None:
        print(text, flush=True)

    try:
        while line := await next_line():
            command, *words = line.split()
            try:
                if command in ("hold", "try"):
                    held = await store.get(words[0])
                    lock = store.locked(held) if command == "hold" else store.try_locked(held)
                    async with lock as handle:
                        say("busy" if handle is None else "held")
                        if handle is not None:
                            await next_line()
                    if handle is not None:
                        say("released")
                elif command == "save":
                    await store.save(connection(words[0]), secrets(words[0]))
                    say("saved")
                elif command == "rename":
                    await store.rename(words[0], words[1], updated_at=1.0)
                    say("renamed")
                elif command == "remove":
                    await store.remove(words[0])
                    say("removed")
            except ConnmgrError as error:
                say(f"failed {error.sentence}")
    finally:
        kind.close_in_child(store)


if __name__ == "__main__":
    asyncio.run(_serve(sys.argv[1], sys.argv[2]))
