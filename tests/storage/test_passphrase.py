"""The passphrase source, for machines where no keyring works: explicit, recorded, never plaintext."""

from __future__ import annotations

from pathlib import Path

import pytest

from connmgr.storage import KeyringDataKey, KeySourceKind, PassphraseDataKey, recorded_key_source
from connmgr.storage.errors import KeySourceInvalid, KeySourceMismatch, WrongPassphrase
from connmgr.storage.keysource import RECORD_NAME
from tests.storage.conftest import StoreOpener
from tests.storage.fakes import MemoryKeyring
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
