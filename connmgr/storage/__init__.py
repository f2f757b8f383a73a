"""Where connections are kept: behind `interface.ConnectionStore`, which the services use (imported from there:
the window's first paint does without it); today in the local store (`LocalStore`: metadata in SQLite, secrets
sealed under one data key that the OS keyring, or a passphrase, protects). Imports only `connmgr.domain` and
libraries; never Qt."""

from connmgr.storage.datakey import DataKeySource, KeyringDataKey, PassphraseDataKey
from connmgr.storage.home import keep_files_private, prepare_home, resolve_home
from connmgr.storage.keysource import KeySourceKind, recorded_key_source
from connmgr.storage.local import LocalStore

__all__ = [
    "DataKeySource",
    "KeySourceKind",
    "KeyringDataKey",
    "LocalStore",
    "PassphraseDataKey",
    "keep_files_private",
    "prepare_home",
    "recorded_key_source",
    "resolve_home",
]
