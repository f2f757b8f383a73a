"""A command-line process that asks for one connection's token many times at once, on the command line's road
(`cli.store.run_operation`: this home's store joined with its workspace's):

    python -m tests.cli.token_child NAME COUNT       (CONNMGR_HOME names the home)

It says "ready" once it has found NAME, waits for a line on stdin (so that several start asking together), then
asks COUNT times at once and prints the access tokens it was handed, as a JSON list.
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

from connmgr.cli.store import run_operation
from connmgr.services.connections import Connections
from connmgr.storage import prepare_home


async def _ask(connections: Connections, name: str, count: int) -> list[str]:
    await connections.store.get(name)  # the workspace reached and its key opened before the others are told
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    return list(await asyncio.gather(*(connections.access_token(name) for _ in range(count))))


if __name__ == "__main__":
    home = prepare_home(Path(os.environ["CONNMGR_HOME"])).path
    print(json.dumps(run_operation(lambda c: _ask(c, sys.argv[1], int(sys.argv[2])), home)), flush=True)
