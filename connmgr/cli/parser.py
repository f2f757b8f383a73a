"""The command line's arguments, parsed once by app.py: the global options alone for the window (`connmgr`,
`--home DIR`, `-v`), which is all its start-up pays for; the command tree (`cli.commands`) only when a command or
help is asked for."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from connmgr import __version__
from connmgr.domain.names import for_terminal

EXEC = "exec"
_HELP = ("-h", "--help")


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # argparse's own exit is 2 too; this keeps the message to one line
        self.exit(2, for_terminal(f"connmgr: {message}") + "\n")


def with_global_options(parser: Parser) -> Parser:
    parser.add_argument("--version", action="version", version=f"connmgr {__version__}")
    parser.add_argument("--home", type=Path, help="keep all state in DIR (default: $CONNMGR_HOME or the data dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (secrets redacted)")
    return parser


def parse_arguments(argv: Sequence[str]) -> argparse.Namespace:
    """The arguments, parsed. For `exec`, what follows its `--` is the command's own (`args.run`): set aside before
    argparse sees it, which would take the command's words for connection names or for connmgr's options."""
    words, run = list(argv), []
    at = _command_at(words)
    if at is not None and words[at] == EXEC and "--" in words[at:]:
        cut = words.index("--", at)
        words, run = words[:cut], words[cut + 1 :]
    if at is None and not any(word in _HELP for word in words):  # the window
        args = with_global_options(Parser(prog="connmgr")).parse_args(words)
        args.command = None
    else:
        from connmgr.cli.commands import build_parser

        args = build_parser().parse_args(words)
    args.run = run
    return args


def _command_at(words: Sequence[str]) -> int | None:
    """Where the command's name is: the first word that is neither a global option nor --home's value."""
    value_next = False
    for at, word in enumerate(words):
        if value_next or word.startswith("-"):
            value_next = word == "--home"
            continue
        return at
    return None
