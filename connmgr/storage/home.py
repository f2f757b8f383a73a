"""The directory that holds all of connmgr's state (database, key-source record)."""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

from connmgr.storage.database import reported_as_storage_errors

HOME_ENV = "CONNMGR_HOME"


def resolve_home(explicit: Path | None) -> Path:
    """`explicit` (the CLI's --home), else $CONNMGR_HOME, else the user's data directory; created private (0700)."""
    from_env = os.environ.get(HOME_ENV)
    if explicit is not None:
        home = explicit
    elif from_env:
        home = Path(from_env)
    else:
        # appauthor=False: on Windows, %LOCALAPPDATA%\connmgr rather than %LOCALAPPDATA%\connmgr\connmgr.
        home = Path(platformdirs.user_data_dir("connmgr", appauthor=False))
    home = home.expanduser().resolve()
    if not home.is_dir():
        with reported_as_storage_errors(home):
            home.mkdir(mode=0o700, parents=True, exist_ok=True)
            home.chmod(0o700)  # mkdir's mode is filtered by the umask
    return home
