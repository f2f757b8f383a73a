"""The `connmgr` entry point: the command line, with the desktop pieces it needs handed in.

The command line may not import Qt (it must run where there is no display), so
what needs Qt — holding the clipboard — is reached through here.
"""

from __future__ import annotations

import subprocess
import sys

from connmgr import cli
from connmgr.domain.errors import ConfigError


def copy_with_keeper(secret: str) -> None:
    """Hand the secret (on stdin, never argv) to a small process that owns the clipboard until it clears it."""
    keeper = subprocess.Popen(
        [sys.executable, "-m", "connmgr.gui.clipboard_keeper"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        start_new_session=True,  # outlives this command, as a clipboard owner must
    )
    assert keeper.stdin is not None
    assert keeper.stdout is not None
    keeper.stdin.write(secret + "\n")
    keeper.stdin.close()
    if keeper.stdout.readline().strip() != "ready":
        raise ConfigError("Clipboard", "the token could not be put on the clipboard", "print it with connmgr token")


def main() -> int:
    return cli.main(sys.argv[1:], copy_to_clipboard=copy_with_keeper)


if __name__ == "__main__":
    sys.exit(main())
