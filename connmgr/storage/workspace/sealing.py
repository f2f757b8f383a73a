"""What seals a workspace's secrets, handed to the store as one object so that it can be swapped: today one
device's data key (as the local store seals), next the workspace key shared by its members. The database only
ever holds the envelopes (`storage.sealing`), bound to each connection's id and settings."""

from __future__ import annotations

import asyncio
from typing import Protocol

from connmgr.storage.datakey import DataKeySource
from connmgr.storage.sealing import DataKeyCodec, SecretCodec


class Sealing(Protocol):
    async def codec(self) -> SecretCodec:
        """The codec, its key fetched first if need be (off the event loop: a keyring may prompt)."""


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


class CodecSealing:
    """A codec already at hand."""

    def __init__(self, codec: SecretCodec) -> None:
        self._codec = codec

    async def codec(self) -> SecretCodec:
        return self._codec
