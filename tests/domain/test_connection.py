"""A connection's own rules: how long its token has left, which tokens it holds, what is kept secret of them."""

from __future__ import annotations

from dataclasses import replace

from connmgr.domain.connection import Connection, Secrets, Status, secrets_of, tokens_of
from connmgr.domain.tokens import TokenSet

T0 = 1_700_000_000.0
CONNECTION = Connection("1", "Workplace", "ioffice", "authorization_code", {}, issued_at=T0, expires_at=T0 + 600)


def test_remaining_counts_down_past_zero_and_is_none_for_a_token_that_never_expires():
    assert CONNECTION.remaining(T0 + 100) == 500
    assert CONNECTION.remaining(T0 + 700) == -100
    assert replace(CONNECTION, expires_at=None).remaining(T0) is None


def test_the_generation_changes_with_new_tokens_only():
    fresh = TokenSet("A1", refresh_token="R1", issued_at=T0 + 600, expires_at=T0 + 1200)
    refreshed = CONNECTION.with_tokens(fresh, now=T0 + 600)
    assert refreshed.generation != CONNECTION.generation
    relabelled = replace(CONNECTION, account="someone else", status=Status.NEEDS_SIGN_IN, status_detail="why")
    assert relabelled.generation == CONNECTION.generation


def test_what_is_kept_secret_of_tokens_comes_back_as_the_same_tokens():
    tokens = TokenSet("A", refresh_token="R", id_token="I", issued_at=T0, expires_at=T0 + 600)
    secrets = secrets_of(tokens, {"client_secret": "S"})
    assert secrets == Secrets("A", "R", "I", {"client_secret": "S"})
    assert tokens_of(CONNECTION, secrets) == tokens
