"""The `connmgr` entry point: the command line, with the desktop pieces it needs handed in.

The command line may not import Qt (it must run where there is no display), so
what needs Qt — holding the clipboard — is reached through here.
"""

from __future__ import annotations

import os
import subprocess
import sys

from connmgr import cli
from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection
from connmgr.domain.errors import ConfigError
from connmgr.storage import ConnectionStore, resolve_home

CLIPBOARD_KEEPER_ENV = "CONNMGR_CLIPBOARD_KEEPER"  # set: this process is the clipboard keeper (a PyInstaller build)
SMOKE_TEST_ENV = "CONNMGR_SMOKE_TEST"  # a URL: instead of the window, the self-check of a built app (gui/smoke.py)


def copy_with_keeper(secret: str) -> None:
    """Hand the secret (on stdin, never argv) to a small process that owns the clipboard until it clears it."""
    if getattr(sys, "frozen", False):  # a PyInstaller build has no interpreter for -m: it runs itself as the keeper
        command, env = [sys.executable], {**os.environ, CLIPBOARD_KEEPER_ENV: "1"}
    else:
        command, env = [sys.executable, "-m", "connmgr.gui.clipboard_keeper"], None
    keeper = subprocess.Popen(
        command,
        env=env,
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


def _sign_in_window(
    store: ConnectionStore, name: str, template_id: str, values: dict[str, str]
) -> Connection | Denied | AuthorizationFailed:
    from connmgr.gui.sign_in_only import sign_in_and_save  # Qt is imported only for the sign-in

    return sign_in_and_save(store, name, template_id, values)


def main() -> int:
    argv = sys.argv[1:]
    if os.environ.get(CLIPBOARD_KEEPER_ENV):
        from connmgr.gui.clipboard_keeper import main as keep_clipboard

        return keep_clipboard()
    if cli.opens_window(argv):
        home = resolve_home(cli.home_option(argv))
        if smoke_url := os.environ.get(SMOKE_TEST_ENV):
            from connmgr.gui import smoke

            return smoke.run(smoke_url, home)
        from connmgr.gui.launch import run  # Qt is imported only when the window opens

        return run(home)
    return cli.main(argv, browser_sign_in=_sign_in_window, copy_to_clipboard=copy_with_keeper)


if __name__ == "__main__":
    sys.exit(main())
