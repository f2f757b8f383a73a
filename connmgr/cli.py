"""The command line: the same operations as the window, for scripts.

Exit status: 0 on success; 1 with one sentence on stderr when an operation
fails; 2 on a usage error. Secrets never come from argv (other users can read
it in the process list): secret fields come from `CONNMGR_<FIELD>` variables
or a prompt that does not echo. Text from the store or a vendor is printed
through `for_terminal`, so no name, account or answer can drive the terminal.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import json
import logging
import os
import sys
import time
import webbrowser
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from connmgr import __version__, logs
from connmgr.domain.callback import AuthorizationFailed, Denied
from connmgr.domain.connection import Connection
from connmgr.domain.dialect import Flow
from connmgr.domain.durations import countdown
from connmgr.domain.envfile import VARIABLE_NAME
from connmgr.domain.errors import ConfigError, ConnmgrError
from connmgr.domain.health import expiry_text, health, iso_utc
from connmgr.domain.names import for_terminal
from connmgr.domain.template import ProviderTemplate
from connmgr.oauth.client import OAuthClient
from connmgr.services.connecting import NotSaved, Saved
from connmgr.services.connections import Connections
from connmgr.services.loopback import LoopbackBrowser
from connmgr.storage import (
    KeyringDataKey,
    KeySourceKind,
    LocalStore,
    PassphraseDataKey,
    keep_files_private,
    prepare_home,
    recorded_key_source,
    resolve_home,
)
from connmgr.storage.errors import KeyringUnavailable
from connmgr.templates import load_catalog

PASSPHRASE_ENV = "CONNMGR_PASSPHRASE"
T = TypeVar("T")

# The embedded sign-in lives in the GUI, which this module may not import; the entry point passes it in.
BrowserSignIn = Callable[[LocalStore, str, str, dict[str, str]], Connection | Denied | AuthorizationFailed]


class UsageError(Exception):
    """A mistake in the command itself: exit status 2."""


def _secret_from_env_or_prompt(label: str, name: str, *, required: bool) -> str:
    variable = f"CONNMGR_{name.upper()}"
    if variable in os.environ:
        return os.environ[variable]
    if sys.stdin.isatty():
        return getpass.getpass(f"{label}: ")
    if required:
        raise ConfigError("connmgr", f"the {label} is needed and stdin is not a terminal", f"set {variable}")
    return ""


def _passphrase(home: Path, *, confirm: bool) -> str:
    if PASSPHRASE_ENV in os.environ:
        return os.environ[PASSPHRASE_ENV]
    if not sys.stdin.isatty():
        raise ConfigError("connmgr", f"the data in {home} is protected by a passphrase", f"set {PASSPHRASE_ENV}")
    first = getpass.getpass("Passphrase for connmgr's secrets: ")
    if confirm and getpass.getpass("Repeat the passphrase: ") != first:
        raise ConfigError("connmgr", "the two passphrases differ", "try again")
    return first


def open_store(home: Path) -> LocalStore:
    """The store with the key source this home records; a home without a keyring falls back to a
    passphrase only when the person says so (CONNMGR_PASSPHRASE, or yes at the prompt), never silently."""
    if recorded_key_source(home) is KeySourceKind.PASSPHRASE:
        return LocalStore(home, PassphraseDataKey(home, _passphrase(home, confirm=False)))
    store = LocalStore(home, KeyringDataKey(home))
    if recorded_key_source(home) is KeySourceKind.KEYRING:
        return store
    try:
        asyncio.run(store.database.unlock())
        return store
    except KeyringUnavailable as exc:
        store.close()
        print(for_terminal(exc.sentence), file=sys.stderr)
        consented = PASSPHRASE_ENV in os.environ or (
            sys.stdin.isatty() and input("Protect connmgr's secrets with a passphrase instead? [y/N] ") == "y"
        )
        if not consented:
            raise
        return LocalStore(home, PassphraseDataKey(home, _passphrase(home, confirm=True)))


def _run(
    coroutine_factory: Callable[[Connections], Awaitable[T]], args: argparse.Namespace, *, secrets: bool = True
) -> T:
    """Run one operation against this home's connections on a fresh event loop (`secrets`: it may need the data
    key, so the home's key source is settled first)."""
    store = open_store(resolve_home(args.home)) if secrets else open_store_for_listing(args)

    async def main() -> T:
        async with OAuthClient() as client:
            return await coroutine_factory(Connections(store, load_catalog(store.home / "templates").catalog, client))

    try:
        return asyncio.run(main())
    finally:
        store.close()


