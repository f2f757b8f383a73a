"""Against a real Secret Service: GNOME Keyring in a throw-away D-Bus session. scripts/test runs them so;
by hand, from the project root:

    HOME=$(mktemp -d) dbus-run-session -- sh -c 'printf pw | gnome-keyring-daemon --unlock --components=secrets;
        CONNMGR_TEST_SECRET_SERVICE=1 .venv/bin/pytest tests/storage -m secret_service'
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import suppress
from pathlib import Path

import keyring
import keyring.errors
import pytest

from connmgr.domain.connection import Secrets
from connmgr.storage import KeyringDataKey, resolve_home
from connmgr.storage.errors import KeyringLocked
from connmgr.storage.store import ConnectionDatabase
from tests.storage.samples import connection

pytestmark = [
    pytest.mark.secret_service,
    pytest.mark.skipif(
        not os.environ.get("CONNMGR_TEST_SECRET_SERVICE"),
        reason="set CONNMGR_TEST_SECRET_SERVICE=1 in a D-Bus session with an unlocked Secret Service",
    ),
]

PROJECT_ROOT = Path(__file__).resolve().parents[2]
BUNDLE = Secrets(access_token="a" * 20_000, refresh_token="r" * 20_000, id_token="i" * 5_000)


@pytest.fixture
def home(tmp_path: Path) -> Iterator[Path]:
    home = resolve_home(tmp_path / "home")
    yield home
    with suppress(keyring.errors.PasswordDeleteError):
        keyring.delete_password(KeyringDataKey(home).service, "data-key")


def test_the_default_backend_is_the_secret_service() -> None:
    assert type(keyring.get_keyring()).__module__ == "keyring.backends.SecretService"


def test_round_trip_through_the_real_keyring(home: Path) -> None:
    with ConnectionDatabase(home, KeyringDataKey(home)) as store:
        store.save(connection(), BUNDLE)

    with ConnectionDatabase(home, KeyringDataKey(home)) as store:
        assert store.secrets("Acme") == BUNDLE
    stored_key = keyring.get_password(f"connmgr:{home}", "data-key")
    assert stored_key is not None and len(stored_key) == 44


def test_without_a_session_bus_there_is_no_keyring(home: Path) -> None:
    probe = (
        "import sys; from pathlib import Path; from connmgr.storage import KeyringDataKey;"
        " from connmgr.storage.errors import KeyringUnavailable\n"
        "try: KeyringDataKey(Path(sys.argv[1])).load()\n"
        "except KeyringUnavailable as error: print(error.sentence)"
    )
    environment = {k: v for k, v in os.environ.items() if k != "DBUS_SESSION_BUS_ADDRESS"}
    result = subprocess.run(
        [sys.executable, "-c", probe, str(home)], env=environment, cwd=PROJECT_ROOT, capture_output=True, text=True
    )
    assert result.stdout.startswith("Keyring: no usable system keyring was found ("), result.stderr


def test_a_locked_collection_is_reported_as_locked(tmp_path: Path) -> None:
    """In a D-Bus session and keyring of its own: once locked, nothing here could type the password back in."""
    private = {name: tmp_path / name for name in ("home", "data", "config", "cache", "runtime")}
    for directory in private.values():
        directory.mkdir(mode=0o700)
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("DBUS_", "GNOME_KEYRING_", "XDG_"))}
    environment |= {
        "HOME": str(private["home"]),
        "XDG_DATA_HOME": str(private["data"]),
        "XDG_CONFIG_HOME": str(private["config"]),
        "XDG_CACHE_HOME": str(private["cache"]),
        "XDG_RUNTIME_DIR": str(private["runtime"]),
    }
    unlock_then_run = 'printf pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"'
    probe = [sys.executable, "-m", "tests.storage.lock_probe", str(resolve_home(tmp_path / "store"))]
    result = subprocess.run(
        ["dbus-run-session", "--", "sh", "-c", unlock_then_run, "sh", *probe],
        env=environment,
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.stdout.splitlines() == [KeyringLocked().sentence, "Acme"], result.stderr
