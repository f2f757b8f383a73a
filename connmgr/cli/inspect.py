"""`connmgr list`, `token`, `claims` and `check`: what is saved, a connection's access token in the form it is
used, what its tokens say of themselves, and whom it belongs to."""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time

from connmgr.cli.desktop import Desktop
from connmgr.cli.output import connection_json, print_json
from connmgr.cli.store import open_store, run_operation
from connmgr.cli.usage import UsageError
from connmgr.cli.workspace import shared_listing
from connmgr.domain.checks import CheckResult
from connmgr.domain.claims import TokenClaims, token_claims
from connmgr.domain.errors import ConfigError, TokenRejected
from connmgr.domain.health import expiry_text, health
from connmgr.domain.names import for_terminal
from connmgr.domain.token_forms import TokenForm
from connmgr.services.connections import Connections
from connmgr.services.settings_files import describe
from connmgr.templates import load_catalog

COLUMNS = ("NAME", "TEMPLATE", "STATUS", "ACCOUNT", "EXPIRES")


def cmd_list(args: argparse.Namespace, _: Desktop) -> int:
    with open_store(args.home, secrets=False) as store:  # metadata only
        connections = asyncio.run(store.list_connections())
    shared = shared_listing(args.home)
    connected_by = {c.id: by for c, by in shared}
    if shared:  # beside the private ones, in the store's order (ASCII letters folded)
        connections = sorted([*connections, *(c for c, _ in shared)], key=lambda c: (_folded(c.name), c.name))
    now = time.time()
    if args.json:
        print_json(
            [
                connection_json(c, now) | {"shared": c.id in connected_by, "connected_by": connected_by.get(c.id)}
                for c in connections
            ]
        )
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


def _folded(name: str) -> str:
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def cmd_token(args: argparse.Namespace, desktop: Desktop) -> int:
    form = TokenForm(args.form)
    if args.prefix is not None and form is not TokenForm.ENV:
        raise UsageError("--prefix names the variables of --as env only")
    if args.copy and desktop.copy_to_clipboard is None:
        raise ConfigError("connmgr", "copying needs a desktop session", "print the token instead")
    text = run_operation(lambda c: c.token_as(args.name, form, prefix=args.prefix), args.home)
    if args.copy and desktop.copy_to_clipboard is not None:
        desktop.copy_to_clipboard(text)
        print(f"Copied {form.description}; the clipboard clears itself in 30 seconds.", file=sys.stderr)
    else:
        # A token is checked when received (one stored before that may not be); the forms of several lines keep
        # their lines, and nothing in a line can drive the terminal.
        print("\n".join(for_terminal(line) for line in text.split("\n")))
    return 0


def cmd_claims(args: argparse.Namespace, _: Desktop) -> int:
    async def read(connections: Connections) -> TokenClaims:
        connection, secrets = await connections.reveal(args.name)
        return token_claims(secrets.id_token, secrets.access_token, connection.expires_at)

    claims = run_operation(read, args.home)
    if args.json:
        print_json({"access_token": claims.access_token, "id_token": claims.id_token, "note": claims.expiry_note})
        return 0
    for title, shown in (("Access token", claims.access_token), ("Id token", claims.id_token)):
        if shown:
            print(f"{title} (decoded for display, not trusted):")
            for key, value in shown.items():
                print(for_terminal(f"  {key}: {value if isinstance(value, str) else json.dumps(value)}"))
    if not (claims.access_token or claims.id_token):
        print("Neither token is a JWT: they say nothing of themselves.")
    if claims.expiry_note:
        print(claims.expiry_note)
    return 0


def cmd_check(args: argparse.Namespace, _: Desktop) -> int:
    """The account on stdout (what a script reads), the status and time on stderr; `--json`: all of it on stdout.
    A refusal is said in one line, after its status and time, with exit status 1."""

    async def check(connections: Connections) -> tuple[CheckResult | None, TokenRejected | None]:
        try:
            return await connections.check(args.name), None
        except TokenRejected as refused:
            return connections.last_checks.get((await connections.store.get(args.name)).id), refused

    result, refused = run_operation(check, args.home)
    if result is not None and args.json:
        print_json({"name": args.name} | result.as_json())
    elif result is not None and refused is None:
        print(for_terminal(result.identity or ""))
        print(f"HTTP {result.status} in {result.elapsed_ms} ms", file=sys.stderr)
    if refused is not None:
        timed = f"HTTP {result.status} in {result.elapsed_ms} ms. " if result is not None else ""
        print(for_terminal(timed + refused.sentence), file=sys.stderr)
        return 1
    return 0


def cmd_describe(args: argparse.Namespace, _: Desktop) -> int:
    # The settings are metadata: no passphrase (a shared connection's are the workspace's).
    connection = run_operation(lambda c: c.store.get(args.name), args.home, secrets=False)
    text = describe(connection, load_catalog(args.home / "templates").catalog)
    print("\n".join(for_terminal(line) for line in text.rstrip("\n").split("\n")))
    return 0
