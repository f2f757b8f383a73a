"""`connmgr exec`: a command run with connections' credentials in its environment, and nowhere else.

The credentials go into the child's environment only: never into its arguments (which any local user can read
in /proc), never onto disk. Its exit status is ours; the signals a supervisor sends us are sent on to it.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
from collections.abc import Mapping, Sequence
from types import FrameType

from connmgr.cli.desktop import Desktop
from connmgr.cli.store import run_operation
from connmgr.cli.usage import UsageError

# Sent to this process by a supervisor or `kill`, meant for the command: passed on while it runs.
FORWARDED = (signal.SIGTERM, signal.SIGHUP, signal.SIGUSR1, signal.SIGUSR2)
# A terminal sends these to its whole foreground process group, the command included: passing them on too would
# deliver them twice. Sent to us alone (no terminal, or not in its foreground), they are passed on.
FROM_A_TERMINAL = (signal.SIGINT, signal.SIGQUIT)
NOT_FOUND, NOT_RUNNABLE = 127, 126  # what a shell returns


def cmd_exec(args: argparse.Namespace, _: Desktop) -> int:
    if not args.run:
        raise UsageError("exec needs a command after --: connmgr exec NAME... -- COMMAND [ARGS...]")
    variables = run_operation(
        lambda c: c.variables_for_use(args.names, prefix=args.prefix, margin=args.margin), args.home
    )
    return run_command(args.run, variables)


def run_command(command: Sequence[str], variables: Mapping[str, str]) -> int:
    """Run `command` with `variables` added to this environment; its exit status (128 + N when signal N ended
    it, as a shell says)."""
    try:
        child = subprocess.Popen(list(command), env=os.environ | dict(variables))
    except FileNotFoundError:
        print(f"connmgr: {command[0]}: command not found", file=sys.stderr)
        return NOT_FOUND
    except PermissionError:
        print(f"connmgr: {command[0]}: permission denied (it is not a program this user may run)", file=sys.stderr)
        return NOT_RUNNABLE

    def forward(number: int, _frame: FrameType | None) -> None:
        child.send_signal(number)

    forwarded = FORWARDED if _in_a_terminals_foreground() else FORWARDED + FROM_A_TERMINAL
    ignored = () if forwarded is not FORWARDED else FROM_A_TERMINAL
    before = {number: signal.signal(number, forward) for number in forwarded}
    before |= {number: signal.signal(number, signal.SIG_IGN) for number in ignored}
    try:
        status = child.wait()
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
    return 128 - status if status < 0 else status


def _in_a_terminals_foreground() -> bool:
    try:
        return os.tcgetpgrp(sys.stdin.fileno()) == os.getpgrp()
    except (OSError, ValueError):  # no terminal, or stdin closed
        return False
