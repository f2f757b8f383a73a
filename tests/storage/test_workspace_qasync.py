"""The workspace store on the window's event loop (qasync's, driven by Qt's): psycopg's async connections need a
loop with `add_reader`, which qasync's selector loop gives through QSocketNotifier; a save, and a change another
process made, heard through LISTEN, both arrive while only Qt's event loop runs."""

from __future__ import annotations

import asyncio
import subprocess
import sys

import qasync

from connmgr.storage.interface import Change
from tests.storage.contract.child import PROJECT_ROOT
from tests.storage.samples import connection, secrets
from tests.storage.workspaces import Workspaces
from tests.support.postgres_server import PostgresServer

TIMEOUT_MS = 30_000


def another_process_saves(uri: str, name: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tests.storage.contract.child", "postgres", uri],
        input=f"save {name}\n", capture_output=True, text=True, cwd=PROJECT_ROOT, timeout=60, check=True,
    )  # fmt: skip
    return done.stdout.strip()


def test_a_save_and_another_processs_change_on_the_qasync_loop(
    qtbot, qasync_loop: qasync.QEventLoop, postgres: PostgresServer, workspace_database: str, workspaces: Workspaces
) -> None:
    assert isinstance(qasync_loop, asyncio.SelectorEventLoop)  # what psycopg needs (a proactor loop lacks readers)
    uri = postgres.uri(workspace_database)

    async def scenario() -> None:
        assert asyncio.get_running_loop() is qasync_loop
        store = workspaces.open(uri)
        heard: asyncio.Queue[Change] = asyncio.Queue()
        store.subscribe(heard.put_nowait)
        await store.save(connection("Acme"), secrets("Acme"))
        assert heard.get_nowait() == Change(None, connection("Acme"))
        assert await store.read("Acme") == (connection("Acme"), secrets("Acme"))

        assert await asyncio.to_thread(another_process_saves, uri, "Zeta") == "saved"
        assert await asyncio.wait_for(heard.get(), TIMEOUT_MS / 1000) == Change(None, connection("Zeta"))

    asyncio.events._set_running_loop(qasync_loop)
    asyncio.set_event_loop(qasync_loop)
    try:
        task = asyncio.ensure_future(scenario())
        qtbot.waitUntil(task.done, timeout=TIMEOUT_MS)  # Qt's event loop runs; asyncio's is qasync's inside it
        task.result()
    finally:
        asyncio.events._set_running_loop(None)
        asyncio.set_event_loop(None)
