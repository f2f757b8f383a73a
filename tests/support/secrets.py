"""Looking for secrets in what a test captured, without a failing assertion printing them."""

from __future__ import annotations

from collections.abc import Iterable


def leaked(secrets: Iterable[str], text: str, *, prefixes: Iterable[str] = ()) -> list[str]:
    """The secrets found in `text`, each by its first six characters only: a failure message must not carry one.

    `prefixes`: how secrets that went unrecorded would begin (a simulator's "vrtoken-", a JWT's "eyJ"), each
    reported when found."""
    return [secret[:6] + "…" for secret in secrets if secret and secret in text] + [p for p in prefixes if p in text]
