"""`connmgr export`: write connections' credentials to a .env file."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from connmgr.cli.desktop import Desktop
from connmgr.cli.store import run_operation
from connmgr.domain.names import for_terminal


def cmd_export(args: argparse.Namespace, _: Desktop) -> int:
    outcome = run_operation(lambda c: c.export(args.names, Path(args.env), args.prefix), args.home)
    print(for_terminal(f"Wrote {len(outcome.variables)} variables to {outcome.path}: {', '.join(outcome.variables)}"))
    if outcome.warning:
        print(for_terminal(f"Warning: {outcome.warning}."), file=sys.stderr)
    return 0
