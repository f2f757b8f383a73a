"""Every command, its arguments and its handler (`args.handler`), for `cli.parser` to parse with when a command or
help is asked for: it imports no command, and a command's handler is imported only when that command runs."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from typing import TYPE_CHECKING

from connmgr.cli.parser import EXEC, Parser, with_global_options
from connmgr.domain.dialect import Flow
from connmgr.domain.envfile import VARIABLE_NAME
from connmgr.domain.token_forms import HAND_OUT_MARGIN_S, MAX_MARGIN_S, TokenForm
from connmgr.storage import resolve_home
from connmgr.templates import load_catalog

if TYPE_CHECKING:
    from connmgr.cli.desktop import Desktop

CONNECT_DESCRIPTION = (
    "Sign in at a vendor and save the connection. The authorization-code flow opens connmgr's sign-in window (or "
    "the system browser); device_code shows a code to enter at the vendor's page in any browser; client credentials "
    "and password need no browser. Secret fields (client secret, API key, "
    "password) come from CONNMGR_<FIELD> (CONNMGR_CLIENT_SECRET, ...) or a prompt that does not echo, never from "
    "the command line."
)


@dataclass(frozen=True)
class Handler:
    """A command's function, `connmgr.cli.<module>.<function>(args, desktop)` returning the exit status, imported
    when the command runs."""

    module: str
    function: str

    def __call__(self, args: argparse.Namespace, desktop: Desktop) -> int:
        run: Callable[[argparse.Namespace, Desktop], int] = getattr(
            import_module(f"connmgr.cli.{self.module}"), self.function
        )
        return run(args, desktop)


def _variable_prefix(text: str) -> str:
    if not VARIABLE_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"must be a variable name (letters, digits and '_', not first a digit): {text!r}"
        )
    return text


def _seconds(text: str) -> float:
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1.0
    if not 0 <= seconds <= MAX_MARGIN_S:
        raise argparse.ArgumentTypeError(f"must be a number of seconds from 0 to {MAX_MARGIN_S}: {text!r}")
    return seconds


class _ConnectHelp(argparse.HelpFormatter):
    """`connect --help` ends with each template's flows, the default first: read only when help is asked for."""

    def format_help(self) -> str:
        catalog = load_catalog(resolve_home(None) / "templates").catalog
        width = max(len(t.id) for t in catalog)
        lines = [
            f"  {t.id:<{width}}  {t.name}: {t.flows[0]} (default)" + "".join(f", {flow}" for flow in t.flows[1:])
            for t in catalog
        ]
        return super().format_help() + "\ntemplates and their flows:\n" + "\n".join(lines) + "\n"


