"""Each way the keyring can fail is its own typed error and sentence, and none of them loses a connection."""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import keyring.errors
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail, null

from connmgr.storage import KeyringDataKey, KeySourceKind, recorded_key_source
from connmgr.storage.errors import (
    DataKeyInvalid,
    DataKeyLost,
    KeyringFailed,
    KeyringLocked,
    KeyringTimeout,
    KeyringUnavailable,
)
from connmgr.storage.store import ConnectionDatabase
from tests.storage.fakes import ForgetfulKeyring, HungKeyring, MemoryKeyring, RaisingKeyring
from tests.storage.opener import StoreOpener
from tests.storage.samples import connection, secrets

PROJECT_ROOT = Path(__file__).resolve().parents[2]
UNAVAILABLE_TODO = (
    "install and unlock one (GNOME Keyring, KWallet, macOS Keychain, Windows Credential Manager) or protect this"
    " data directory with a passphrase."
)


@pytest.fixture
def hung_keyring(use_keyring: Callable[[KeyringBackend], None]) -> Iterator[HungKeyring]:
    hung = HungKeyring()
    use_keyring(hung)
    yield hung
    hung.release.set()


def test_not_found_means_a_new_home_whose_first_save_makes_the_key(
    open_store: StoreOpener, memory_keyring: MemoryKeyring, home: Path
) -> None:
    assert recorded_key_source(home) is None
    open_store().save(connection(), secrets())

    assert list(memory_keyring.entries) == [(f"connmgr:{home}", "data-key")]
    assert recorded_key_source(home) is KeySourceKind.KEYRING


def test_two_homes_on_one_keyring_keep_apart(
    tmp_path: Path, open_store: StoreOpener, memory_keyring: MemoryKeyring
) -> None:
    homes = [tmp_path / "one", tmp_path / "two"]
    for home in homes:
        home.mkdir()
        open_store(KeyringDataKey(home)).save(connection("Same name"), secrets(home.name))

    assert len(memory_keyring.entries) == 2
    for home in homes:
        assert open_store(KeyringDataKey(home)).secrets("Same name") == secrets(home.name)


def test_locked(open_store: StoreOpener, use_keyring: Callable[[KeyringBackend], None]) -> None:
    use_keyring(RaisingKeyring(keyring.errors.KeyringLocked("Failed to unlock the collection!")))
    with pytest.raises(KeyringLocked) as error:
        open_store().save(connection(), secrets())
    assert error.value.retryable
    assert (
        error.value.sentence
        == "Keyring: the keyring is locked; unlock it, for example by signing in again, and try again."
    )


@pytest.mark.parametrize(
    ("backend", "detail"),
    [
        (RaisingKeyring(keyring.errors.NoKeyringError("No recommended backend")), "no keyring backend is installed"),
        (
            RaisingKeyring(keyring.errors.InitError("Failed to create the collection")),
            "the keyring service could not be reached",
        ),
        (fail.Keyring(), "the active backend, keyring.backends.fail.Keyring, does not keep secrets safely"),
        (null.Keyring(), "the active backend, keyring.backends.null.Keyring, does not keep secrets safely"),
    ],
    ids=["NoKeyringError", "InitError (no D-Bus)", "fail backend", "null backend"],
)
def test_no_keyring(
    open_store: StoreOpener, use_keyring: Callable[[KeyringBackend], None], backend: KeyringBackend, detail: str
) -> None:
    use_keyring(backend)
    store = open_store()
    with pytest.raises(KeyringUnavailable) as error:
        store.save(connection(), secrets())
    assert error.value.sentence == f"Keyring: no usable system keyring was found ({detail}); {UNAVAILABLE_TODO}"
    assert store.list_connections() == []  # and listing still works
    assert recorded_key_source(store.home) is None


def test_timed_out(open_store: StoreOpener, hung_keyring: HungKeyring, home: Path) -> None:
    store = open_store(KeyringDataKey(home, timeout=0.2))
    for _ in range(2):
        with pytest.raises(KeyringTimeout) as error:
            store.save(connection(), secrets())
        assert error.value.sentence == (
            "Keyring: the keyring did not answer within 0.2 seconds; unlock it if it is asking for a password, or"
            " restart the keyring service, then try again."
        )
    assert hung_keyring.entered == 1  # the retry queued behind the hung call instead of starting another thread
    assert store.list_connections() == []


