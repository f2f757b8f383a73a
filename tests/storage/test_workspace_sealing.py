"""A workspace seals as the local store does for now: under a data key, fetched off the event loop once."""

from __future__ import annotations

import threading
from pathlib import Path

from connmgr.storage.workspace import DataKeySealing, WorkspaceAddress, WorkspaceStore
from tests.storage.fakes import FixedDataKey
from tests.storage.samples import connection, secrets
from tests.storage.workspaces import Workspaces
from tests.support.postgres_server import PostgresServer


class CountedKey(FixedDataKey):
    def __init__(self, home: Path) -> None:
        super().__init__(home)
        self.loaded_on: list[int] = []

    def load(self) -> bytes | None:
        self.loaded_on.append(threading.get_ident())
        return super().load()


async def test_a_data_key_from_its_source_seals_what_the_same_key_opens(
    postgres: PostgresServer, workspace_database: str, workspaces: Workspaces, home: Path
) -> None:
    uri = postgres.uri(workspace_database)
    keys = CountedKey(home)
    with WorkspaceStore(WorkspaceAddress.parse(uri), DataKeySealing(keys)) as store:
        await store.save(connection("Acme"), secrets("Acme"))
        await store.save(connection("Zeta"), secrets("Zeta"))
        assert await store.read("Zeta") == (connection("Zeta"), secrets("Zeta"))
    assert len(keys.loaded_on) == 1 and keys.loaded_on[0] != threading.get_ident()  # once, not on the loop
    assert await workspaces.open(uri).read("Acme") == (connection("Acme"), secrets("Acme"))  # the key's codec
