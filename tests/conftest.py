import io
import logging
import os
from pathlib import Path

import pytest

# Before anything imports Qt: no display here. Chromium's sandbox is the app's own decision
# (connmgr/gui/chromium_setup.py), as root and as anyone else: no flags are set for it here.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

pytest_plugins = [
    "tests.simulators.fixtures",
    "tests.support.oidc_fixtures",
    "tests.support.postgres_fixtures",
    "tests.support.certificates",
    "tests.support.echo",
    "tests.gui.desktop",
]


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A fresh data directory, as connmgr makes it."""
    from connmgr.storage import resolve_home  # imported here: the environment above comes before any import

    return resolve_home(tmp_path / "home")


@pytest.fixture
def debug_log():
    """connmgr's own log set-up at DEBUG, into the returned stream, for the test's length."""
    from connmgr import logs

    root = logging.getLogger()
    level = root.level
    stream = io.StringIO()
    handler = logs.configure(logging.DEBUG, stream)
    yield stream
    root.removeHandler(handler)
    root.setLevel(level)