def build_parser() -> argparse.ArgumentParser:
    parser = with_global_options(
        Parser(prog="connmgr", description="Connect client accounts at SaaS vendors through OAuth.")
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

    p = commands.add_parser("templates", help="list the vendor templates")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=Handler("templates", "cmd_templates"))
    p = commands.add_parser(
        "connect", help="connect an account", description=CONNECT_DESCRIPTION, formatter_class=_ConnectHelp
    )
    p.add_argument(
        "template", nargs="?", help="the vendor's template, by id (the list below; connmgr templates); or --from"
    )
    p.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="the settings a colleague saved (connmgr describe NAME > FILE): template, flow and every value that is "
        "not a secret; --set overrides a value, and the secrets are asked for as usual",
    )
    p.add_argument("--name", required=True, help="what to call the connection here; no other in this home has it")
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="a field's value, once for each field (client_id, redirect_uri, site, ...; connmgr templates --json "
        "lists each template's fields); never a secret",
    )
    p.add_argument(
        "--flow",
        choices=[flow.value for flow in Flow],  # plain strings: argparse quotes a choice by its repr
        help="how the token is obtained: "
        + ", ".join(f"{flow} ({flow.summary})" for flow in Flow)
        + "; default: the template's first, marked below",
    )
    p.add_argument(
        "--system-browser",
        action="store_true",
        help="sign in in the system browser, not connmgr's window (the redirect comes back to a one-time local "
        "address)",
    )
    p.add_argument(
        "--shared",
        action="store_true",
        help="save the connection in this home's workspace, sealed with its key, for the team (never kept here)",
    )
    p.add_argument("--json", action="store_true", help="print the saved connection as JSON")
    p.set_defaults(handler=Handler("connect", "cmd_connect"))
    p = commands.add_parser("list", help="list the connections")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=Handler("inspect", "cmd_list"))
    p = commands.add_parser("token", help="print a connection's access token (refreshed first if needed)")
    p.add_argument("name")
    p.add_argument(
        "--as",
        dest="form",
        choices=[form.value for form in TokenForm],
        default=TokenForm.TOKEN.value,
        help="how: " + "; ".join(f"{form} ({form.description})" for form in TokenForm) + "; default: token",
    )
    p.add_argument("--prefix", type=_variable_prefix, help="the variables' prefix for --as env (default: from NAME)")
    p.add_argument("--copy", action="store_true", help="copy it to the clipboard instead (clears in 30 seconds)")
    p.set_defaults(handler=Handler("inspect", "cmd_token"))
    p = commands.add_parser("describe", help="print a connection's settings without secrets, to connect from")
    p.add_argument("name")
    p.set_defaults(handler=Handler("inspect", "cmd_describe"))
    p = commands.add_parser("claims", help="what a connection's tokens say of themselves (decoded, not trusted)")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=Handler("inspect", "cmd_claims"))
    p = commands.add_parser(
        EXEC,
        help="run a command with connections' credentials in its environment only",
        usage=f"connmgr {EXEC} NAME... [--prefix P] [--margin SECONDS] -- COMMAND [ARGS...]",
        description="Run COMMAND with the variables export would write for each NAME, in its environment only: "
        "nothing is written to disk and no secret is in its arguments. Each token is refreshed first when it "
        "would expire within the margin. The command's exit status is connmgr's.",
    )
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--prefix", type=_variable_prefix, help="the variables' prefix (one NAME only; default: from NAME)")
    p.add_argument(
        "--margin",
        type=_seconds,
        default=HAND_OUT_MARGIN_S,
        metavar="SECONDS",
        help=f"refresh a token first when it expires within this many seconds (default: {HAND_OUT_MARGIN_S})",
    )
    p.set_defaults(handler=Handler("run", "cmd_exec"))
    p = commands.add_parser("refresh", help="refresh connections")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true")
    p.set_defaults(handler=Handler("lifecycle", "cmd_refresh"))
    for name, text, handler in (
        ("revoke", "revoke at the vendor and forget the token", Handler("lifecycle", "cmd_revoke")),
        ("remove", "forget a connection", Handler("lifecycle", "cmd_remove")),
    ):
        p = commands.add_parser(name, help=text)
        p.add_argument("name")
        p.set_defaults(handler=handler)
    p = commands.add_parser("check", help="ask the vendor who the token belongs to: its HTTP status, time and answer")
    p.add_argument("name")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=Handler("inspect", "cmd_check"))
    p = commands.add_parser("rename", help="give a connection another name")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p.set_defaults(handler=Handler("lifecycle", "cmd_rename"))
    p = commands.add_parser("export", help="write credentials to a .env file")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--env", required=True, metavar="FILE")
    p.add_argument("--prefix", type=_variable_prefix)
    p.set_defaults(handler=Handler("export", "cmd_export"))
    p = commands.add_parser("audit", help="who did what to the connections, and whether the log is intact")
    p.add_argument("name", nargs="?", metavar="NAME", help="one connection's entries only")
    p.add_argument("--json", action="store_true")
    p.add_argument("--verify", action="store_true", help="check every entry's hash chain; exit 1 if it is broken")
    p.set_defaults(handler=Handler("audit", "cmd_audit"))
    for name, text, function in (
        ("share", "move a connection into the workspace (sealed to its key; no copy kept here)", "cmd_share"),
        ("unshare", "move a shared connection out of the workspace into this home", "cmd_unshare"),
    ):
        p = commands.add_parser(name, help=text)
        p.add_argument("name", metavar="NAME")
        p.set_defaults(handler=Handler("share", function))
    _add_workspace(commands)
    return parser


def _add_workspace(commands: argparse._SubParsersAction[Parser]) -> None:
    group = commands.add_parser("workspace", help="share connections with a team in a PostgreSQL workspace")
    actions = group.add_subparsers(dest="action", metavar="ACTION", required=True, parser_class=Parser)
    url = "the workspace's libpq URI (postgresql://user@host/db?sslmode=verify-full), never with its password"
    p = actions.add_parser("create", help="set up a workspace; this device is its first admin")
    p.add_argument("url", metavar="URL", help=url)
    p.add_argument("--name", help="the workspace's name (default: its address)")
    p.add_argument("--member", help="this device's member name (default: the login name)")
    p.set_defaults(handler=Handler("workspace", "cmd_create"))
    p = actions.add_parser("join", help="ask to join a workspace (run again once approved); prints the fingerprint")
    p.add_argument("url", metavar="URL", help=url)
    p.add_argument("--member", required=True, help="this device's member name")
    p.add_argument("--admin-fingerprint", help="the approving admin's fingerprint as they read it out (no prompt)")
    p.set_defaults(handler=Handler("workspace", "cmd_join"))
    p = actions.add_parser("approve", help="admin: approve a join request; prints the fingerprint to compare")
    p.add_argument("member", metavar="MEMBER")
    p.add_argument("--fingerprint", help="the member's fingerprint as they read it out (no prompt)")
    p.set_defaults(handler=Handler("workspace", "cmd_approve"))
    p = actions.add_parser("remove", help="admin: remove a member; the workspace key is rotated")
    p.add_argument("member", metavar="MEMBER")
    p.set_defaults(handler=Handler("workspace", "cmd_remove"))
    p = actions.add_parser("status", help="the members, this device, and whether the workspace is online")
    p.add_argument("--json", action="store_true")
    p.set_defaults(handler=Handler("workspace", "cmd_status"))
