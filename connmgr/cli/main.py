"""Running the command that app.py parsed: its handler, with the home prepared, and every failure turned into its
exit status and one sentence."""

from __future__ import annotations

import argparse
import logging
import sys

from connmgr import logs

# Every group of commands, imported where a frozen build's analysis finds them: the parser names them only.
from connmgr.cli import audit, connect, export, inspect, lifecycle, run, share, templates, workspace  # noqa: F401
from connmgr.cli.commands import Handler
from connmgr.cli.desktop import Desktop
from connmgr.cli.usage import UsageError
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.names import for_terminal
from connmgr.storage import prepare_home


def main(args: argparse.Namespace, desktop: Desktop) -> int:
    """Run the command `args` names (parsed with `commands.build_parser`, the global options included)."""
    try:
        logs.configure(logging.DEBUG if args.verbose else logging.WARNING)
        home = prepare_home(args.home)
        for notice in home.notices:  # once per command: the handlers find it prepared
            print(notice, file=sys.stderr)
        args.home = home.path
        handler: Handler = args.handler
        return handler(args, desktop)
    except UsageError as exc:
        print(for_terminal(f"connmgr: {exc}"), file=sys.stderr)
        return 2
    except ConnmgrError as exc:
        print(for_terminal(exc.sentence), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 1