def test_a_hung_keyring_call_does_not_keep_the_process_alive(home: Path) -> None:
    child = (
        "import sys, keyring; from pathlib import Path\n"
        "from connmgr.storage import KeyringDataKey\n"
        "from connmgr.storage.errors import KeyringTimeout\n"
        "from tests.storage.fakes import HungKeyring\n"
        "keyring.set_keyring(HungKeyring())\n"
        "try: KeyringDataKey(Path(sys.argv[1]), timeout=0.1).load()\n"
        "except KeyringTimeout: print('timed out')\n"
    )
    finished = subprocess.run(
        [sys.executable, "-c", child, str(home)], cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=60
    )
    assert (finished.returncode, finished.stdout) == (0, "timed out\n"), finished.stderr


def test_other_keyring_failures(open_store: StoreOpener, use_keyring: Callable[[KeyringBackend], None]) -> None:
    use_keyring(RaisingKeyring(OSError("D-Bus connection reset")))
    with pytest.raises(KeyringFailed) as error:
        open_store().save(connection(), secrets())
    assert error.value.sentence == (
        "Keyring: reading the data key failed (OSError); check that the keyring works and try again."
    )


def test_a_keyring_that_keeps_nothing_is_caught_before_anything_is_sealed(
    open_store: StoreOpener, use_keyring: Callable[[KeyringBackend], None]
) -> None:
    use_keyring(ForgetfulKeyring())
    store = open_store()
    with pytest.raises(KeyringFailed, match="it was not there when read back"):
        store.save(connection(), secrets())
    assert store.list_connections() == []


def test_a_lost_data_key_is_reported_not_replaced(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    open_store().save(connection("Acme"), secrets())
    memory_keyring.entries.clear()  # the keyring was reset, or the home was copied to another machine

    store = open_store()
    with pytest.raises(DataKeyLost) as error:
        store.secrets("Acme")
    assert error.value.sentence == (
        f"Connection store: the data key of 1 saved connection(s) is missing from the keyring entry"
        f" 'connmgr:{store.home}'; restore it from a backup, or remove those connections and sign in again."
    )
    with pytest.raises(DataKeyLost):
        store.save(connection("Zeta"), secrets("Zeta"))  # a new key would make "Acme" unreadable for good
    assert memory_keyring.entries == {}
    assert [c.name for c in store.list_connections()] == ["Acme"]

    # Once the person has removed what cannot be read, the home starts afresh.
    store.remove("Acme")
    store.save(connection("Zeta"), secrets("Zeta"))
    assert open_store().secrets("Zeta") == secrets("Zeta")


def test_a_damaged_keyring_entry(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    store.save(connection(), secrets())
    (entry,) = memory_keyring.entries
    memory_keyring.entries[entry] = "not a key"
    with pytest.raises(DataKeyInvalid, match="does not hold a valid connmgr data key"):
        open_store().secrets("Acme")


async def test_unlock_fetches_the_key_off_the_loop(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    writer = open_store()
    await writer.unlock()
    writer.save(connection(), secrets())
    store = open_store()
    loop_thread = threading.current_thread()
    seen_on: list[threading.Thread] = []
    original = memory_keyring.get_password

    def recording_get_password(service: str, username: str) -> str | None:
        seen_on.append(threading.current_thread())
        return original(service, username)

    memory_keyring.get_password = recording_get_password  # type: ignore[method-assign]
    await store.unlock()
    assert seen_on and loop_thread not in seen_on
    assert store.secrets("Acme") == secrets()  # the key is cached: no keyring call on the loop
    assert len(seen_on) == 1


async def test_fetching_the_key_on_the_loop_is_refused(open_store: StoreOpener, memory_keyring: MemoryKeyring) -> None:
    store = open_store()
    calls = memory_keyring.calls
    with pytest.raises(RuntimeError, match=r"await ConnectionDatabase.unlock\(\) first"):
        store.save(connection(), secrets())
    assert memory_keyring.calls == calls


async def test_unlock_times_out(open_store: StoreOpener, hung_keyring: HungKeyring, home: Path) -> None:
    store: ConnectionDatabase = open_store(KeyringDataKey(home, timeout=0.2))
    with pytest.raises(KeyringTimeout):
        await store.unlock()
    assert store.list_connections() == []
