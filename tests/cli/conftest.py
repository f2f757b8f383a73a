import os

import pytest

from tests.cli.command import ConnmgrCommand
from tests.support.token_endpoint import TokenEndpoint


@pytest.fixture
def connmgr(tmp_path):
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("these tests need a Secret Service: run them with scripts/test")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNMGR_")}
    env["CONNMGR_HOME"] = str(tmp_path / "home")
    return ConnmgrCommand(tmp_path / "home", env)


@pytest.fixture
def team(connmgr, tmp_path, postgres, workspace_database):
    """alice's command (`connmgr`), bob's on a second home with its own keyring entries, and the workspace's
    address on the tests' PostgreSQL."""
    bob_env = {**connmgr.env, "CONNMGR_HOME": str(tmp_path / "bob")}
    return connmgr, ConnmgrCommand(tmp_path / "bob", bob_env), postgres.uri(workspace_database)


@pytest.fixture
def verbose_connmgr(connmgr):
    """`connmgr -v ...`: every command with its debug log on stderr."""
    return ConnmgrCommand(connmgr.home, connmgr.env, ["-v"])


@pytest.fixture
def token_endpoint():
    """A token endpoint that answers what the test sets in `.answer`: a hostile vendor of the test's own."""
    with TokenEndpoint() as endpoint:
        yield endpoint
