"""`connmgr connect`: sign in at a vendor (connmgr's sign-in window, the system browser, a code to enter in any
browser for a device sign-in, or no browser at all for client credentials and password) and save the connection.
Secret fields never come from argv."""

from __future__ import annotations

import argparse
import getpass
import io
import os
import sys
import time
import webbrowser
from collections.abc import Mapping, Sequence
from pathlib import Path

from connmgr.cli.desktop import Desktop
from connmgr.cli.output import connection_json, print_json
from connmgr.cli.store import open_store, run_operation
from connmgr.cli.usage import UsageError
from connmgr.domain.connection import Connection
from connmgr.domain.device import DeviceAuthorization
from connmgr.domain.dialect import Flow
from connmgr.domain.durations import in_words
from connmgr.domain.errors import ConfigError
from connmgr.domain.names import for_terminal
from connmgr.domain.template import ProviderTemplate
from connmgr.services.connecting import NotSaved, Saved
from connmgr.services.loopback import LoopbackBrowser
from connmgr.services.settings_files import read_settings_file
from connmgr.templates import load_catalog


def _secret_from_env_or_prompt(label: str, name: str, *, required: bool) -> str:
    variable = f"CONNMGR_{name.upper()}"
    if variable in os.environ:
        return os.environ[variable]
    if sys.stdin.isatty():
        return getpass.getpass(f"{label}: ")
    if required:
        raise ConfigError("connmgr", f"the {label} is needed and stdin is not a terminal", f"set {variable}")
    return ""


def _values(
    template: ProviderTemplate, flow: Flow, assignments: Sequence[str], base: Mapping[str, str]
) -> dict[str, str]:
    """`base` (a settings file's), then each --set KEY=VALUE over it, then the secrets from the environment or a
    prompt."""
    values = dict(base)
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


def tell_device_code(grant: DeviceAuthorization) -> None:
    """What the person must do for a device sign-in, on stderr (stdout carries the result); on a terminal, the page
    as a QR code too, for a phone."""
    filled_in = grant.verification_uri_complete != grant.verification_uri
    lines = (
        "Open this page in any browser and sign in:",
        f"  {grant.verification_uri_complete}",
        "It should show this code:" if filled_in else "Enter this code there:",
        f"  {grant.user_code}",
        f"Waiting for the sign-in (the code expires in {in_words(grant.expires_in)}; Ctrl+C stops)...",
    )
    for line in lines:  # one by one: the vendor's text is escaped for the terminal, and so would a line break be
        print(for_terminal(line), file=sys.stderr, flush=True)
    if sys.stderr.isatty():
        print(qr_for_terminal(grant.verification_uri_complete), file=sys.stderr, flush=True)


def qr_for_terminal(text: str) -> str:
    """`text` as a QR code of block characters, two rows of squares to a line (no escape sequences)."""
    import segno  # paid for by a device sign-in only

    out = io.StringIO()
    segno.make(text, error="m", micro=False).terminal(out=out, compact=True)
    return out.getvalue().rstrip("\n")


def cmd_connect(args: argparse.Namespace, desktop: Desktop) -> int:
    catalog = load_catalog(args.home / "templates").catalog
    settings = read_settings_file(Path(args.from_file), catalog) if args.from_file else None
    if settings is None and args.template is None:
        raise UsageError("connect needs a TEMPLATE, or --from a settings file")
    if settings is not None and args.template not in (None, settings.template_id):
        raise UsageError(f"{args.from_file} is for the template {settings.template_id!r}, not {args.template!r}")
    template = catalog.get(settings.template_id if settings is not None else args.template)
    flow = Flow(args.flow) if args.flow else settings.flow if settings is not None else template.flows[0]
    values = _values(template, flow, args.set, settings.values if settings is not None else {})
    result: Connection | NotSaved
    if flow != Flow.AUTHORIZATION_CODE or args.system_browser:
        # Nobody is asked here: a second connection to an account already connected is saved, as it was asked for.
        outcome = run_operation(
            lambda c: c.connect(
                args.name,
                c.new_provider(template.id, values, flow),
                system=LoopbackBrowser(webbrowser.open),
                device=tell_device_code,
            ),
            args.home,
            shared=args.shared,
        )
        result = outcome.connection if isinstance(outcome, Saved) else outcome
    elif args.shared:  # the window saves to this home only
        raise UsageError("--shared signs in with --system-browser, or with a flow that needs no browser window")
    elif desktop.browser_sign_in is None:
        raise ConfigError(template.name, "signing in needs the sign-in window", "pass --system-browser")
    else:
        with open_store(args.home) as store:
            result = desktop.browser_sign_in(store, args.name, template.id, values)
    if not isinstance(result, Connection):
        print(for_terminal(result.sentence), file=sys.stderr)
        return 1
    if args.json:
        print_json(connection_json(result, time.time()))
    else:
        account = result.account or "an unnamed account"
        print(for_terminal(f"Connected {result.name} as {account} ({template.name})."))
    if result.status_detail:  # what could not be verified: said, not failed
        print(for_terminal(f"Note: {result.status_detail}"), file=sys.stderr)
    return 0
