"""The device's key pair is made on first use and kept in the keyring beside the data key; what the keyring holds
in its place, or fails with, is a typed error with its sentence."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path

import keyring
import keyring.errors
import pytest
from keyring.backend import KeyringBackend

from connmgr.storage import KeyringDataKey
from connmgr.storage.errors import KeyringFailed, KeyringLocked
from connmgr.storage.members.device import KeyringDeviceKey
from connmgr.storage.members.errors import DeviceKeyInvalid
from connmgr.storage.members.publickeys import fingerprint, parse_public_key
from connmgr.storage.members.workspacekey import WorkspaceKey
from tests.storage.fakes import ForgetfulKeyring, MemoryKeyring, RaisingKeyring
from tests.storage.members import WORKSPACE


def test_made_on_first_use_then_the_same_from_the_keyring(home: Path, memory_keyring: MemoryKeyring) -> None:
    assert KeyringDeviceKey(home).load() is None

    made = KeyringDeviceKey(home).load_or_create()
    loaded = KeyringDeviceKey(home).load_or_create()

    assert loaded.public_key == made.public_key
    assert list(memory_keyring.entries) == [(f"connmgr:{home}", "device-key")]
    assert len(memory_keyring.entries[f"connmgr:{home}", "device-key"]) == 44
    key = WorkspaceKey.first()
    assert loaded.unwrap(WORKSPACE, made.wrap(WORKSPACE, key, made.public_key), {made.public_key}) == key


def test_the_public_half_travels_as_text_and_the_fingerprint_matches(home: Path, memory_keyring: MemoryKeyring) -> None:
    pair = KeyringDeviceKey(home).load_or_create()
    assert parse_public_key(pair.public_text) == pair.public_key
    assert fingerprint(pair.public_key) == pair.fingerprint
    stored = memory_keyring.entries[f"connmgr:{home}", "device-key"]
    assert stored not in repr(pair) and stored != pair.public_text


def test_it_sits_beside_the_data_key_and_two_homes_keep_apart(
    tmp_path: Path, home: Path, memory_keyring: MemoryKeyring
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    KeyringDataKey(home).create()
    ours, theirs = KeyringDeviceKey(home).load_or_create(), KeyringDeviceKey(other).load_or_create()

    assert ours.public_key != theirs.public_key
    assert sorted(memory_keyring.entries) == sorted(
        [(f"connmgr:{home}", "data-key"), (f"connmgr:{home}", "device-key"), (f"connmgr:{other}", "device-key")]
    )


@pytest.mark.parametrize("stored", ["not base64!", "AAAA", "é"])
def test_an_entry_that_is_not_a_device_key_is_refused(home: Path, memory_keyring: MemoryKeyring, stored: str) -> None:
    memory_keyring.entries[f"connmgr:{home}", "device-key"] = stored
    with pytest.raises(DeviceKeyInvalid) as error:
        KeyringDeviceKey(home).load_or_create()
    assert error.value.sentence == (
        f"Workspace: the keyring entry 'connmgr:{home}' (device-key) does not hold a valid connmgr device key;"
        " remove that entry, then join the workspace again from this device."
    )
    assert memory_keyring.entries[f"connmgr:{home}", "device-key"] == stored  # never replaced by a new one


def test_a_keyring_that_keeps_nothing_is_found_out(home: Path, use_keyring: Callable[[KeyringBackend], None]) -> None:
    use_keyring(ForgetfulKeyring())
    with pytest.raises(KeyringFailed) as error:
        KeyringDeviceKey(home).load_or_create()
    assert "storing the device key failed (it was not there when read back)" in error.value.sentence


def test_a_locked_keyring_is_reported_as_locked(home: Path, use_keyring: Callable[[KeyringBackend], None]) -> None:
    use_keyring(RaisingKeyring(keyring.errors.KeyringLocked("Failed to unlock the collection!")))
    with pytest.raises(KeyringLocked):
        KeyringDeviceKey(home).load_or_create()


@pytest.mark.secret_service
@pytest.mark.skipif(
    not os.environ.get("CONNMGR_TEST_SECRET_SERVICE"),
    reason="set CONNMGR_TEST_SECRET_SERVICE=1 in a D-Bus session with an unlocked Secret Service",
)
def test_kept_by_the_real_keyring(home: Path) -> None:
    """Against GNOME Keyring in a throw-away D-Bus session, as tests/storage/test_secret_service.py runs."""
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"
    try:
        made = KeyringDeviceKey(home).load_or_create()
        loaded = KeyringDeviceKey(home).load()
        assert loaded is not None and loaded.public_key == made.public_key
        stored = keyring.get_password(f"connmgr:{home}", "device-key")
        assert stored is not None and len(stored) == 44 and stored != made.public_text
    finally:
        with suppress(keyring.errors.PasswordDeleteError):
            keyring.delete_password(f"connmgr:{home}", "device-key")
