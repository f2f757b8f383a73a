"""One generation of a workspace's key. Without `cryptography`: a store holds one before it seals anything, and
the window lists connections before its first paint without loading that library."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

WORKSPACE_KEY_BYTES = 32
MAX_GENERATION = 2**32 - 1  # a generation is stored in 4 bytes


@dataclass(frozen=True)
class WorkspaceKey:
    """One generation of a workspace's key: 1 when the workspace is created, one more at each rotation."""

    generation: int
    key: bytes = field(repr=False)

    def __post_init__(self) -> None:
        if len(self.key) != WORKSPACE_KEY_BYTES or not 1 <= self.generation <= MAX_GENERATION:
            raise ValueError(f"a workspace key has 32 bytes and a generation from 1 to {MAX_GENERATION}")

    @classmethod
    def first(cls) -> WorkspaceKey:
        return cls(1, os.urandom(WORKSPACE_KEY_BYTES))

    def next(self) -> WorkspaceKey:
        """A new random key of the following generation."""
        return WorkspaceKey(self.generation + 1, os.urandom(WORKSPACE_KEY_BYTES))