def _print_json(data: object) -> None:
    print(json.dumps(data, indent=2))


# -- templates


def _template_json(t: ProviderTemplate) -> dict[str, object]:
    return {
        "id": t.id,
        "name": t.name,
        "description": t.description,
        "protocol": t.protocol,
        "flows": list(t.flows),
        "fields": [
            {
                "name": f.name,
                "label": f.label,
                "kind": f.kind,
                "required": f.required,
                "default": f.default,
                "advanced": f.advanced,
                "flows": sorted(f.flows) if f.flows is not None else list(t.flows),
                "choices": [c.value for c in f.choices],
                "hint": f.hint,
            }
            for f in t.fields
            if f.flows is None or f.flows
        ],
        "endpoints": dict(t.endpoints),
    }


def cmd_templates(args: argparse.Namespace) -> int:
    loaded = load_catalog(resolve_home(args.home) / "templates")
    if args.json:
        _print_json([_template_json(t) for t in loaded.catalog])
    else:
        width = max(len(t.id) for t in loaded.catalog)
        for t in loaded.catalog:
            flows = ", ".join(f.phrase for f in t.flows)
            print(for_terminal(f"{t.id:<{width}}  {t.name} — {flows}"))
    for problem in loaded.problems:
        print(for_terminal(problem.sentence), file=sys.stderr)
    return 0


# -- connect


def _values(template: ProviderTemplate, flow: Flow, assignments: Sequence[str]) -> dict[str, str]:
    values: dict[str, str] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep:
            raise UsageError(f"--set takes KEY=VALUE, not {assignment!r}")
        spec = template.field(key)
        if spec is not None and spec.secret:
            raise UsageError(
                f"{key} is a secret: pass it in CONNMGR_{key.upper()} or at the prompt, never as an argument"
            )
        values[key] = value
    for spec in template.fields_for(flow):
        if spec.secret and spec.name not in values:
            secret = _secret_from_env_or_prompt(spec.label, spec.name, required=spec.required)
            if secret:
                values[spec.name] = secret
    return values


def _connection_json(c: Connection, now: float) -> dict[str, object]:
    return {
        "name": c.name,
        "template": c.template_id,
        "flow": c.flow,
        "status": health(c, now).value,
        "account": c.account,
        "expires_at": iso_utc(c.expires_at),
        "expires_in_s": None if c.expires_at is None else int(c.expires_at - now),
        "refresh_expires_at": iso_utc(c.refresh_expires_at),
        "has_refresh_token": c.has_refresh_token,
    }


def cmd_connect(args: argparse.Namespace, browser_sign_in: BrowserSignIn | None) -> int:
    catalog = load_catalog(resolve_home(args.home) / "templates").catalog
    template = catalog.get(args.template)
    flow = Flow(args.flow) if args.flow else template.flows[0]
    values = _values(template, flow, args.set)
    result: Connection | NotSaved
    if flow != Flow.AUTHORIZATION_CODE or args.system_browser:
        # Nobody is asked here: a second connection to an account already connected is saved, as it was asked for.
        outcome = _run(
            lambda c: c.connect(
                args.name, c.new_provider(template.id, values, flow), system=LoopbackBrowser(webbrowser.open)
            ),
            args,
        )
        result = outcome.connection if isinstance(outcome, Saved) else outcome
    elif browser_sign_in is None:
        raise ConfigError(template.name, "signing in needs the sign-in window", "pass --system-browser")
    else:
        store = open_store(resolve_home(args.home))
        try:
            result = browser_sign_in(store, args.name, template.id, values)
        finally:
            store.close()
    if not isinstance(result, Connection):
        print(for_terminal(result.sentence), file=sys.stderr)
        return 1
    if args.json:
        _print_json(_connection_json(result, time.time()))
    else:
        account = result.account or "an unnamed account"
        print(for_terminal(f"Connected {result.name} as {account} ({template.name})."))
    if result.status_detail:  # what could not be verified: said, not failed
        print(for_terminal(f"Note: {result.status_detail}"), file=sys.stderr)
    return 0


