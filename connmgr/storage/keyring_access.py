"""Calls on the active OS keyring: on the keyring thread, refusing a backend that keeps nothing safely, with
keyring's failures as typed errors. For every entry connmgr keeps there (a home's data key, its device key)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from connmgr.storage.errors import DataKeyError, KeyringFailed, KeyringLocked, KeyringUnavailable
from connmgr.storage.keyring_thread import KeyringThread

if TYPE_CHECKING:
    from keyring.backend import KeyringBackend

log = logging.getLogger("connmgr.storage")

T = TypeVar("T")

KEYRING_TIMEOUT_S = 10.0


def keyring_service(home: Path) -> str:
    """The service name of a home's entries: it holds the home's path, so two homes never share or overwrite
    each other's keys."""
    return f"connmgr:{home.resolve()}"


def call_keyring(thread: KeyringThread, action: str, operation: Callable[[KeyringBackend], T]) -> T:
    """`operation` on the active backend, on `thread`; `action` names it in a failure's sentence."""
    # Imported here, not at the top: slow to import, and listing connections (the window's start) never needs it.
    import keyring
    import keyring.errors

    def on_active_backend() -> T:
        # Looked up on the keyring thread: choosing a backend can itself make D-Bus calls.
        backend = keyring.get_keyring()
        _refuse_insecure(backend)
        return operation(backend)

    try:
        return thread.call(on_active_backend)
    except DataKeyError:
        raise
    except keyring.errors.KeyringLocked as exc:
        raise KeyringLocked() from exc
    except keyring.errors.NoKeyringError as exc:
        raise KeyringUnavailable("no keyring backend is installed") from exc
    except keyring.errors.InitError as exc:
        log.warning("keyring could not start: %s", exc)
        raise KeyringUnavailable("the keyring service could not be reached") from exc
    except Exception as exc:  # a backend may raise anything (D-Bus errors, OS errors): report, never crash
        log.warning("keyring failure while %s: %r", action, exc)
        raise KeyringFailed(action, type(exc).__name__) from exc


def store_and_check(thread: KeyringThread, what: str, service: str, username: str, text: str) -> None:
    """Store `text` in an entry, then read it back: some backends accept a write and keep nothing, which must be
    found out before anything is sealed with (or for) the key it holds."""
    call_keyring(thread, f"storing {what}", lambda backend: backend.set_password(service, username, text))
    if call_keyring(thread, f"reading back {what}", lambda backend: backend.get_password(service, username)) != text:
        raise KeyringFailed(f"storing {what}", "it was not there when read back")


def _refuse_insecure(backend: KeyringBackend) -> None:
    """keyring's own rule: a backend below priority 1 is not recommended. That covers `fail` (raises on every
    call), `null` (keeps nothing, so a new key would be lost at once) and plaintext files."""
    if backend.priority < 1:
        name = f"{type(backend).__module__}.{type(backend).__qualname__}"
        raise KeyringUnavailable(f"the active backend, {name}, does not keep secrets safely")
