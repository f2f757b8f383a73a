"""Export: 1,000 connections to one .env file with the real Secret Service keyring (budget 1 s).

Timed from opening the store to the file written, as a fresh process would do it: the data key is fetched from
gnome-keyring over D-Bus (once: the secrets are sealed under it in the database), the secrets opened, the
variables rendered per template and the file written atomically. The `connmgr export` command itself, process
start included, is timed beside it. Also the store's own figures (list, decrypt, save), and
how many keyring calls each made.

The reference is one read of the data key from the Secret Service: the least an export must do.

Needs a Secret Service: `python -m benchmarks` runs everything inside a private D-Bus session with an unlocked
gnome-keyring, as scripts/test does. Run alone: `python -m benchmarks export`.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from statistics import median

import keyring

from benchmarks.common import SECRET_SERVICE_ENV, Figure, emit, fill_oauth2_store, fresh_home
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.storage import KeyringDataKey, LocalStore
from connmgr.storage.datakey import KEYRING_USERNAME
from connmgr.storage.store import ConnectionDatabase
from connmgr.templates import load_catalog

COUNT = 1_000
REPEATS = 5
BUDGET_S = 1.0


class _KeyringCalls:
    """Counts calls on the active keyring backend (the real one; only counted, not replaced)."""

    def __init__(self) -> None:
        self.count = 0
        backend = keyring.get_keyring()
        for name in ("get_password", "set_password"):
            original = getattr(backend, name)

            def counted(*args: object, _original: Callable[..., object] = original) -> object:
                self.count += 1
                return _original(*args)

            setattr(backend, name, counted)


def _timed(action: Callable[[], object]) -> float:
    started = time.perf_counter()
    action()
    return time.perf_counter() - started


def main() -> None:
    if os.environ.get(SECRET_SERVICE_ENV) != "1":
        sys.exit("the export benchmark needs the real Secret Service: run `python -m benchmarks export`")
    calls = _KeyringCalls()
    catalog = load_catalog().catalog
    with tempfile.TemporaryDirectory() as directory:
        home = fresh_home(Path(directory), "home")
        store_figures: list[Figure] = []

        def store_step(key: str, label: str, action: Callable[[ConnectionDatabase], object]) -> None:
            def run() -> None:
                with ConnectionDatabase(home, KeyringDataKey(home)) as store:
                    action(store)

            before = calls.count
            seconds = _timed(run)
            label = f"  store: {label} ({calls.count - before} keyring call(s))"
            store_figures.append(Figure(f"export.store_{key}", label, seconds * 1000, "ms"))

        names: list[str] = []
        store_step(
            "save",
            f"open, save {COUNT:,} in one transaction",
            lambda s: names.extend(fill_oauth2_store(s, COUNT, "https://login.example.com")),
        )
        store_step("list", f"open, list {COUNT:,}", ConnectionDatabase.list_connections)
        store_step("decrypt", f"open, decrypt {COUNT:,}", lambda s: s.read_many(names))

        async def export(path: Path) -> None:
            with LocalStore(home, KeyringDataKey(home)) as store:
                async with OAuthClient() as client:
                    await Connections(store, catalog, client).export(names, path)

        seconds, keyring_calls, command_s = [], [], []
        command = [sys.executable, "-m", "connmgr", "--home", str(home), "export", *names, "--env"]
        for repeat in range(REPEATS):
            before = calls.count
            seconds.append(_timed(lambda r=repeat: asyncio.run(export(Path(directory) / f"run{r}.env"))))
            keyring_calls.append(calls.count - before)
            command_s.append(
                _timed(
                    lambda r=repeat: subprocess.run(
                        [*command, str(Path(directory) / f"cli{r}.env")], check=True, capture_output=True
                    )
                )
            )
        key_entry = KeyringDataKey(home).service, KEYRING_USERNAME
        one_read = median(_timed(lambda: keyring.get_keyring().get_password(*key_entry)) for _ in range(REPEATS))
        variables = sum(1 for line in (Path(directory) / "run0.env").read_text().splitlines() if "=" in line)

    value = median(seconds)
    figures = [
        Figure(
            "export.env",
            f"Export {COUNT:,} connections to one .env (real Secret Service)",
            value * 1000,
            "ms",
            one_read * 1000,
            "one Secret Service read",
            f"<= {BUDGET_S * 1000:g} ms",
            value <= BUDGET_S,
            REPEATS,
            [s * 1000 for s in seconds],
        ),
        Figure(
            "export.command",
            "  the same as `connmgr export`, process start included",
            median(command_s) * 1000,
            "ms",
            runs=REPEATS,
            samples=[s * 1000 for s in command_s],
        ),
        *store_figures,
    ]
    emit(
        figures, keyring_calls_per_export=keyring_calls, variables_written=variables, backend=str(keyring.get_keyring())
    )


if __name__ == "__main__":
    main()