# -- list, token, check


def cmd_list(args: argparse.Namespace) -> int:
    store = open_store_for_listing(args)
    try:
        connections = asyncio.run(store.list_connections())
    finally:
        store.close()
    now = time.time()
    if args.json:
        _print_json([_connection_json(c, now) for c in connections])
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
    widths = [
        max(len(str(r[i])) for r in [("NAME", "TEMPLATE", "STATUS", "ACCOUNT", "EXPIRES"), *rows]) for i in range(5)
    ]
    for row in [("NAME", "TEMPLATE", "STATUS", "ACCOUNT", "EXPIRES"), *rows]:
        print("  ".join(str(v).ljust(w) for v, w in zip(row, widths, strict=True)).rstrip())
    return 0


def _remaining(c: Connection, now: float) -> float | None:
    return None if c.expires_at is None else c.expires_at - now


def open_store_for_listing(args: argparse.Namespace) -> LocalStore:
    """Listing reads metadata only, so it never asks the keyring or for a passphrase."""
    home = resolve_home(args.home)
    return LocalStore(home, KeyringDataKey(home))


def cmd_token(args: argparse.Namespace, copy_to_clipboard: Callable[[str], None] | None) -> int:
    token = _run(lambda c: c.access_token(args.name), args)
    if args.copy:
        if copy_to_clipboard is None:
            raise ConfigError("connmgr", "copying needs a desktop session", "print the token instead")
        copy_to_clipboard(token)
        print("Copied the token; the clipboard clears itself in 30 seconds.", file=sys.stderr)
    else:
        print(for_terminal(token))  # a token is checked when received; one stored before that may not be
    return 0


def cmd_check(args: argparse.Namespace) -> int:
    print(for_terminal(_run(lambda c: c.check(args.name), args)))
    return 0


# -- refresh, revoke, remove, export


def cmd_refresh(args: argparse.Namespace) -> int:
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
            print(f"{for_terminal(name)}: refreshed, {countdown(_remaining(updated, time.time()))}")
        return 1 if failures else 0

    return _run(refresh_all, args)


def cmd_revoke(args: argparse.Namespace) -> int:
    outcome = _run(lambda c: c.revoke(args.name), args)
    if outcome.at_vendor:
        print(for_terminal(f"{args.name}: revoked at the vendor and forgotten here."))
    else:
        print(for_terminal(f"{args.name}: forgotten here. {outcome.hint}."))
    return 0


def cmd_remove(args: argparse.Namespace) -> int:
    _run(lambda c: c.remove(args.name), args, secrets=False)  # removing a row needs no secret
    print(f"{for_terminal(args.name)}: removed (nothing was revoked at the vendor).")
    return 0


def cmd_rename(args: argparse.Namespace) -> int:
    renamed = _run(lambda c: c.rename(args.old, args.new), args, secrets=False)  # a name is no secret
    print(f"{for_terminal(args.old)}: renamed to {for_terminal(renamed.name)}.")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    outcome = _run(lambda c: c.export(args.names, Path(args.env), args.prefix), args)
    print(for_terminal(f"Wrote {len(outcome.variables)} variables to {outcome.path}: {', '.join(outcome.variables)}"))
    if outcome.warning:
        print(for_terminal(f"Warning: {outcome.warning}."), file=sys.stderr)
    return 0


# -- parser


