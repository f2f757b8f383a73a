"""The settings that decide where secrets are sent are sealed with them: a row edited outside connmgr does not
open; the name, the account and the status are free to change; a store of an older connmgr is sealed again."""

from __future__ import annotations

import json
import os
import sqlite3
from contextlib import closing
from dataclasses import replace
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from connmgr.domain.connection import Secrets, Status
from connmgr.storage.database import DB_NAME, open_database
from connmgr.storage.errors import SecretsUnreadable, StoreTooNew
from connmgr.storage.schema import MIGRATIONS, migrate, schema_version
from connmgr.storage.sealing import Binding
from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import FixedDataKey
from tests.storage.samples import connection, secrets

UNREADABLE = (
    "Connection store: the secrets of 'Acme' cannot be decrypted (its settings or its secrets were changed outside"
    " connmgr); sign in again to replace them; the connection itself is kept."
)
KEY = FixedDataKey.KEY


def _edit(home: Path, sql: str, *parameters: object) -> None:
    """A change made to connections.db by something other than connmgr."""
    with closing(sqlite3.connect(home / DB_NAME)) as db, db:
        assert db.execute(sql, parameters).rowcount == 1


def _envelope(home: Path, name: str = "Acme") -> bytes:
    with closing(sqlite3.connect(home / DB_NAME)) as db:
        envelope: bytes = db.execute("SELECT secrets FROM connections WHERE name = ?", (name,)).fetchone()[0]
    return envelope


def _saved(home: Path) -> None:
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        store.save(connection("Acme"), secrets("Acme"))
        store.save(connection("Zeta"), secrets("Zeta"))


TAMPERING = {
    "token endpoint added": ("UPDATE connections SET field_values = json_set(field_values, '$.token_url', ?)", "https://evil.example/token"),
    "issuer changed": ("UPDATE connections SET field_values = json_set(field_values, '$.issuer', ?)", "https://evil.example"),
    "client id changed": ("UPDATE connections SET field_values = json_set(field_values, '$.client_id', ?)", "theirs"),
    "a value removed": ("UPDATE connections SET field_values = json_remove(field_values, '$.client_id') || ?", ""),
    "a value not text": ("UPDATE connections SET field_values = json_set(field_values, '$.client_id', json(?))", "7"),
    "template changed": ("UPDATE connections SET template_id = ?", "oauth2"),
    "flow changed": ("UPDATE connections SET flow = ?", "client_credentials"),
}  # fmt: skip


@pytest.mark.parametrize("edit", TAMPERING.values(), ids=TAMPERING.keys())
def test_a_bound_setting_changed_outside_connmgr_makes_them_unreadable(home: Path, edit: tuple[str, str]) -> None:
    _saved(home)
    sql, value = edit
    _edit(home, f"{sql} WHERE name = 'Acme'", value)

    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        for reading in (lambda: store.read("Acme"), lambda: store.secrets("Acme"), lambda: store.read_many(["Acme"])):
            with pytest.raises(SecretsUnreadable) as error:
                reading()
            assert error.value.sentence == UNREADABLE
        assert store.secrets("Zeta") == secrets("Zeta")  # the others are untouched
        assert [c.name for c in store.list_connections()] == ["Acme", "Zeta"]  # and the row is kept


UNBOUND = {
    "name": "Renamed",
    "account": "mallory@example.com",
    "status": Status.ERROR.value,
    "status_detail": "something",
    "scope": "everything",
    "token_type": "MAC",
    "expires_at": 1.0,
    "has_refresh_token": 0,
}


@pytest.mark.parametrize(("column", "value"), UNBOUND.items())
def test_what_does_not_decide_where_secrets_go_is_not_bound(home: Path, column: str, value: object) -> None:
    _saved(home)
    _edit(home, f"UPDATE connections SET {column} = ? WHERE name = 'Acme'", value)
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        (name,) = {c.name for c in store.list_connections()} - {"Zeta"}
        assert store.secrets(name) == secrets("Acme")


def test_saving_metadata_renames_without_sealing_and_never_changes_the_settings(home: Path) -> None:
    _saved(home)
    before = _envelope(home)
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        stored = store.get("Acme")
        store.save_metadata(
            replace(
                stored,
                name="Acme renamed",
                status=Status.NEEDS_SIGN_IN,
                template_id="oauth2",
                flow="client_credentials",
                values={**stored.values, "token_url": "https://evil.example/token"},
            )
        )
        after = store.get("Acme renamed")
        assert (after.status, after.template_id, after.flow, after.values) == (
            Status.NEEDS_SIGN_IN,
            stored.template_id,
            stored.flow,
            stored.values,
        )
        assert store.secrets("Acme renamed") == secrets("Acme")
    assert _envelope(home, "Acme renamed") == before  # not sealed again: renaming needs no data key


def test_every_save_seals_the_settings_it_stores(home: Path) -> None:
    _saved(home)
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        moved = replace(store.get("Acme"), values={"issuer": "https://new.example", "client_id": "new"})
        store.save(moved, secrets("saved"))
        assert store.read("Acme") == (moved, secrets("saved"))
        refreshed = replace(moved, flow="client_credentials", issued_at=2.0)
        assert store.save_if_unchanged(moved, refreshed, secrets("refreshed"))
        assert store.read("Acme") == (refreshed, secrets("refreshed"))


