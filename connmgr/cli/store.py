"""This home's store, opened for one command: with its key source settled when the command may need the data
key, or without asking for it when the command reads or changes metadata only; joined with its workspace's
(`storage.both`) when the home belongs to one, so that every command finds a shared connection by its name."""

from __future__ import annotations

import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from pathlib import Path
from typing import TypeVar

from connmgr.domain.errors import ConfigError
from connmgr.domain.names import for_terminal
from connmgr.oauth.client import OAuthClient
from connmgr.services.connections import Connections
from connmgr.storage import KeyringDataKey, KeySourceKind, LocalStore, PassphraseDataKey, recorded_key_source
from connmgr.storage.both import HomeAndWorkspace
from connmgr.storage.errors import KeyringUnavailable
from connmgr.storage.interface import ConnectionStore
from connmgr.templates import load_catalog

PASSPHRASE_ENV = "CONNMGR_PASSPHRASE"
T = TypeVar("T")


def _passphrase(home: Path, *, confirm: bool) -> str:
    if PASSPHRASE_ENV in os.environ:
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise ConfigError("connmgr", f"the data in {home} is protected by a passphrase", f"set {PASSPHRASE_ENV}")
    first = getpass.getpass("Passphrase for connmgr's secrets: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise ConfigError("connmgr", "the two passphrases differ", "try again")
    return first


def open_store(home: Path, *, secrets: bool = True) -> LocalStore:
    """The store with the key source this home records; a home without a keyring falls back to a passphrase only
    when the person says so (CONNMGR_PASSPHRASE, or yes at the prompt), never silently. Without `secrets` (the
    command reads or changes metadata only: list, rename, remove) it never asks the keyring or for a passphrase."""
    if not secrets:
        return LocalStore(home, KeyringDataKey(home))
    if recorded_key_source(home) is KeySourceKind.PASSPHRASE:
        return LocalStore(home, PassphraseDataKey(home, _passphrase(home, confirm=False)))
    store = LocalStore(home, KeyringDataKey(home))
    if recorded_key_source(home) is KeySourceKind.KEYRING:
        return store
    try:
        asyncio.run(store.database.unlock())
        return store
    except KeyringUnavailable as exc:
        store.close()
        print(for_terminal(exc.sentence), file=sys.stderr)
        consented = PASSPHRASE_ENV in os.environ or (
            sys.stdin.isatty() and input("Protect connmgr's secrets with a passphrase instead? [y/N] ") == "y"
        )
        if not consented:
            raise
        return LocalStore(home, PassphraseDataKey(home, _passphrase(home, confirm=True)))


def run_operation(
    operation: Callable[[Connections], Awaitable[T]], home: Path, *, secrets: bool = True, shared: bool = False
) -> T:
    """Run one operation against this home's connections, and its workspace's, on a fresh event loop (`secrets`:
    as for `open_store`; `shared`: a new connection is saved in the workspace). A listing that lacked the
    workspace's connections, because it was offline, is said on stderr."""
    with open_store(home, secrets=secrets) as local:

        async def main() -> T:
            async with OAuthClient() as client, _joined(home, local, shared=shared) as store:
                done = await operation(Connections(store, load_catalog(home / "templates").catalog, client))
                if isinstance(store, HomeAndWorkspace) and store.unlisted is not None:
                    seen = f"Only this home's connections were seen. {store.unlisted.sentence}"
                    print(for_terminal(seen), file=sys.stderr)
                return done

        return asyncio.run(main())


def _joined(home: Path, local: LocalStore, *, shared: bool) -> AbstractAsyncContextManager[ConnectionStore]:
    """`local`, with the workspace's connections beside it when the home belongs to one."""
    from connmgr.cli.workspace import password_prompt  # a home without a workspace does without them
    from connmgr.team import joined

    return joined(home, local, password_prompt, shared=shared)
