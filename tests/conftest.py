import io
import logging
import os
import sys
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


_finished_with: list[int] = []


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    _finished_with.append(int(exitstatus))


@pytest.hookimpl(tryfirst=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """Once the results are reported, a process that ran QtWebEngine ends with them, without the interpreter's
    teardown: there pytest-qt's application, which outlives every test, is destroyed after Chromium's objects in
    whatever order Python's collector reaches them, and that now and then crashes (exit 139 after "22 passed").
    That teardown is not the app's: `tests/desktop` quits the real app and checks how it ends."""
    if _finished_with and "PySide6.QtWebEngineCore" in sys.modules:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(_finished_with[-1])


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