def test_an_envelope_moved_to_another_row_does_not_open(home: Path) -> None:
    _saved(home)
    _edit(home, "UPDATE connections SET secrets = ? WHERE name = 'Acme'", _envelope(home, "Zeta"))
    with ConnectionDatabase(home, FixedDataKey(home)) as store, pytest.raises(SecretsUnreadable) as error:
        store.secrets("Acme")
    assert error.value.sentence == UNREADABLE


def test_the_binding_is_encoded_canonically() -> None:
    def encoded(**changes: object) -> bytes:
        return Binding.of(connection("Acme", **changes)).encoded()

    assert encoded(values={"a": "1", "b": "2"}) == encoded(values={"b": "2", "a": "1"})  # not by insertion order
    distinct = [
        encoded(values={"a": "bc"}),
        encoded(values={"ab": "c"}),
        encoded(values={"a": "b", "c": ""}),
        encoded(values={}),
        encoded(values={"": ""}),
        encoded(template_id="oidcx", flow="y"),
        encoded(template_id="oidc", flow="xy"),
        encoded(values={"a": "\ud800"}),  # a lone surrogate, as JSON may carry one
        encoded(values={"a": "\ud801"}),
    ]
    assert len(set(distinct)) == len(distinct)


# -- a store of the connmgr before the settings were bound


def _format_1_envelope(connection_id: str, value: Secrets) -> bytes:
    """Format 1 as that connmgr wrote it: version 1, nonce, AES-GCM over the secrets' JSON with the version and
    b"secrets:" + id as associated data."""
    nonce = os.urandom(12)
    plaintext = json.dumps(value.to_json()).encode()
    return b"\x01" + nonce + AESGCM(KEY).encrypt(nonce, plaintext, b"\x01secrets:" + connection_id.encode())


def _format_1_store(home: Path) -> None:
    with closing(sqlite3.connect(home / DB_NAME)) as db, db:
        (create,) = MIGRATIONS[0]
        db.execute(create)
        db.execute("PRAGMA user_version = 1")
        for name in ("Acme", "Zeta"):
            row = connection(name)
            values = json.dumps(dict(row.values))
            envelope = _format_1_envelope(row.id, secrets(name))
            db.execute(
                "INSERT INTO connections VALUES (?, ?, ?, ?, ?, NULL, NULL, 'Bearer', NULL, NULL, NULL, 1,"
                " 'connected', '', 0, 0, ?)",
                (row.id, name, row.template_id, row.flow, values, envelope),
            )


def test_a_store_of_an_older_connmgr_is_sealed_again_with_its_settings(home: Path) -> None:
    _format_1_store(home)

    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        with closing(sqlite3.connect(home / DB_NAME)) as db:
            assert db.execute("PRAGMA user_version").fetchone()[0] == len(MIGRATIONS)  # marked before any key
            assert db.execute("SELECT count(*) FROM sealed_in_format_1").fetchone()[0] == 2
        assert store.read_many(["Acme", "Zeta"]) == {
            "Acme": (store.get("Acme"), secrets("Acme")),
            "Zeta": (store.get("Zeta"), secrets("Zeta")),
        }
    with closing(sqlite3.connect(home / DB_NAME)) as db:
        assert [row[0][:1] for row in db.execute("SELECT secrets FROM connections")] == [b"\x02", b"\x02"]
        assert db.execute("SELECT count(*) FROM sealed_in_format_1").fetchone()[0] == 0

    # From now on a change to its settings is caught, as for a connection saved by this connmgr.
    sql, value = TAMPERING["token endpoint added"]
    _edit(home, f"{sql} WHERE name = 'Acme'", value)
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        with pytest.raises(SecretsUnreadable) as error:
            store.secrets("Acme")
        assert error.value.sentence == UNREADABLE
        assert store.secrets("Zeta") == secrets("Zeta")


def test_a_format_1_envelope_put_back_later_is_refused(home: Path) -> None:
    _format_1_store(home)
    old = _envelope(home)  # a copy from before the upgrade
    with ConnectionDatabase(home, FixedDataKey(home)) as store:
        assert store.secrets("Acme") == secrets("Acme")
    _edit(home, "UPDATE connections SET secrets = ?, field_values = '{}' WHERE name = 'Acme'", old)

    with ConnectionDatabase(home, FixedDataKey(home)) as store, pytest.raises(SecretsUnreadable) as error:
        store.secrets("Acme")
    assert "an envelope of an older connmgr was put in its place" in error.value.sentence


def test_an_older_connmgr_refuses_the_upgraded_file_as_a_whole(home: Path) -> None:
    _format_1_store(home)
    ConnectionDatabase(home, FixedDataKey(home)).close()
    with closing(open_database(home)) as db:
        with pytest.raises(StoreTooNew):
            migrate(db, home, MIGRATIONS[:1])  # what the older connmgr knows
        assert schema_version(db) == len(MIGRATIONS)
