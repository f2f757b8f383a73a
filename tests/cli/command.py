"""`connmgr` run as a separate process, the way a person or a script runs it."""

import subprocess
import sys
from dataclasses import dataclass


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

    def start(self, *args):
        """`connmgr` started and left running, for a test that acts while it waits: text pipes, no stdin."""
        return subprocess.Popen(
            [sys.executable, "-m", "connmgr", *self.options, *args],
            env=self.env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
