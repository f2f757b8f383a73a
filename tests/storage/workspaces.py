"""Workspace stores over the tests' PostgreSQL server, sealed with the fixed data key, closed after the test."""

from __future__ import annotations

from connmgr.storage.sealing import DataKeyCodec
from connmgr.storage.workspace import CodecSealing, WorkspaceAddress, WorkspaceStore
from connmgr.storage.workspace.password import Prompt
from tests.storage.fakes import FixedDataKey


class Workspaces:
    def __init__(self) -> None:
        self.opened: list[WorkspaceStore] = []

    def open(self, uri: str, *, prompt: Prompt | None = None) -> WorkspaceStore:
        store = WorkspaceStore(
            WorkspaceAddress.parse(uri), CodecSealing(DataKeyCodec(FixedDataKey.KEY)), prompt=prompt
        )
        self.opened.append(store)
        return store

    def close_all(self) -> None:
        while self.opened:
            self.opened.pop().close()
