"""Benchmark: save, list and export 1,000 connections through the store. Prints figures; asserts nothing.

    .venv/bin/python -m tests.storage.bench_export

The in-memory keyring counts its calls, to show the envelope's point: one keyring read for the whole export.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import keyring

from connmgr.domain.connection import Secrets
from connmgr.storage import ConnectionStore, KeyringDataKey, resolve_home
from tests.storage.fakes import MemoryKeyring
from tests.storage.samples import connection

COUNT = 1_000
BUNDLE = Secrets(access_token="a" * 1_500, refresh_token="r" * 900, id_token="i" * 1_200)


def main() -> None:
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    names = [f"connection {i:04}" for i in range(COUNT)]

    with tempfile.TemporaryDirectory() as directory:
        home = resolve_home(Path(directory) / "home")

        def timed(label: str, action: Callable[[ConnectionStore], object]) -> None:
            calls, started = backend.calls, time.perf_counter()
            with ConnectionStore(home, KeyringDataKey(home)) as store:
                action(store)
            elapsed = time.perf_counter() - started
            print(f"{label}: {elapsed:.3f} s, {backend.calls - calls} keyring call(s)")

        def save_all(store: ConnectionStore) -> None:
            with store.transaction():
                for name in names:
                    store.save(connection(name), BUNDLE)

        timed(f"open, save {COUNT} in one transaction", save_all)
        timed("open, save one (its own synchronous=FULL commit)", lambda s: s.save(connection("one more"), BUNDLE))
        timed(f"open, list {COUNT + 1}", ConnectionStore.list_connections)
        timed(f"open, decrypt {COUNT} (export)", lambda s: s.secrets_many(names))


if __name__ == "__main__":
    main()