def _variable_prefix(text: str) -> str:
    if not VARIABLE_NAME.fullmatch(text):
        raise argparse.ArgumentTypeError(
            f"must be a variable name (letters, digits and '_', not first a digit): {text!r}"
        )
    return text


CONNECT_DESCRIPTION = (
    "Sign in at a vendor and save the connection. The authorization-code flow opens connmgr's sign-in window (or "
    "the system browser); client credentials and password need no browser. Secret fields (client secret, API key, "
    "password) come from CONNMGR_<FIELD> (CONNMGR_CLIENT_SECRET, ...) or a prompt that does not echo, never from "
    "the command line."
)


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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> Any:  # argparse's own exit is 2 too; this keeps the message to one line
        raise UsageError(message)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="connmgr", description="Connect client accounts at SaaS vendors through OAuth.")
    parser.add_argument("--version", action="version", version=f"connmgr {__version__}")
    parser.add_argument("--home", type=Path, help="keep all state in DIR (default: $CONNMGR_HOME or the data dir)")
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging (secrets redacted)")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = commands.add_parser("templates", help="list the vendor templates")
    p.add_argument("--json", action="store_true")
    p = commands.add_parser(
        "connect", help="connect an account", description=CONNECT_DESCRIPTION, formatter_class=_ConnectHelp
    )
    p.add_argument("template", help="the vendor's template, by id (the list below; connmgr templates)")
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
    p.add_argument("--json", action="store_true", help="print the saved connection as JSON")
    p = commands.add_parser("list", help="list the connections")
    p.add_argument("--json", action="store_true")
    p = commands.add_parser("token", help="print a connection's access token (refreshed first if needed)")
    p.add_argument("name")
    p.add_argument("--copy", action="store_true", help="copy it to the clipboard instead (clears in 30 seconds)")
    p = commands.add_parser("refresh", help="refresh connections")
    p.add_argument("names", nargs="*", metavar="NAME")
    p.add_argument("--all", action="store_true")
    for name, text in (
        ("revoke", "revoke at the vendor and forget the token"),
        ("remove", "forget a connection"),
        ("check", "ask the vendor who the token belongs to"),
    ):
        commands.add_parser(name, help=text).add_argument("name")
    p = commands.add_parser("rename", help="give a connection another name")
    p.add_argument("old", metavar="OLD")
    p.add_argument("new", metavar="NEW")
    p = commands.add_parser("export", help="write credentials to a .env file")
    p.add_argument("names", nargs="+", metavar="NAME")
    p.add_argument("--env", required=True, metavar="FILE")
    p.add_argument("--prefix", type=_variable_prefix)
    return parser


def main(
    argv: Sequence[str] | None = None,
    *,
    browser_sign_in: BrowserSignIn | None = None,
    copy_to_clipboard: Callable[[str], None] | None = None,
) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        logs.configure(logging.DEBUG if args.verbose else logging.WARNING)
        if args.command is None:
            parser.print_help()
            return 0
        home = prepare_home(args.home)
        for notice in home.notices:  # once per command: the commands below find it prepared
            print(notice, file=sys.stderr)
        args.home = home.path
        commands: dict[str, Callable[[argparse.Namespace], int]] = {
            "templates": cmd_templates,
            "connect": lambda a: cmd_connect(a, browser_sign_in),
            "list": cmd_list,
            "token": lambda a: cmd_token(a, copy_to_clipboard),
            "refresh": cmd_refresh,
            "revoke": cmd_revoke,
            "remove": cmd_remove,
            "rename": cmd_rename,
            "check": cmd_check,
            "export": cmd_export,
        }
        return commands[args.command](args)
    except UsageError as exc:
        print(for_terminal(f"connmgr: {exc}"), file=sys.stderr)
        return 2
    except ConnmgrError as exc:
        print(for_terminal(exc.sentence), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("Interrupted.", file=sys.stderr)
        return 1


if __name__ == "__main__":
    keep_files_private()
    sys.exit(main())
