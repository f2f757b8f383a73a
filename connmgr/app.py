"""The `connmgr` entry point: its arguments parsed once, then the window, or the command line with the desktop
pieces it needs handed in.

The command line may not import Qt (it must run where there is no display), so
what needs Qt — the sign-in window, holding the clipboard — is reached through here.
"""

from __future__ import annotations

import gc
import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from connmgr.domain.callback import AuthorizationFailed, Denied
    from connmgr.domain.connection import Connection
    from connmgr.storage import LocalStore
    from connmgr.storage.home import Home

CLIPBOARD_KEEPER_ENV = "CONNMGR_CLIPBOARD_KEEPER"  # set: this process is the clipboard keeper (a PyInstaller build)
SMOKE_TEST_ENV = "CONNMGR_SMOKE_TEST"  # a URL: instead of the window, the self-check of a built app (gui/smoke.py)


def copy_with_keeper(secret: str) -> None:
    """Hand the secret (on stdin, never argv) to a small process that owns the clipboard until it clears it."""
    import subprocess  # only `token --copy` starts a process; the window's start-up skips the import

    from connmgr.domain.errors import ConfigError

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
    store: LocalStore, name: str, template_id: str, values: dict[str, str]
) -> Connection | Denied | AuthorizationFailed:
    try:
        from connmgr.gui.sign_in_only import sign_in_and_save  # Qt is imported only for the sign-in

        return sign_in_and_save(store, name, template_id, values)  # QtWebEngine, once the window opens
    except ImportError as exc:
        from connmgr.gui.system_libraries import after_failed_import  # imports no Qt

        raise after_failed_import(exc) or exc from None


def main() -> int:
    # Start-up makes tens of thousands of objects and no garbage: collecting would only walk them, again and again
    # as they grow (a tenth of the 10,000-connection start). Imported only after this, since importing is most of
    # it. The window resumes collecting once started (assembly); a command at once.
    gc.disable()
    from connmgr.cli.parser import parse_arguments
    from connmgr.storage import keep_files_private, prepare_home

    keep_files_private()  # before anything is written: the database, its WAL, the window's settings
    if os.environ.get(CLIPBOARD_KEEPER_ENV):
        gc.enable()
        from connmgr.gui.clipboard_keeper import main as keep_clipboard

        return keep_clipboard()
    args = parse_arguments(sys.argv[1:])  # a usage error exits 2 here, with one sentence
    if args.command is None:  # `connmgr` alone, or with global options only (--home, -v): the window
        try:
            return _open_window(prepare_home(args.home), verbose=args.verbose)
        except ImportError as exc:  # Qt's libraries need system ones this machine lacks: named in a sentence
            from connmgr.gui.system_libraries import after_failed_import

            if (missing := after_failed_import(exc)) is None:
                raise
            print(missing.sentence, file=sys.stderr)
            return 1
    gc.enable()
    from connmgr.cli.desktop import Desktop  # not on the window's path: the commands' imports cost start-up time
    from connmgr.cli.main import main as run_command

    return run_command(args, Desktop(browser_sign_in=_sign_in_window, copy_to_clipboard=copy_with_keeper))


def _open_window(home: Home, *, verbose: bool) -> int:
    if smoke_url := os.environ.get(SMOKE_TEST_ENV):
        from connmgr.gui import smoke

        return smoke.run(smoke_url, home.path)
    from connmgr.gui.startup.launch import run  # Qt is imported only when the window opens

    return run(home.path, home.notices, verbose=verbose)


if __name__ == "__main__":
    sys.exit(main())
