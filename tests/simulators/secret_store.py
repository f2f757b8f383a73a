"""Codes and tokens of one kind: issued, looked up, used once, expired or revoked."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass

from tests.simulators.clock import Clock
from tests.simulators.registry import Grant


@dataclass(frozen=True)
class _Entry:
    grant: Grant
    expires_at: float | None


class SecretStore:
    """Not thread-safe on its own: the simulator serialises request handling."""

    def __init__(self, clock: Clock, prefix: str, on_issue: Callable[[str], None]) -> None:
        self._clock = clock
        self._prefix = prefix  # tells codes from tokens at a glance in a failing test's output
        self._on_issue = on_issue
        self._entries: dict[str, _Entry] = {}

    def issue(self, grant: Grant, lifetime: float | None) -> str:
        """A new secret for `grant`, valid for `lifetime` seconds (None: until revoked)."""
        secret = f"{self._prefix}{secrets.token_urlsafe(24)}"
        expires_at = None if lifetime is None else self._clock.now() + lifetime
        self._entries[secret] = _Entry(grant, expires_at)
        self._on_issue(secret)
        return secret

    def find(self, secret: str) -> Grant | None:
        entry = self._entries.get(secret)
        return entry.grant if entry is not None and self._alive(entry) else None

    def take(self, secret: str) -> Grant | None:
        """Single use: the secret is gone afterwards, whether or not it was still valid."""
        entry = self._entries.pop(secret, None)
        return entry.grant if entry is not None and self._alive(entry) else None

    def revoke(self, secret: str) -> bool:
        return self._entries.pop(secret, None) is not None

    def _alive(self, entry: _Entry) -> bool:
        return entry.expires_at is None or self._clock.now() <= entry.expires_at
