"""What a check of a connection found: the vendor's who-am-I answer as a person reads it, and as the audit log
keeps it (never a secret: the vendor's words are scrubbed and clipped, and the identity is the account shown
anyway)."""

from __future__ import annotations

from dataclasses import dataclass

from connmgr.domain.errors import clip
from connmgr.domain.health import iso_utc


@dataclass(frozen=True)
class CheckResult:
    at: float  # epoch seconds, when the vendor answered
    status: int  # the who-am-I answer's HTTP status
    elapsed_ms: int  # how long the vendor took to answer
    identity: str | None  # the account the vendor named; None: it refused the token
    words: str = ""  # what the vendor said as it refused

    @property
    def refused(self) -> bool:
        return self.identity is None

    @property
    def summary(self) -> str:
        """One line: "HTTP 200 in 35 ms, as alice@example.com", or "HTTP 401 in 35 ms, refused: “…”"."""
        timed = f"HTTP {self.status} in {self.elapsed_ms} ms"
        if self.identity is None:
            return f"{timed}, refused: “{clip(self.words)}”"
        return f"{timed}, as {clip(self.identity)}"

    def as_json(self) -> dict[str, object]:
        return {
            "checked_at": iso_utc(self.at),
            "http_status": self.status,
            "elapsed_ms": self.elapsed_ms,
            "identity": self.identity,
            "refused": clip(self.words) if self.refused else None,
        }
