from collections.abc import Callable

from connmgr.storage.store import ConnectionDatabase

StoreOpener = Callable[..., ConnectionDatabase]
"""Opens a store (by default on the test's home with the active keyring); the `open_store` fixture's type."""
