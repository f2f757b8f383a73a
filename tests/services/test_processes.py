"""Refreshes in other processes: two at once make one request; one killed at any point breaks nothing silently.

The children (refresh_child.py) share the home and its fixed data key, and talk to the simulator this process
runs. They say where they are on stdout and wait on stdin where told to, so the test never sleeps to wait.
"""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest

from connmgr.domain.connection import Status
from connmgr.domain.errors import GrantError
from tests.services.refresh_child import PAUSE_VARIABLE, digest
from tests.simulators.ioffice import TOKEN_PATH
from tests.support.refreshing import connect_ioffice

PROJECT_ROOT = Path(__file__).resolve().parents[2]
WORD_TIMEOUT_S = 60.0  # a child that never says the expected word fails the test rather than hanging it


class Child:
    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.lines: list[str] = []

    @classmethod
    async def start(cls, home: Path, name: str, *, pause_at: str | None = None) -> Child:
        env = {k: v for k, v in os.environ.items() if k != PAUSE_VARIABLE} | (
            {PAUSE_VARIABLE: pause_at} if pause_at else {}
        )
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "tests.services.refresh_child",
            str(home),
            name,
            cwd=PROJECT_ROOT,
            env=env,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        child = cls(process)
        await child.expect("ready")
        return child

    async def expect(self, word: str) -> str:
        """Read the child's lines up to the one starting with `word`."""
        assert self.process.stdout is not None
        while True:
            raw = await asyncio.wait_for(self.process.stdout.readline(), WORD_TIMEOUT_S)
            assert raw, f"the child ended without saying {word!r}; it said {self.lines}"
            line = raw.decode().strip()
            self.lines.append(line)
            if line.startswith(word):
                return line

    def go_on(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(b"\n")

    async def finish(self) -> str:
        """The digest of the access token the child ended with."""
        done = await self.expect("done")
        assert await self.process.wait() == 0
        return done.split()[1]

    async def kill(self) -> None:
        self.process.kill()  # SIGKILL: no clean-up of any kind
        await self.process.wait()


async def test_two_processes_refreshing_at_once_make_one_request(home, connections, ioffice_sim):
    sim, store = ioffice_sim.sim, connections.store
    await connect_ioffice(connections, ioffice_sim, "Acme")
    before = len(sim.requests_to(TOKEN_PATH))
    first, second = await asyncio.gather(Child.start(home, "Acme", pause_at="sending"), Child.start(home, "Acme"))

    first.go_on()
    await first.expect("paused sending")  # holds the lock, has read the refresh token, has sent nothing
    second.go_on()
    await second.expect("at locking")  # about to wait for the lock the first one holds
    first.go_on()
    tokens = await asyncio.gather(first.finish(), second.finish())

    assert len(sim.requests_to(TOKEN_PATH)) - before == 1
    assert "at sending" not in second.lines  # it found the refresh done and asked nothing
    stored = store.database.secrets("Acme")
    assert tokens == [digest(stored.access_token)] * 2
    assert sim.refresh_tokens.find(stored.refresh_token) is not None
    assert (await connections.check("Acme")).identity == "alice@example.com"


@pytest.mark.parametrize(
    ("point", "outcome"),
    [
        ("locking", "works"),
        ("sending", "works"),
        ("answered", "needs sign-in"),  # the vendor rotated, and its answer died with the process
        ("saved", "works"),
    ],
)
async def test_a_refresh_killed_at_any_point_leaves_a_working_or_a_needs_sign_in_connection(
    home, connections, ioffice_sim, point, outcome
):
    sim, store = ioffice_sim.sim, connections.store
    await connect_ioffice(connections, ioffice_sim, "Acme")
    signed_in = store.database.secrets("Acme")
    child = await Child.start(home, "Acme", pause_at=point)
    child.go_on()
    await child.expect(f"paused {point}")
    await child.kill()
    assert (store.database.secrets("Acme") != signed_in) == (point == "saved")  # only a finished save changed anything

    try:
        refreshed = await connections.refresh("Acme")  # the lock died with the child: this does not wait
    except GrantError:
        assert store.database.get("Acme").status is Status.NEEDS_SIGN_IN
        found = "needs sign-in"
    else:
        assert refreshed.status is Status.CONNECTED
        assert sim.refresh_tokens.find(store.database.secrets("Acme").refresh_token) is not None
        assert (await connections.check("Acme")).identity == "alice@example.com"
        found = "works"
    assert found == outcome
