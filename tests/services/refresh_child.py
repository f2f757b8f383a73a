"""Child process for the cross-process and kill tests: refreshes one connection when told to.

    CONNMGR_TEST_PAUSE_AT=answered python -m tests.services.refresh_child HOME NAME

It reads the connection's stored state (the state it will judge stale), prints `ready` and waits for a line on
stdin, so that two children can start from the same state. During the refresh it prints `at POINT` at each of the
refresher's checkpoints; at the one CONNMGR_TEST_PAUSE_AT names it prints `paused POINT` and waits for another
line on stdin (or for the parent's SIGKILL). It ends by printing `done` and a digest of the access token it got.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import sys
from pathlib import Path

from connmgr.oauth.client import OAuthClient
from connmgr.services import refresher
from connmgr.services.connections import Connections
from connmgr.storage import LocalStore
from connmgr.templates import load_catalog
from tests.storage.fakes import FixedDataKey

PAUSE_VARIABLE = "CONNMGR_TEST_PAUSE_AT"


def digest(token: str | None) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()[:16]


def pause_at(point: str | None):
    def checkpoint(name: str) -> None:
        print("at", name, flush=True)
        if name == point:
            print("paused", name, flush=True)
            sys.stdin.readline()  # blocks the whole process, loop and all, as a frozen process would be

    return checkpoint


async def main(home: Path, name: str) -> None:
    refresher.checkpoint = pause_at(os.environ.get(PAUSE_VARIABLE))
    with LocalStore(home, FixedDataKey(home)) as store:
        async with OAuthClient() as client:
            connections = Connections(store, load_catalog().catalog, client)
            basis = await store.get(name)
            print("ready", flush=True)
            await asyncio.to_thread(sys.stdin.readline)
            _, secrets = await connections.refresher.refresh(name, basis=basis)
            print("done", digest(secrets.access_token), flush=True)


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
