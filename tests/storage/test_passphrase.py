"""The passphrase source, for machines where no keyring works: explicit, recorded, never plaintext."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connmgr.storage import KeyringDataKey, KeySourceKind, PassphraseDataKey, recorded_key_source
from connmgr.storage.errors import KeySourceInvalid, KeySourceMismatch, WrongPassphrase
from connmgr.storage.keysource import RECORD_NAME
from tests.storage.fakes import MemoryKeyring
from tests.storage.opener import StoreOpener
from tests.storage.samples import connection, secrets


def test_the_right_passphrase_opens_the_secrets(open_store: StoreOpener, home: Path) -> None:
    open_store(PassphraseDataKey(home, "correct horse")).save(connection(), secrets())

    assert recorded_key_source(home) is KeySourceKind.PASSPHRASE
    record = (home / RECORD_NAME).read_text()
    assert "correct horse" not in record and '"n": 65536' in record
    assert open_store(PassphraseDataKey(home, "correct horse")).secrets("Acme") == secrets()


def test_a_wrong_passphrase_is_reported_as_such(open_store: StoreOpener, home: Path) -> None:
    open_store(PassphraseDataKey(home, "correct horse")).save(connection(), secrets())

    store = open_store(PassphraseDataKey(home, "battery staple"))
    with pytest.raises(WrongPassphrase) as error:
        store.secrets("Acme")
    assert error.value.sentence == "Connection store: the passphrase is wrong; type it again."
    with pytest.raises(WrongPassphrase):
        store.save(connection("Zeta"), secrets("Zeta"))
    assert [c.name for c in store.list_connections()] == ["Acme"]
    assert open_store(PassphraseDataKey(home, "correct horse")).secrets("Acme") == secrets()


def test_the_recorded_source_is_never_switched_silently(
    open_store: StoreOpener, memory_keyring: MemoryKeyring, tmp_path: Path
) -> None:
    keyring_home, passphrase_home = tmp_path / "keyring", tmp_path / "passphrase"
    for directory in (keyring_home, passphrase_home):
        directory.mkdir()
    open_store(KeyringDataKey(keyring_home)).save(connection(), secrets())
    open_store(PassphraseDataKey(passphrase_home, "correct horse")).save(connection(), secrets())
    calls = memory_keyring.calls

    with pytest.raises(KeySourceMismatch) as error:
        open_store(PassphraseDataKey(keyring_home, "correct horse")).secrets("Acme")
    assert error.value.sentence == (
        f"Connection store: the secrets in {keyring_home} are protected by the system keyring, not a passphrase;"
        " use it without a passphrase, where that keyring works."
    )
    with pytest.raises(KeySourceMismatch) as error:
        open_store(KeyringDataKey(passphrase_home)).secrets("Acme")
    assert error.value.sentence == (
        f"Connection store: the secrets in {passphrase_home} are protected by a passphrase, not the system keyring;"
        " give its passphrase."
    )
    assert memory_keyring.calls == calls  # the record decided; the keyring was neither read nor written
    assert recorded_key_source(keyring_home) is KeySourceKind.KEYRING


def test_a_damaged_record_is_reported(open_store: StoreOpener, home: Path) -> None:
    open_store(PassphraseDataKey(home, "correct horse")).save(connection(), secrets())
    (home / RECORD_NAME).write_text('{"format": 1, "source": "passphrase"}')

    with pytest.raises(KeySourceInvalid) as error:
        open_store(PassphraseDataKey(home, "correct horse")).secrets("Acme")
    assert error.value.sentence == (
        f"Connection store: {home / RECORD_NAME} is damaged (KeyError: 'scrypt'); restore it from a backup."
    )


def test_an_empty_passphrase_is_refused(home: Path) -> None:
    with pytest.raises(ValueError, match="protects nothing"):
        PassphraseDataKey(home, "")


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"n": 3}, "its scrypt parameters n=3, r=8, p=1 are not ones connmgr writes (n=65536, r=8, p=1)"),
        ({"n": 2**40}, "its scrypt parameters n=1099511627776, r=8, p=1 are not ones connmgr writes"),
        ({"n": 2**14}, "its scrypt parameters n=16384, r=8, p=1 are not ones connmgr writes"),
        ({"r": 2**30}, "its scrypt parameters n=65536, r=1073741824, p=1 are not ones connmgr writes"),
        ({"p": 2**20}, "its scrypt parameters n=65536, r=8, p=1048576 are not ones connmgr writes"),
        ({"salt": "AAAA"}, "its scrypt salt has 3 bytes, not 16"),
        ({"salt": 7}, "a value that should be base64 text is not text"),
        ({"n": "65536"}, "a scrypt parameter is not a positive whole number"),
        ({"n": True}, "a scrypt parameter is not a positive whole number"),
        ({"r": 8.0}, "a scrypt parameter is not a positive whole number"),
    ],
)
def test_a_tampered_scrypt_record_is_reported_before_anything_is_derived(open_store, home, change, reason):
    open_store(PassphraseDataKey(home, "correct horse")).save(connection(), secrets())
    record = json.loads((home / RECORD_NAME).read_text())
    record["scrypt"] |= change
    (home / RECORD_NAME).write_text(json.dumps(record))

    with pytest.raises(KeySourceInvalid) as error:
        open_store(PassphraseDataKey(home, "correct horse")).secrets("Acme")
    assert error.value.sentence.startswith(f"Connection store: {home / RECORD_NAME} is damaged ({reason}")
    assert error.value.sentence.endswith("); restore it from a backup.")


def test_a_record_nested_too_deeply_is_reported(home):
    (home / RECORD_NAME).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(KeySourceInvalid) as error:
        recorded_key_source(home)
    assert error.value.sentence == (
        f"Connection store: {home / RECORD_NAME} is damaged (nested deeper than 64 levels); restore it from a backup."
    )
