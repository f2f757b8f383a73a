"""`connmgr list`, `token` and `check`: what is saved, a connection's access token, and whom it belongs to."""

from __future__ import annotations

import argparse
import asyncio
import sys
import time

from connmgr.cli.desktop import Desktop
from connmgr.cli.output import connection_json, print_json
from connmgr.cli.store import open_store, run_operation
from connmgr.domain.errors import ConfigError
from connmgr.domain.health import expiry_text, health
from connmgr.domain.names import for_terminal

COLUMNS = ("NAME", "TEMPLATE", "STATUS", "ACCOUNT", "EXPIRES")


def cmd_list(args: argparse.Namespace, _: Desktop) -> int:
    with open_store(args.home, secrets=False) as store:  # metadata only
        connections = asyncio.run(store.list_connections())
    now = time.time()
    if args.json:
        print_json([connection_json(c, now) for c in connections])
        return 0
    if not connections:
        print("No connections yet. Connect one with: connmgr connect TEMPLATE --name NAME (see connmgr templates)")
        return 0
    rows = [
        tuple(
            for_terminal(text)
            for text in (c.name, c.template_id, health(c, now).label, c.account or "", expiry_text(c, now))
        )
        for c in connections
    ]
    widths = [max(len(str(r[i])) for r in [COLUMNS, *rows]) for i in range(len(COLUMNS))]
    for row in [COLUMNS, *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def cmd_token(args: argparse.Namespace, desktop: Desktop) -> int:
    token = run_operation(lambda c: c.access_token(args.name), args.home)
    if args.copy:
        if desktop.copy_to_clipboard is None:
            raise ConfigError("connmgr", "copying needs a desktop session", "print the token instead")
        desktop.copy_to_clipboard(token)
        print("Copied the token; the clipboard clears itself in 30 seconds.", file=sys.stderr)
    else:
        print(for_terminal(token))  # a token is checked when received; one stored before that may not be
    return 0


def cmd_check(args: argparse.Namespace, _: Desktop) -> int:
    print(for_terminal(run_operation(lambda c: c.check(args.name), args.home)))
    return 0
