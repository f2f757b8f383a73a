"""The workspace's connections as the window last saw them, kept in the home for a start while it is offline:
metadata only, private to its owner, and read back as hostile input (anything connmgr did not write is refused as a
whole, in one sentence)."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from connmgr.domain.sharing import LastKnown
from connmgr.storage.workspace.last_known import (
    LastKnownUnreadable,
    last_known_path,
    load_last_known,
    save_last_known,
)
from tests.storage.samples import connection


def saved(home: Path) -> dict:
    known = LastKnown("Support", (connection("Acme"), connection("Zeta")), {"id-Acme": "alice"})
    save_last_known(home, known)
    return json.loads(last_known_path(home).read_text())


def test_what_was_saved_is_read_back_and_private(home: Path) -> None:
    assert load_last_known(home) is None
    saved(home)
    assert stat.S_IMODE(os.stat(last_known_path(home)).st_mode) == 0o600
    assert load_last_known(home) == LastKnown("Support", (connection("Acme"), connection("Zeta")), {"id-Acme": "alice"})


@pytest.mark.parametrize(
    ("spoil", "reason"),
    [
        (lambda data: "not json {", "it is not JSON"),
        (lambda data: [], "its fields are not the expected ones"),
        (lambda data: {**data, "version": 2}, "its fields are not the expected ones"),
        (lambda data: {**data, "connections": {}}, "its workspace or connections are not what connmgr writes"),
        (lambda data: {**data, "connections": [{"id": "x"}]}, "a connection's fields are not the expected ones"),
        (lambda data: _row(data, id=7), "a connection's id is not what connmgr writes"),
        (lambda data: _row(data, expires_at="soon"), "a connection's expires_at is not what connmgr writes"),
        (lambda data: _row(data, created_at=float("nan")), "a connection's created_at is not what connmgr writes"),
        (lambda data: _row(data, has_refresh_token=True), "a connection's has_refresh_token is not what connmgr"),
        (lambda data: _row(data, connected_by=["alice"]), "a connection's connected_by is not what connmgr writes"),
        (lambda data: _row(data, field_values='{"a": 1}'), "a connection's settings are not text"),
        (lambda data: _row(data, field_values="[1"), "a connection's settings are not text"),
        (lambda data: _row(data, status="evil"), "a connection's flow or status is unknown"),
        (lambda data: {**data, "connections": data["connections"] * 2}, "a connection is listed twice"),
    ],
)
def test_a_file_connmgr_did_not_write_is_refused_in_one_sentence(home: Path, spoil, reason: str) -> None:
    spoiled = spoil(saved(home))
    last_known_path(home).write_text(spoiled if isinstance(spoiled, str) else json.dumps(spoiled))
    with pytest.raises(LastKnownUnreadable) as refused:
        load_last_known(home)
    assert reason in refused.value.sentence
    assert refused.value.sentence.count("\n") == 0


def _row(data: dict, **changes: object) -> dict:
    first, *rest = data["connections"]
    return {**data, "connections": [{**first, **changes}, *rest]}
