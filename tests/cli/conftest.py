import os
import subprocess
import sys
from dataclasses import dataclass

import pytest

from tests.support.token_endpoint import TokenEndpoint


@dataclass
class Result:
    code: int
    out: str
    err: str


class ConnmgrCommand:
    """`connmgr` run the way a person or a script runs it: a separate process, its own home."""

    def __init__(self, home, env, options=()):
        self.home = home
        self.env = env
        self.options = tuple(options)  # before every command, such as -v
        self.log: list[Result] = []

    def __call__(self, *args, env=None, input_text=None):
        run_env = {**self.env, **(env or {})}
        done = subprocess.run(
            [sys.executable, "-m", "connmgr", *self.options, *args],
            env=run_env,
            capture_output=True,
            text=True,
            input=input_text,
            timeout=60,
            check=False,
        )
        result = Result(done.returncode, done.stdout, done.stderr)
        self.log.append(result)
        return result


@pytest.fixture
def connmgr(tmp_path):
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        pytest.fail("these tests need a Secret Service: run them with scripts/test")
    env = {k: v for k, v in os.environ.items() if not k.startswith("CONNMGR_")}
    env["CONNMGR_HOME"] = str(tmp_path / "home")
    return ConnmgrCommand(tmp_path / "home", env)


@pytest.fixture
def verbose_connmgr(connmgr):
    """`connmgr -v ...`: every command with its debug log on stderr."""
    return ConnmgrCommand(connmgr.home, connmgr.env, ["-v"])


@pytest.fixture
def token_endpoint():
    """A token endpoint that answers what the test sets in `.answer`: a hostile vendor of the test's own."""
    with TokenEndpoint() as endpoint:
        yield endpoint
