"""`connmgr refresh`, `revoke`, `remove` and `rename`: what happens to a saved connection."""

from __future__ import annotations

import argparse
import sys
import time

from connmgr.cli.desktop import Desktop
from connmgr.cli.store import run_operation
from connmgr.cli.usage import UsageError
from connmgr.domain.durations import countdown
from connmgr.domain.errors import ConnmgrError
from connmgr.domain.names import for_terminal
from connmgr.services.connections import Connections


def cmd_refresh(args: argparse.Namespace, _: Desktop) -> int:
    if bool(args.names) == bool(args.all):
        raise UsageError("name the connections to refresh, or pass --all")

    async def refresh_all(connections: Connections) -> int:
        names = args.names or [c.name for c in await connections.store.list_connections()]
        failures = 0
        for name in names:
            try:
                updated = await connections.refresh(name)
            except ConnmgrError as exc:
                failures += 1
                print(for_terminal(exc.sentence), file=sys.stderr)
                continue
            print(f"{for_terminal(name)}: refreshed, {countdown(updated.remaining(time.time()))}")
        return 1 if failures else 0

    return run_operation(refresh_all, args.home)


def cmd_revoke(args: argparse.Namespace, _: Desktop) -> int:
    outcome = run_operation(lambda c: c.revoke(args.name), args.home)
    if outcome.at_vendor:
        print(for_terminal(f"{args.name}: revoked at the vendor and forgotten here."))
    else:
        print(for_terminal(f"{args.name}: forgotten here. {outcome.hint}."))
    return 0


def cmd_remove(args: argparse.Namespace, _: Desktop) -> int:
    run_operation(lambda c: c.remove(args.name), args.home, secrets=False)  # removing a row needs no secret
    print(f"{for_terminal(args.name)}: removed (nothing was revoked at the vendor).")
    return 0


def cmd_rename(args: argparse.Namespace, _: Desktop) -> int:
    renamed = run_operation(lambda c: c.rename(args.old, args.new), args.home, secrets=False)  # a name is no secret
    print(f"{for_terminal(args.old)}: renamed to {for_terminal(renamed.name)}.")
    return 0
