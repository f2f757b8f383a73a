"""Child for the locked-keyring test, run in a D-Bus session of its own with an unlocked GNOME Keyring.

    python -m tests.storage.lock_probe HOME

Saves a connection, locks the default collection as a screen lock would, then
tries to read the secrets; prints the error's sentence and the listed names.
"""

from __future__ import annotations

import sys
from contextlib import closing
from pathlib import Path

import secretstorage

from connmgr.storage import KeyringDataKey
from connmgr.storage.errors import KeyringLocked
from connmgr.storage.store import ConnectionDatabase
from tests.storage.samples import connection, secrets


def main(home: Path) -> None:
    with ConnectionDatabase(home, KeyringDataKey(home)) as store:
        store.save(connection(), secrets())
    with closing(secretstorage.dbus_init()) as bus:
        secretstorage.get_default_collection(bus).lock()
    with ConnectionDatabase(home, KeyringDataKey(home)) as store:
        try:
            store.secrets("Acme")
        except KeyringLocked as error:
            print(error.sentence)
        print(*(c.name for c in store.list_connections()))


if __name__ == "__main__":
    main(Path(sys.argv[1]))
