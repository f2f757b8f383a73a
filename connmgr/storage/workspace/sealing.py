"""What seals a workspace's secrets, handed to the store as one object so that it can be swapped: today one
device's data key (as the local store seals), next the workspace key shared by its members. The database only
ever holds the envelopes (`storage.sealing`), bound to each connection's id and settings."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Protocol

from connmgr.storage.datakey import DataKeySource
from connmgr.storage.members.workspacekey import WorkspaceKey
from connmgr.storage.sealing import DataKeyCodec, SecretCodec


class Sealing(Protocol):
    async def codec(self) -> SecretCodec:
        """The codec, its key fetched first if need be (off the event loop: a keyring may prompt)."""

    def stale(self, envelope: bytes) -> bool:
        """Whether `envelope` was sealed under a newer key than the codec's."""

    def forget(self) -> None:
        """The key changed: fetched again when next needed."""


class DataKeySealing:
    """Sealed under a data key from `keys` (made on first use if it has none)."""

    def __init__(self, keys: DataKeySource) -> None:
        self._keys = keys
        self._codec: SecretCodec | None = None

    async def codec(self) -> SecretCodec:
        if self._codec is None:
            key = await asyncio.to_thread(lambda: self._keys.load() or self._keys.create())
            self._codec = DataKeyCodec(key)
        return self._codec

    def stale(self, envelope: bytes) -> bool:
        return False  # one data key, never rotated

    def forget(self) -> None:
        self._codec = None


class CodecSealing:
    """A codec already at hand."""

    def __init__(self, codec: SecretCodec) -> None:
        self._codec = codec

    async def codec(self) -> SecretCodec:
        return self._codec

    def stale(self, envelope: bytes) -> bool:
        return False

    def forget(self) -> None:
        pass  # nothing to fetch again


class WorkspaceKeySealing:
    """Sealed under the workspace key, unwrapped on this device by `open_key` (the workspace's id and the key in
    use) when first needed, and again after a rotation."""

    def __init__(self, open_key: Callable[[], Awaitable[tuple[str, WorkspaceKey]]]) -> None:
        self._open_key = open_key
        self._codec: SecretCodec | None = None

    async def codec(self) -> SecretCodec:
        if self._codec is None:
            from connmgr.storage.members.codec import WorkspaceCodec

            workspace_id, key = await self._open_key()
            self._codec = WorkspaceCodec(workspace_id, key)
        return self._codec

    def stale(self, envelope: bytes) -> bool:
        from connmgr.storage.envelope import EnvelopeUnreadable
        from connmgr.storage.members.codec import WorkspaceCodec, generation_of

        if not isinstance(self._codec, WorkspaceCodec):
            return False
        try:
            return generation_of(envelope) > self._codec.generation
        except EnvelopeUnreadable:
            return False  # said as unreadable when opened

    def forget(self) -> None:
        self._codec = None
